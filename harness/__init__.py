"""harness: run the same declarative container scenarios on Docker and Podman,
compare what each engine did, and report what is portable.

The package face is lazy (PEP 562): `import harness.engines.base`, all a
third-party adapter needs, loads the engine contract and nothing else; the
names below import their module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "ContainerSpec": "harness.engines.base",
    "Engine": "harness.engines.base",
    "EngineInfo": "harness.engines.base",
    "available_adapters": "harness.engines",
    "create_engine": "harness.engines",
    "EngineError": "harness.errors",
    "EngineUnavailable": "harness.errors",
    "HarnessError": "harness.errors",
    "ImageMissing": "harness.errors",
    "ScenarioError": "harness.errors",
    "ScenarioErrors": "harness.errors",
    "StepTimeout": "harness.errors",
    "LoadedScenario": "harness.model.loader",
    "load_all": "harness.model.loader",
    "load_scenario": "harness.model.loader",
    "Scenario": "harness.model.scenario",
    "RunResult": "harness.run.runner",
    "ScenarioResult": "harness.run.runner",
    "run_scenarios": "harness.run.runner",
    "EngineOutcome": "harness.verdict.compare",
    "verdict": "harness.verdict.compare",
    "Verdict": "harness.verdict.enums",
    "Status": "harness.verdict.enums",
}

__all__ = [
    "ContainerSpec",
    "Engine",
    "EngineError",
    "EngineInfo",
    "EngineOutcome",
    "EngineUnavailable",
    "HarnessError",
    "ImageMissing",
    "LoadedScenario",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "ScenarioResult",
    "Status",
    "StepTimeout",
    "Verdict",
    "available_adapters",
    "create_engine",
    "load_all",
    "load_scenario",
    "run_scenarios",
    "verdict",
]

if TYPE_CHECKING:  # for type checkers and editors only; nothing is imported at run time
    from harness.engines import available_adapters, create_engine
    from harness.engines.base import ContainerSpec, Engine, EngineInfo
    from harness.errors import (
        EngineError,
        EngineUnavailable,
        HarnessError,
        ImageMissing,
        ScenarioError,
        ScenarioErrors,
        StepTimeout,
    )
    from harness.model.loader import LoadedScenario, load_all, load_scenario
    from harness.model.scenario import Scenario
    from harness.run.runner import RunResult, ScenarioResult, run_scenarios
    from harness.verdict.compare import EngineOutcome, verdict
    from harness.verdict.enums import Status, Verdict


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
