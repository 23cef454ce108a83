"""Findings: a rule's hit at a position, with the severity after measurement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.lint.registry import RANK, Rule


@dataclass
class Measurement:
    """What results.json files say about a finding's evidence on the user's engines."""

    status: str  # reproduced | not-reproduced | not-applicable | unmeasured
    note: str = ""
    engines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Finding:
    rule: Rule
    path: str
    line: int
    column: int
    message: str
    severity: str
    measurement: Measurement | None = None

    def at_least(self, threshold: str) -> bool:
        return RANK[self.severity] >= RANK[threshold]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule.id)

    def text(self) -> str:
        note = f" ({self.measurement.note})" if self.measurement and self.measurement.note else ""
        return (
            f"{self.path}:{self.line}:{self.column}: {self.rule.id} [{self.severity}] "
            f"{self.message}{note}"
        )
