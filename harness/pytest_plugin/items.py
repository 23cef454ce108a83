"""pytest collection of scenario files: one File per scenario, one Item per engine.

Follows pytest's "non-python tests" layout. An item runs its scenario through
`runner.run_item` (the very code `harness run` uses), hands its outcome to the
controller through `report.user_properties`, and passes or fails on what its
own engine did (`item_verdict.judge`). A failure names the YAML line of each
failed expectation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import ExceptionInfo, TerminalRepr

from harness.errors import ScenarioErrors
from harness.model.loader import LoadedScenario, load_scenario
from harness.model.redact import scenario_secrets
from harness.pytest_plugin.session import OUTCOME_PROPERTY, SESSION
from harness.results.codec import outcome_from_wire, outcome_to_wire
from harness.results.redaction import TextMask, text_redactor
from harness.verdict.compare import EngineOutcome
from harness.verdict.enums import ItemKind, Status
from harness.verdict.item import decidable_divergences, judge

# A YAML file is a scenario when it says so at the top level: `schema: 1` and an `id:`.
_SCHEMA_LINE = re.compile(r"^schema:\s*1\s*(#.*)?$", re.M)
_ID_LINE = re.compile(r"^id:\s*\S", re.M)


def looks_like_scenario(path: Path) -> bool:
    """Cheap sniff, so YAML that is not a scenario (CI files, test data) is never collected."""
    if path.suffix not in (".yaml", ".yml") or "contexts" in path.parts:
        return False
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(_SCHEMA_LINE.search(text) and _ID_LINE.search(text))


def _shown_path(path: Path, config: pytest.Config) -> Path:
    """Relative to where pytest was started, as `harness run` shows the paths it was given."""
    try:
        return path.relative_to(config.invocation_params.dir)
    except ValueError:
        return path


class ScenarioFailure(Exception):
    """Expectations failed on this engine that no known divergence explains."""


class KnownDivergenceSeen(Exception):
    """A declared divergence reproduced: the strict xfail this item carries."""


class ScenarioBroken(Exception):
    """The engine or the harness could not run the scenario (verdict `error`)."""


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        state = self.config.stash[SESSION]
        loaded = load_scenario(_shown_path(self.path, self.config), state.policy)
        area = loaded.scenario.area
        state.register_marker(self.config, area, f"scenarios of area {area!r}")
        for engine in state.engine_names:
            item = ScenarioItem.from_parent(
                self, name=f"{loaded.scenario.id}[{engine}]", loaded=loaded, engine=engine
            )
            item.add_marker("harness")
            item.add_marker(area)
            item.add_marker(engine)
            yield item

    def repr_failure(  # type: ignore[override]
        self, excinfo: ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioErrors):
            return "\n".join(str(e.args[0]) for e in excinfo.value.errors)
        return super().repr_failure(excinfo)


class ScenarioItem(pytest.Item):
    def __init__(self, *, loaded: LoadedScenario, engine: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.engine = engine
        # What this item prints or hands to pytest (failures, skip reasons, the outcome
        # in user_properties, which --junitxml writes out) is masked like results.json.
        self.mask: TextMask = text_redactor(
            scenario_secrets(loaded.scenario, loaded.directory), [loaded.scenario.id, engine]
        )

    def setup(self) -> None:
        slot = self.config.stash[SESSION].slot(self.engine)
        if not slot.info.available:
            # Recorded as an `error` outcome in results.json, like `harness run` does.
            self._publish(
                EngineOutcome(status=Status.ERROR, error=f"engine unavailable: {slot.info.error}")
            )
            pytest.skip(self.mask(f"engine {self.engine} unavailable: {slot.info.error}"))
        # Known divergences are scoped by the engine's version, known only now: pytest's
        # skipping plugin reads an xfail mark added here when the test is called.
        declared = decidable_divergences(self.loaded.scenario, self.engine, slot.info.version)
        if declared:
            self.add_marker(
                pytest.mark.xfail(
                    # A race the engine loses only sometimes may pass: not strict.
                    strict=not all(kd.intermittent for kd in declared),
                    raises=KnownDivergenceSeen,
                    reason="known divergence: " + "; ".join(kd.key for kd in declared),
                )
            )

    def runtest(self) -> None:
        state = self.config.stash[SESSION]
        # Judge the outcome as it travels to the controller, so both agree exactly.
        outcome = outcome_from_wire(self._publish(state.run(self.loaded, self.engine)))
        version = state.slot(self.engine).info.version
        found = judge(self.loaded.scenario, self.engine, outcome, version)
        if found.kind == ItemKind.SKIPPED:
            pytest.skip(self.mask(found.reason))
        if found.kind == ItemKind.BROKEN:
            raise ScenarioBroken(found.reason)
        if found.kind == ItemKind.FAILED:
            raise ScenarioFailure(self._describe(found.unexplained))
        if found.kind == ItemKind.KNOWN:
            raise KnownDivergenceSeen("; ".join(f"{kd.key}: {kd.why}" for kd in found.reproduced))

    def _publish(self, outcome: EngineOutcome) -> dict[str, Any]:
        state = self.config.stash[SESSION]
        wire = outcome_to_wire(outcome)
        payload = {
            "file": str(self.loaded.path),
            "scenario": self.loaded.scenario.id,
            "engine": self.engine,
            "outcome": self.mask.data(wire),
            "engine_state": state.engine_payload(self.engine),
        }
        self.user_properties.append((OUTCOME_PROPERTY, payload))
        state.remember(self.loaded.scenario.id, self.engine, outcome)
        return wire

    def _describe(self, failed: list[Any]) -> str:
        state = self.config.stash[SESSION]
        others = state.others(self.loaded.scenario.id, self.engine)
        lines = []
        file = str(self.loaded.path)
        for check in failed:
            where = self.loaded.positions.locate(file, ("expect", check.key), key=True)
            lines.append(f"{where.file}:{where.line}: expectation {check.key} on {self.engine}")
            lines.append(f"    expected: {check.expected!r}")
            lines.append(f"    actual:   {check.actual!r}")
            for name, outcome in others.items():
                lines.append(
                    f"    {name}:{' ' * max(1, 8 - len(name))}"
                    f"{outcome.observations.get(check.key)!r}"
                )
        return "\n".join(lines)

    def repr_failure(  # type: ignore[override]
        self, excinfo: ExceptionInfo[BaseException]
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, (ScenarioFailure, ScenarioBroken, KnownDivergenceSeen)):
            broken = isinstance(excinfo.value, ScenarioBroken)
            kind = "could not run" if broken else ItemKind.FAILED
            head = f"{self.loaded.scenario.id} {kind} on {self.engine}"
            return self.mask(f"{head}\n{excinfo.value}")
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.loaded.line_of("id") - 1, f"scenario {self.name}"
