"""The "your project" view: what differs, where, what to do; put first in report.html
and summary.md. Rendered here, from the `check` section only, so the shared report
templates stay untouched (the rest of each report is the ordinary run report)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from harness.report import write_reports
from harness.results.document import write_atomic
from harness.verdict.enums import Status

MARK = "<body>"


def _where(diff: dict[str, Any]) -> str:
    loc = diff.get("location")
    return f"{loc['file']}:{loc['line']}" if loc else ""


def _values(values: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in values.items())


def _cause(diff: dict[str, Any]) -> str:
    fix = f"Fix: {diff['fix']}" if diff["fix"] else ""
    return " ".join(x for x in (diff["cause"], fix) if x)


def markdown(check: dict[str, Any]) -> str:
    lines = [f"# Your project: {check['project']}", ""]
    for a in check["artifacts"]:
        lines.append(f"- **{a['id']}** ({a['dockerfile']}): {a['verdict']}")
        for name, e in a["engines"].items():
            if e["status"] != Status.PASS:
                fix = f" Fix: {e['fix']}" if e["fix"] else ""
                reason = e["reason"].splitlines()[0] if e["reason"] else ""
                lines.append(f"  - {name}: {e['status']} {reason}{fix}")
    lines += [
        "",
        "| where | what differs | values | cause / fix | evidence |",
        "|---|---|---|---|---|",
    ]
    for d in check["differences"]:
        cell = _cause(d)
        values = _values(d["values"]).replace("|", "\\|")[:300]
        lines.append(
            f"| {_where(d)} | {d['artifact']}: `{d['key']}` | {values} | {cell} "
            f"| {', '.join(d['scenarios'])} |"
        )
    for c in check.get("compose") or []:
        lines.append(f"\n**compose {c['file']}**: {_values(c.get('summary', {}))}")
    lines += ["", "Lint findings for the same files:", ""]
    lines += [f"- {f['path']}:{f['line']}: {f['rule']} {f['message']}" for f in check["lint"]]
    return "\n".join(lines) + "\n\n"


def html(check: dict[str, Any]) -> str:
    rows = "".join(
        "<tr><td>{}</td><td>{}: <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            escape(_where(d)),
            escape(d["artifact"]),
            escape(d["key"]),
            escape(_values(d["values"])[:600]),
            escape(_cause(d)),
            escape(", ".join(d["scenarios"])),
        )
        for d in check["differences"]
    )
    lint = "".join(
        f"<li>{escape(f['path'])}:{f['line']}: {escape(f['rule'])} {escape(f['message'])}</li>"
        for f in check["lint"]
    )
    verdicts = "".join(
        f"<li><b>{escape(a['id'])}</b>: {escape(str(a['verdict']))}</li>"
        for a in check["artifacts"]
    )
    return (
        f'<section id="your-project"><h1>Your project: {escape(check["project"])}</h1>'
        f"<ul>{verdicts}</ul><table><tr><th>where</th><th>what differs</th><th>values</th>"
        f"<th>cause / fix</th><th>evidence (scenarios)</th></tr>{rows}</table>"
        f"<h2>Lint findings for the same files</h2><ul>{lint}</ul></section>"
    )


def write_check_reports(document: dict[str, Any], out: Path) -> list[Path]:
    """The run reports, with the project view put first in report.html and summary.md."""
    paths = write_reports(document, out)
    check = document["check"]
    page = (out / "report.html").read_text()
    at = page.find(MARK)
    at = at + len(MARK) if at >= 0 else 0
    write_atomic(out / "report.html", page[:at] + html(check) + page[at:])
    summary = (out / "summary.md").read_text()
    write_atomic(out / "summary.md", markdown(check) + summary)
    return paths
