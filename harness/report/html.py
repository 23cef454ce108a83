"""report.html: one self-contained page (inline CSS, no external fetches),
rendered with Jinja2 autoescaping so container output can never run as markup."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_env = Environment(
    loader=PackageLoader("harness", "report/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False, default=repr)


def render_html(document: dict[str, Any]) -> str:
    template = _env.get_template("report.html.j2")
    engines = [e["name"] for e in document["engines"]]
    return template.render(doc=document, engines=engines)
