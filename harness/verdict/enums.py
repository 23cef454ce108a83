"""Verdicts and statuses (a contract: results.json spells them so, and its schema is
tested against these enums). Everything else names them through these members.

Verdicts, per scenario across the engines that ran it:
  portable          every expectation holds everywhere and compared observations agree
  divergent         engines disagree and no known divergence explains it
  known-divergence  every disagreement is declared in the scenario
  failing           the same expectations fail on every engine, with the same values
  error             an engine or the harness could not run it
  unsupported       fewer than two engines could run it (probed, not assumed)
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    PORTABLE = "portable"
    DIVERGENT = "divergent"
    KNOWN = "known-divergence"
    FAILING = "failing"
    ERROR = "error"
    UNSUPPORTED = "unsupported"


class Status(StrEnum):
    """One engine's result for one scenario."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    UNSUPPORTED = "unsupported"


class ItemKind(StrEnum):
    """How one (scenario, engine) pytest item ends."""

    PASSED = "passed"
    FAILED = "failed"
    KNOWN = "known"
    SKIPPED = "skipped"
    BROKEN = "error"


# Merging CI legs keeps the worst verdict of a scenario.
WORST_FIRST = (
    Verdict.ERROR,
    Verdict.DIVERGENT,
    Verdict.FAILING,
    Verdict.UNSUPPORTED,
    Verdict.KNOWN,
    Verdict.PORTABLE,
)
# Reports list what needs a reader's attention first.
ATTENTION_ORDER = (
    Verdict.DIVERGENT,
    Verdict.FAILING,
    Verdict.ERROR,
    Verdict.KNOWN,
    Verdict.UNSUPPORTED,
    Verdict.PORTABLE,
)
