"""report.html rendered from synthetic documents: self-contained, escaped, complete."""

from __future__ import annotations

import json
import re
from typing import Any

from harness.report.html import render_html, script_json
from tests.report.synthetic import INJECTION, synthetic_document


def _data(html: str) -> list[dict[str, Any]]:
    match = re.search(
        r'<script type="application/json" id="harness-data">(.*?)</script>', html, re.S
    )
    assert match
    return list(json.loads(match.group(1)))


def test_page_is_self_contained(small_doc: dict[str, Any]) -> None:
    html = render_html(small_doc)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html


def test_injected_markup_never_appears_raw(small_doc: dict[str, Any]) -> None:
    html = render_html(small_doc)
    assert INJECTION not in html
    assert html.count("<script") == 2  # the JSON block and our own script, nothing else
    assert 'onerror="' not in html  # only ever as &#34; in text or \u escapes in JSON
    assert "<img" not in html
    # the JSON block still carries the exact text, for the page to show as text
    detail = _data(html)[[d["id"] for d in _data(html)].index(small_doc["scenarios"][0]["id"])]
    obs = dict((row[0], row[1]) for row in detail["obs"])
    assert obs["s0.stdout"] == INJECTION


def test_script_json_cannot_close_its_element() -> None:
    text = str(script_json({"x": "</script><!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><!-- & \u2028"}


def test_header_cards_counts_and_matrix(small_doc: dict[str, Any]) -> None:
    html = render_html(small_doc)
    assert html.count('<article class="card') == 2
    assert small_doc["run"]["id"] in html
    portable = sum(1 for s in small_doc["scenarios"] if s["verdict"] == "portable")
    assert re.search(rf"<b>{portable}</b> portable", html)
    assert html.count('<tr class="row ') == 30
    assert "✓ portable" in html  # verdicts read without colour
    for area in {s["area"] for s in small_doc["scenarios"]}:
        assert f'data-area="{area}"' in html


def test_observations_store_agreeing_keys_once() -> None:
    doc = synthetic_document(scenarios=3, engines=("docker", "podman"))
    detail = _data(render_html(doc))[0]
    same = [row for row in detail["obs"] if len(row) == 2]
    varies = [row for row in detail["obs"] if len(row) == 3]
    assert same and varies
    assert all(set(row[1]) <= {"docker", "podman"} for row in varies)


def test_stale_divergence_is_flagged() -> None:
    doc = synthetic_document(scenarios=10, engines=("docker", "podman"))
    html = render_html(doc)
    assert "not observed" in html
    assert html.count('class="badge stale" title=') == 1


def test_repro_commands_are_in_the_data(small_doc: dict[str, Any]) -> None:
    detail = _data(render_html(small_doc))[0]
    assert set(detail["repro"]) == {"docker", "podman"}
    assert detail["repro"]["podman"][0].startswith("podman run --rm app echo 'hello world'")
