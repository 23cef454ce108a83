"""summary.md: counts and the scenarios that need a reader's attention, for CI
job summaries (GitHub renders it as-is; it stays well under its 1 MiB limit)."""

from __future__ import annotations

from typing import Any

from harness.report import drift, representation
from harness.report.capabilities import markdown_lines as capability_lines
from harness.report.escape import md_code, md_text
from harness.report.verdicts import STATUS_SYMBOLS, VERDICT_ORDER, verdict_text
from harness.verdict.enums import Verdict

MAX_ROWS = 200
MAX_WHY = 400


def _cell(text: Any) -> str:
    """Data in a table cell or list item: escaped, so it renders as the text it is."""
    return md_text(text)


def _engines(document: dict[str, Any]) -> list[str]:
    lines = [
        "| engine | version | API | runtime | cgroup | storage | network | host |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in document["engines"]:
        version = e.get("version") if e["available"] else f"⚠ unavailable: {e.get('error')}"
        cells = (
            e["name"],
            version,
            e.get("api_version", ""),
            e.get("runtime", ""),
            e.get("cgroup_version", ""),
            e.get("storage_driver", ""),
            e.get("network_backend", ""),
            e.get("host", ""),
        )
        lines.append("| " + " | ".join(_cell(x or "") for x in cells) + " |")
    return lines


def _why(s: dict[str, Any]) -> str:
    why = [
        f"{d['key']}: " + ", ".join(f"{k}={v!r}" for k, v in d["values"].items())
        for d in s["differences"]
    ]
    why += [
        f"{kd['engine']} {kd['key']}: {kd.get('why', '')}" for kd in s.get("known_divergences", [])
    ]
    why += [f"{n}: {o['error']}" for n, o in s["engines"].items() if o.get("error")]
    text = "; ".join(why)
    return _cell(text if len(text) <= MAX_WHY else text[:MAX_WHY] + "…")


def _attention(document: dict[str, Any], engines: list[str]) -> list[str]:
    rows = [s for s in document["scenarios"] if s["verdict"] != Verdict.PORTABLE]
    rows.sort(key=lambda s: (VERDICT_ORDER.index(s["verdict"]), s["id"]))
    if not rows:
        return []
    lines = ["", "## Not portable", ""]
    lines.append("| scenario | verdict | " + " | ".join(map(_cell, engines)) + " | why |")
    lines.append("|---|---|" + "---|" * len(engines) + "---|")
    for s in rows[:MAX_ROWS]:
        cells = [
            STATUS_SYMBOLS.get(s["engines"][e]["status"], "?")
            + " "
            + _cell(s["engines"][e]["status"])
            if e in s["engines"]
            else "— not run"
            for e in engines
        ]
        lines.append(
            f"| {md_code(s['id'])} | {_cell(verdict_text(s['verdict']))} | "
            + " | ".join(cells)
            + f" | {_why(s)} |"
        )
    if len(rows) > MAX_ROWS:
        lines.append(f"\n… and {len(rows) - MAX_ROWS} more: see report.html.")
    return lines


def _flags(document: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    stale = [s for s in document["scenarios"] if s.get("stale_divergences")]
    if stale:
        lines += ["", "## ⚠ Stale known divergences (declared, not observed)", ""]
        lines += [
            f"- {md_code(s['id'])}: "
            + ", ".join(
                f"{_cell(kd['engine'])} {md_code(kd['key'])}" for kd in s["stale_divergences"]
            )
            for s in stale[:MAX_ROWS]
        ]
    host = [s for s in document["scenarios"] if s.get("host_access")]
    if host:
        lines += ["", "## ⚠ Host access (allowed by a command-line flag)", ""]
        lines += [
            f"- {md_code(s['id'])}: " + _cell("; ".join(s["host_access"])) for s in host[:MAX_ROWS]
        ]
    leaks = [
        (s["id"], name, o["leftovers"])
        for s in document["scenarios"]
        for name, o in s["engines"].items()
        if o.get("leftovers")
    ]
    leaks += [
        ("(end of run)", name, left) for name, left in document["run"].get("leftovers", {}).items()
    ]
    if leaks:
        lines += ["", "## ⚠ Leftovers found by the leak audit (recorded, then removed)", ""]
        lines += [
            f"- {md_code(sid)} \\[{_cell(name)}\\]: " + _cell(", ".join(left))
            for sid, name, left in leaks[:MAX_ROWS]
        ]
    split = [
        s for s in document["scenarios"] if len({leg["verdict"] for leg in s.get("legs", [])}) > 1
    ]
    if split:
        lines += ["", "## ⚠ Verdict differs between merged runs", ""]
        lines += [
            f"- {md_code(s['id'])}: "
            + _cell(", ".join(f"{leg['run']} {leg['verdict']}" for leg in s["legs"]))
            for s in split[:MAX_ROWS]
        ]
    return lines


def render_markdown(document: dict[str, Any]) -> str:
    engines = [e["name"] for e in document["engines"]]
    counts: dict[str, int] = {}
    for s in document["scenarios"]:
        counts[s["verdict"]] = counts.get(s["verdict"], 0) + 1
    lines = ["# Container portability report", ""]
    lines.append(f"Run {md_code(document['run']['id'])} · {len(document['scenarios'])} scenarios")
    lines += ["", *_engines(document), *capability_lines(document)]
    lines += ["", "| verdict | scenarios |", "|---|---|"]
    lines += [f"| {_cell(verdict_text(v))} | {counts[v]} |" for v in VERDICT_ORDER if counts.get(v)]
    lines += _flags(document)
    lines += drift.markdown_lines(document)
    lines += _attention(document, engines)
    lines += representation.markdown_lines(document)
    return "\n".join(lines) + "\n"
