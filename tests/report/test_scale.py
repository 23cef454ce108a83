"""The report stays usable at 500 scenarios x 4 engines: a bounded file size, and a
page that renders every row and opens a drill-down in headless Chromium.
How fast it does so is a figure for `python -m benchmarks --only report`, not an
assertion here: these machines are too noisy for timed tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.report.html import render_html
from tests.report.synthetic import synthetic_document

MAX_BYTES = 6_000_000


@pytest.fixture(scope="module")
def big_html() -> str:
    return render_html(synthetic_document(scenarios=500))


def test_size_at_500_by_4(big_html: str) -> None:
    size = len(big_html.encode("utf-8"))
    print(f"report.html at 500x4: {size / 1e6:.2f} MB")
    assert size < MAX_BYTES


@pytest.mark.browser
def test_renders_and_opens_at_500_by_4(browser: Any, tmp_path: Path, big_html: str) -> None:
    page = tmp_path / "report.html"
    page.write_text(big_html, encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.execute_script("return window.harnessReady") is not None
    rows = browser.execute_script("return document.querySelectorAll('#matrix tr.row').length")
    assert rows == 500
    assert browser.execute_script("return document.querySelectorAll('tr.detail').length") == 0
    browser.execute_script("document.querySelector('#matrix tr.row').click()")
    detail = browser.execute_script(
        "var d = document.querySelector('#matrix tr.row + tr.detail');"
        "return d ? d.innerText.length : 0"
    )
    assert detail > 0, "clicking a row opened no drill-down"
