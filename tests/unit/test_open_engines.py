"""Opening a run's engines (fingerprint, base image, stale sweep) happens on all of
them at once: each waits on its own daemon, so six surfaces must not cost the sum."""

from __future__ import annotations

import threading

from harness.engines.base import EngineInfo
from harness.run.janitor import audit_run
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


class AuditedEngine:
    """Its teardown returns only once every engine is tearing down at the same time;
    one leaves a container behind."""

    def __init__(self, name: str, barrier: threading.Barrier, left: list[str]) -> None:
        self.name = name
        self._barrier = barrier
        self._left = left
        self._met = False

    def remove_labelled(self, labels: dict[str, str]) -> int:
        if not self._met:  # the audit removes again after finding a leftover
            self._barrier.wait(timeout=10)
            self._met = True
        return 0

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        return {"containers": self._left, "volumes": [], "networks": []}


def test_the_run_level_audit_asks_every_engine_at_once() -> None:
    barrier = threading.Barrier(3)
    engines = [AuditedEngine("a", barrier, []), AuditedEngine("b", barrier, ["c1"])]
    engines.append(AuditedEngine("c", barrier, []))
    # One by one, the first teardown's barrier breaks and raises out of the audit.
    assert audit_run(engines, {"run": "r"}) == {"b": ["container:c1"]}  # type: ignore[arg-type]
