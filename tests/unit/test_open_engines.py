"""Opening a run's engines (fingerprint, base image, stale sweep) happens on all of
them at once: each waits on its own daemon, so six surfaces must not cost the sum."""

from __future__ import annotations

import threading

from harness.engines.base import EngineInfo
from harness.run.runner import open_engines


class MeetingEngine:
    """Unavailable, but its fingerprint only returns once every engine is being
    fingerprinted at the same time (a barrier): one by one, the first never would."""

    def __init__(self, name: str, barrier: threading.Barrier) -> None:
        self.name = name
        self._barrier = barrier

    def info(self) -> EngineInfo:
        try:
            self._barrier.wait(timeout=10)
            met = ""
        except threading.BrokenBarrierError:
            met = "opened alone"
        return EngineInfo(name=self.name, available=False, error=met or "down on purpose")


def test_engines_are_fingerprinted_concurrently() -> None:
    barrier = threading.Barrier(3)
    engines = [MeetingEngine(n, barrier) for n in ("a", "b", "c")]
    slots = open_engines(engines, "run-1")  # type: ignore[arg-type]
    assert list(slots) == ["a", "b", "c"]
    assert [s.info.error for s in slots.values()] == ["down on purpose"] * 3
