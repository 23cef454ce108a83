"""report.html in a real browser: filters work, drill-downs open, and markup in
container output stays text (no script, no onerror handler ever runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.report.html import render_html
from tests.report.synthetic import INJECTION, synthetic_document

pytestmark = pytest.mark.browser


def _open(browser: Any, tmp_path: Path, document: dict[str, Any]) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(document), encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.execute_script("return typeof window.harnessReady") == "number"


def _visible_rows(browser: Any) -> list[Any]:
    return [r for r in browser.find_elements("css selector", "#matrix tr.row") if r.is_displayed()]


def test_verdict_filter_shows_only_that_verdict(
    browser: Any, tmp_path: Path, small_doc: Any
) -> None:
    _open(browser, tmp_path, small_doc)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "f-verdict")).select_by_value("portable")
    rows = _visible_rows(browser)
    expected = sum(1 for s in small_doc["scenarios"] if s["verdict"] == "portable")
    assert len(rows) == expected > 0
    assert all("✓ portable" in r.find_element("css selector", "td.verdict").text for r in rows)
    assert browser.find_element("id", "f-count").text == f"{expected} of 30 scenarios"


def test_engine_filter_hides_other_columns(browser: Any, tmp_path: Path, small_doc: Any) -> None:
    _open(browser, tmp_path, small_doc)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "f-engine")).select_by_value("podman")
    headers = [
        th.text for th in browser.find_elements("css selector", "th.eng") if th.is_displayed()
    ]
    assert headers == ["podman"]


def test_search_and_area_filter(browser: Any, tmp_path: Path, small_doc: Any) -> None:
    _open(browser, tmp_path, small_doc)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "f-area")).select_by_value("env")
    areas = {r.find_element("css selector", "td.area").text for r in _visible_rows(browser)}
    assert areas == {"env"}
    search = browser.find_element("id", "f-text")
    search.send_keys("synthetic-0010")
    browser.implicitly_wait(0)
    browser.execute_script("arguments[0].dispatchEvent(new Event('input'))", search)
    import time

    time.sleep(0.3)
    rows = _visible_rows(browser)
    assert [r.get_attribute("id") for r in rows] == ["s-env.synthetic-0010"]


def test_injected_markup_is_shown_as_text_and_never_runs(
    browser: Any, tmp_path: Path, small_doc: Any
) -> None:
    _open(browser, tmp_path, small_doc)
    target = small_doc["scenarios"][0]["id"]
    row = browser.find_element("id", f"s-{target}")
    assert INJECTION in row.text  # the title, as text
    row.find_element("css selector", "button.open").click()
    detail = browser.find_element("css selector", "tr.detail")
    assert INJECTION in detail.text  # stdout shown verbatim
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_elements("css selector", "#matrix img, tr.detail script") == []


def test_drill_down_shows_repro_commands_and_stale_flag(browser: Any, tmp_path: Path) -> None:
    doc = synthetic_document(scenarios=10, engines=("docker", "podman"))
    stale = doc["scenarios"][5]
    assert stale["stale_divergences"]
    _open(browser, tmp_path, doc)
    row = browser.find_element("id", f"s-{stale['id']}")
    assert "STALE" in row.text
    row.click()
    detail = browser.find_element("css selector", "tr.detail")
    assert "STALE known divergence" in detail.text
    assert "docker run --rm app echo 'hello world'" in detail.text
    assert "podman run --rm app echo 'hello world'" in detail.text
