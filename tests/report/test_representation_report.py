"""Representation differences get their own count and section in summary.md and a
banner in report.html, apart from the verdict counts."""

from __future__ import annotations

from typing import Any

from harness.report import representation


def document() -> dict[str, Any]:
    rows = [
        {"key": "s.stdout", "kind": "spelling", "values": {"docker": "a", "podman": "localhost/a"}},
        {"key": "s.stderr", "kind": "value", "values": {"docker": "No such", "podman": "no such"}},
    ]
    return {"scenarios": [{"id": "t.one", "representation": rows}, {"id": "t.two"}]}


def test_counts_by_kind() -> None:
    found = representation.summary(document())
    assert (found["total"], found["spelling"], found["value"], found["scenarios"]) == (2, 1, 1, 1)


def test_markdown_section_lists_each_difference() -> None:
    lines = representation.markdown_lines(document())
    assert "## Representation differences (verdicts unchanged)" in lines
    assert any("`t.one` | `s.stdout` | spelling" in line for line in lines)
    assert representation.markdown_lines({"scenarios": [{"id": "t"}]}) == []
