"""Symbols and words for verdicts and engine statuses, shared by every report so
a verdict reads the same without colour (screen readers, CI logs, printouts)."""

from __future__ import annotations

from harness.verdict.enums import ATTENTION_ORDER, Status, Verdict

VERDICT_ORDER = tuple(str(v) for v in ATTENTION_ORDER)

VERDICT_SYMBOLS: dict[str, str] = {
    Verdict.PORTABLE: "✓",
    Verdict.KNOWN: "≈",
    Verdict.DIVERGENT: "≠",
    Verdict.FAILING: "✗",
    Verdict.ERROR: "⚠",
    Verdict.UNSUPPORTED: "⊘",
}

VERDICT_LABELS: dict[str, str] = {str(v): str(v) for v in Verdict} | {
    Verdict.KNOWN: "known divergence"
}

ABSENT = "absent"  # an engine column that did not run this scenario (merged reports)
STATUS_SYMBOLS: dict[str, str] = {
    Status.PASS: "✓",
    Status.FAIL: "✗",
    Status.ERROR: "⚠",
    Status.UNSUPPORTED: "⊘",
    ABSENT: "—",
}
STATUS_LABELS: dict[str, str] = {str(s): str(s) for s in Status} | {ABSENT: "not run"}


def verdict_text(verdict: str) -> str:
    """`≠ divergent`: symbol and word, so colour is never the only signal."""
    return f"{VERDICT_SYMBOLS.get(verdict, '?')} {VERDICT_LABELS.get(verdict, verdict)}"
