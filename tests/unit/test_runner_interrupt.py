"""Ctrl-C (or SIGTERM) in a parallel run stops it: queued scenarios are dropped,
not all run before the interrupt is honoured."""

from __future__ import annotations

import time
from pathlib import Path

from harness.engines.base import EngineInfo
from harness.model.loader import load_all
from harness.run.runner import run_scenarios
from harness.verdict.compare import EngineOutcome
from tests import library

ROOT = Path(__file__).resolve().parents[2]


class DownEngine:
    """An engine that is never available: each task is instant and touches nothing."""

    name = "down"

    def info(self) -> EngineInfo:
        return EngineInfo(name=self.name, available=False, error="down on purpose")


def test_interrupt_cancels_queued_work() -> None:
    scenarios = load_all([library.SCENARIOS], library.POLICY)
    seen: list[str] = []

    def progress(scenario_id: str, engine: str, outcome: EngineOutcome) -> None:
        seen.append(scenario_id)
        if len(seen) == 1:
            raise KeyboardInterrupt
        time.sleep(0.05)

    result = run_scenarios(scenarios, [DownEngine()], jobs=2, progress=progress)  # type: ignore[list-item]
    assert result.incomplete
    assert len(seen) < len(scenarios) // 2, (len(seen), len(scenarios))
