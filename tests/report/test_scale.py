"""The report stays usable at 500 scenarios x 4 engines: a bounded file size,
and a page that loads and opens a drill-down quickly in headless Chromium."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from harness.report.html import render_html
from harness.report.synthetic import synthetic_document

MAX_BYTES = 6_000_000
MAX_LOAD_S = 3.0


@pytest.fixture(scope="module")
def big_html() -> str:
    return render_html(synthetic_document(scenarios=500))


def test_size_at_500_by_4(big_html: str) -> None:
    size = len(big_html.encode("utf-8"))
    print(f"report.html at 500x4: {size / 1e6:.2f} MB")
    assert size < MAX_BYTES


@pytest.mark.browser
def test_load_time_at_500_by_4(browser: Any, tmp_path: Path, big_html: str) -> None:
    page = tmp_path / "report.html"
    page.write_text(big_html, encoding="utf-8")
    started = time.monotonic()
    browser.get(page.as_uri())
    wall = time.monotonic() - started
    ready_ms = browser.execute_script("return window.harnessReady")
    load_ms = browser.execute_script(
        "var t = performance.timing; return t.loadEventEnd - t.navigationStart"
    )
    rows = browser.execute_script("return document.querySelectorAll('#matrix tr.row').length")
    opened = browser.execute_script(
        "var t0 = performance.now(); document.querySelector('#matrix tr.row').click();"
        "return performance.now() - t0"
    )
    print(
        f"load {load_ms} ms, script ready at {ready_ms:.0f} ms, wall {wall:.2f} s, "
        f"drill-down {opened:.1f} ms"
    )
    assert rows == 500
    assert wall < MAX_LOAD_S
    assert opened < 200
