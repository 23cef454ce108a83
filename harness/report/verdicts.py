"""Symbols and words for verdicts and engine statuses, shared by every report so
a verdict reads the same without colour (screen readers, CI logs, printouts)."""

from __future__ import annotations

VERDICT_ORDER = ("divergent", "failing", "error", "known-divergence", "unsupported", "portable")

VERDICT_SYMBOLS = {
    "portable": "✓",
    "known-divergence": "≈",
    "divergent": "≠",
    "failing": "✗",
    "error": "⚠",
    "unsupported": "⊘",
}

VERDICT_LABELS = {
    "portable": "portable",
    "known-divergence": "known divergence",
    "divergent": "divergent",
    "failing": "failing",
    "error": "error",
    "unsupported": "unsupported",
}

STATUS_SYMBOLS = {"pass": "✓", "fail": "✗", "error": "⚠", "unsupported": "⊘", "absent": "—"}
STATUS_LABELS = {
    "pass": "pass",
    "fail": "fail",
    "error": "error",
    "unsupported": "unsupported",
    "absent": "not run",
}


def verdict_text(verdict: str) -> str:
    """`≠ divergent`: symbol and word, so colour is never the only signal."""
    return f"{VERDICT_SYMBOLS.get(verdict, '?')} {VERDICT_LABELS.get(verdict, verdict)}"


def status_text(status: str) -> str:
    return f"{STATUS_SYMBOLS.get(status, '?')} {STATUS_LABELS.get(status, status)}"
