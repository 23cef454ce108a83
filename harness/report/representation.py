"""Representation differences in the reports: what a parser of the engines' output
sees (same fact, other spelling or shape; or a recorded key no verdict judges),
counted and listed at their own level, apart from the behaviour verdicts."""

from __future__ import annotations

from typing import Any

MAX_ROWS = 200
MAX_VALUE = 120


def summary(document: dict[str, Any]) -> dict[str, Any]:
    """Totals and rows (scenario, key, kind, values) for the HTML and Markdown reports."""
    rows = [
        {"id": s["id"], "key": d["key"], "kind": d["kind"], "values": d["values"]}
        for s in document["scenarios"]
        for d in s.get("representation", [])
    ]
    return {
        "total": len(rows),
        "spelling": sum(1 for r in rows if r["kind"] == "spelling"),
        "value": sum(1 for r in rows if r["kind"] == "value"),
        "scenarios": len({r["id"] for r in rows}),
        "rows": rows[:MAX_ROWS],
        "more": max(0, len(rows) - MAX_ROWS),
    }


def _short(value: Any) -> str:
    text = repr(value).replace("|", "\\|").replace("\n", " ").replace("`", "'")
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def markdown_lines(document: dict[str, Any]) -> list[str]:
    """The summary.md section (empty when there is nothing to show)."""
    found = summary(document)
    if not found["total"]:
        return []
    lines = [
        "",
        "## Representation differences (verdicts unchanged)",
        "",
        f"{found['spelling']} same fact spelled differently, {found['value']} recorded values "
        f"no expectation judges, in {found['scenarios']} scenarios.",
        "",
        "| scenario | key | kind | values |",
        "|---|---|---|---|",
    ]
    for r in found["rows"]:
        values = "; ".join(f"{e}={_short(v)}" for e, v in r["values"].items())
        lines.append(f"| `{r['id']}` | `{r['key']}` | {r['kind']} | {values} |")
    if found["more"]:
        lines.append(f"\n… and {found['more']} more: see results.json.")
    return lines
