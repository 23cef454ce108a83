"""report.html: one self-contained page (inline CSS and JS, nothing fetched),
rendered with Jinja2 autoescaping so container output can never run as markup.

Drill-down data travels as JSON inside <script type="application/json"> with
`<`, `>` and `&` written as \\u escapes, so no string in it can close the
element; the page's script renders it with textContent only, on demand.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from harness.report.view import build_view

_env = Environment(
    loader=PackageLoader("harness", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

_SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(value: Any) -> Markup:
    """JSON that is safe inside any <script> element, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    return Markup(text.translate(_SCRIPT_SAFE))


@cache
def _asset(name: str) -> Markup:
    """Our own CSS/JS, inlined verbatim; it must never contain a closing tag."""
    assert _env.loader is not None
    text = _env.loader.get_source(_env, name)[0]
    if "</" in text:
        raise ValueError(f"{name} must not contain '</' (it is inlined into the page)")
    return Markup(text)


def _csp_hash(text: str) -> Markup:
    """A CSP source allowing exactly this inline block: anything injected stays inert."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return Markup(f"'sha256-{digest}'")


def render_html(document: dict[str, Any]) -> str:
    template = _env.get_template("report.html.j2")
    view = build_view(document)
    css, js = _asset("report.css"), _asset("report.js")
    return template.render(
        **view,
        data=script_json(view["details"]),
        css=css,
        js=js,
        style_hash=_csp_hash(css),
        script_hash=_csp_hash(js),
    )
