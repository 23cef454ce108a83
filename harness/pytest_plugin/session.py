"""State of one pytest session of scenarios, on each process and on the controller.

Every process (the only one, or each xdist worker) holds a `HarnessSession`:
the run id (the controller's, passed to workers through `workerinput`), the
engines it opened lazily, and the outcomes it produced. The controller alone
holds a `Collector`, fed by every item's report, that turns the outcomes into
the run's verdicts and results.json with the same functions `harness run` uses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from harness.engines import create_engine
from harness.engines.base import EngineInfo
from harness.model.loader import LoadedScenario, load_scenario
from harness.model.security import Policy
from harness.results.codec import outcome_from_wire
from harness.results.document import to_document
from harness.run.runner import EngineSlot, RunResult, assemble, open_engines, run_item
from harness.verdict.compare import EngineOutcome
from harness.verdict.enums import Verdict

OUTCOME_PROPERTY = "harness.outcome"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class HarnessSession:
    run_id: str
    engine_names: list[str]
    urls: dict[str, str]
    policy: Policy = field(default_factory=Policy)
    worker: str = field(default_factory=lambda: os.environ.get("PYTEST_XDIST_WORKER", "main"))
    _slots: dict[str, EngineSlot] = field(default_factory=dict)
    _outcomes: dict[tuple[str, str], EngineOutcome] = field(default_factory=dict)
    _markers: set[str] = field(default_factory=set)

    def slot(self, name: str) -> EngineSlot:
        """The engine, opened (fingerprinted, base image built) on first use in this process."""
        if name not in self._slots:
            engine = create_engine(name, self.urls.get(name))
            self._slots[name] = open_engines([engine], self.run_id)[name]
        return self._slots[name]

    def run(self, loaded: LoadedScenario, engine: str) -> EngineOutcome:
        return run_item(loaded, self.slot(engine))

    def remember(self, scenario_id: str, engine: str, outcome: EngineOutcome) -> None:
        self._outcomes[(scenario_id, engine)] = outcome

    def others(self, scenario_id: str, engine: str) -> dict[str, EngineOutcome]:
        """Outcomes of the same scenario on other engines, if this process ran them."""
        return {e: o for (s, e), o in self._outcomes.items() if s == scenario_id and e != engine}

    def engine_payload(self, name: str) -> dict[str, Any]:
        slot = self._slots[name]
        stats = slot.cache.stats
        return {
            "worker": self.worker,
            "info": slot.info.to_json(),
            "stats": {
                "builds": stats.builds,
                "reused": stats.reused,
                "seconds": stats.seconds,
                "phase_seconds": stats.phase_seconds,
            },
        }

    def register_marker(self, config: pytest.Config, name: str, help_text: str) -> None:
        if name not in self._markers:
            self._markers.add(name)
            config.addinivalue_line("markers", f"{name}: {help_text}")

    def close(self) -> None:
        for slot in self._slots.values():
            slot.engine.close()
        self._slots.clear()


def _info(data: dict[str, Any]) -> EngineInfo:
    fields = {k: v for k, v in data.items() if k in EngineInfo.__dataclass_fields__}
    fields["build_formats"] = tuple(fields.get("build_formats", ()))
    return EngineInfo(**fields)


@dataclass
class Collector:
    """The controller's view of the run: every item's outcome, whichever worker ran it."""

    run_id: str
    engine_names: list[str]
    started: str = field(default_factory=_now)
    outcomes: dict[tuple[str, str], EngineOutcome] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    stats: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    failed_items: set[tuple[str, str]] = field(default_factory=set)
    policy: Policy = field(default_factory=Policy)

    def record(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name != OUTCOME_PROPERTY or not isinstance(value, dict):
                continue
            payload: dict[str, Any] = value
            key = (payload["scenario"], payload["engine"])
            self.outcomes[key] = outcome_from_wire(payload["outcome"])
            self.files[payload["scenario"]] = payload["file"]
            engine = payload.get("engine_state")
            if engine:
                self.infos[payload["engine"]] = engine["info"]
                self.stats[(engine["worker"], payload["engine"])] = engine["stats"]
            if report.failed:
                self.failed_items.add(key)

    def result(self, incomplete: bool) -> RunResult:
        cache: dict[str, LoadedScenario] = {}
        for path in sorted(set(self.files.values())):
            cache[path] = load_scenario(Path(path), self.policy)
        scenarios = list(cache.values())
        names = [n for n in self.engine_names if n in self.infos]
        totals: dict[str, dict[str, float]] = {}
        for (_, engine), stats in self.stats.items():
            total = totals.setdefault(engine, {})
            for k, v in stats.items():
                total[k] = round(total.get(k, 0) + v, 3)
        infos = [_info(self.infos[n]) for n in names if n in self.infos]
        return RunResult(
            self.run_id,
            self.started,
            _now(),
            infos,
            assemble(
                scenarios, names, self.outcomes, {n: str(self.infos[n]["version"]) for n in names}
            ),
            incomplete,
            totals,
        )

    def document(self, incomplete: bool) -> dict[str, Any]:
        return to_document(self.result(incomplete))

    def unshown_divergences(self, document: dict[str, Any]) -> list[str]:
        """Divergent scenarios whose items all passed: the difference is only across engines."""
        return [
            s["id"]
            for s in document["scenarios"]
            if s["verdict"] == Verdict.DIVERGENT
            and not any((s["id"], e) in self.failed_items for e in s["engines"])
        ]


SESSION = pytest.StashKey[HarnessSession]()
COLLECTOR = pytest.StashKey[Collector]()
