"""Render results.json into the human and CI formats. Reports read only the
results document, never engines or scenario files, so a merged document from
several CI legs renders exactly like a single run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.markdown import render_markdown
from harness.results.document import write_atomic, write_results

OUTPUTS = ("results.json", "report.html", "junit.xml", "summary.md")


def write_reports(document: dict[str, Any], out: Path) -> list[Path]:
    """Write results.json and every rendered report into `out`; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    write_results(out / "results.json", document)
    write_atomic(out / "report.html", render_html(document))
    write_atomic(out / "junit.xml", render_junit(document))
    write_atomic(out / "summary.md", render_markdown(document))
    return [out / name for name in OUTPUTS]


__all__ = ["OUTPUTS", "render_html", "render_junit", "render_markdown", "write_reports"]
