"""The verdict of one (scenario, engine) item on its own, for the pytest front door.

pytest runs each engine as its own item, possibly on another worker, so an item
can only judge what its engine did: its expectations, and the known divergences
declared for it that can be seen without the other engine (on an expectation
key, or with an `observed` value). Cross-engine differences are judged by
`compare.verdict` once every item has run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.model.scenario import KnownDivergence, Scenario
from harness.verdict.compare import (
    Check,
    EngineOutcome,
    equal_normalized,
    explains,
)
from harness.verdict.enums import ItemKind, Status


@dataclass
class ItemVerdict:
    kind: ItemKind
    unexplained: list[Check] = field(default_factory=list)
    reproduced: list[KnownDivergence] = field(default_factory=list)
    reason: str = ""


def decidable_divergences(
    scenario: Scenario, engine: str, version: str | None = None
) -> list[KnownDivergence]:
    """Known divergences of `engine` (at `version`) that its item can confirm without
    the other engines."""
    return [
        kd
        for kd in scenario.known_divergences
        if kd.applies_to(engine, version) and (kd.key in scenario.expect or kd.observed is not None)
    ]


def judge(
    scenario: Scenario, engine: str, outcome: EngineOutcome, version: str | None = None
) -> ItemVerdict:
    if outcome.status == Status.UNSUPPORTED:
        return ItemVerdict(ItemKind.SKIPPED, reason=f"unsupported on {engine}: {outcome.error}")
    if outcome.status == Status.ERROR:
        return ItemVerdict(ItemKind.BROKEN, reason=outcome.error or "error")
    declared = decidable_divergences(scenario, engine, version)
    failed = [c for c in outcome.checks if not c.ok]
    unexplained = [
        c
        for c in failed
        if not any(explains(kd, engine, c.key, outcome, version) for kd in declared)
    ]
    failed_keys = {c.key for c in failed}
    reproduced = [kd for kd in declared if _reproduces(kd, outcome, failed_keys)]
    if unexplained:
        return ItemVerdict(ItemKind.FAILED, unexplained, reproduced)
    if reproduced:
        return ItemVerdict(ItemKind.KNOWN, [], reproduced)
    return ItemVerdict(ItemKind.PASSED)


def _reproduces(kd: KnownDivergence, outcome: EngineOutcome, failed_keys: set[str]) -> bool:
    """With `observed`, the engine still shows that value (even where a loose matcher
    passes: the divergence is then a difference between engines); without it, the
    declared expectation still fails."""
    if kd.observed is not None:
        return equal_normalized(kd.observed, outcome.observations.get(kd.key))
    return kd.key in failed_keys
