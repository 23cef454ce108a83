"""harness: run the same declarative container scenarios on Docker and Podman,
compare what each engine did, and report what is portable."""

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
from harness.verdict.compare import EngineOutcome, Verdict, verdict

__version__ = "0.1.0"

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
    "StepTimeout",
    "Verdict",
    "available_adapters",
    "create_engine",
    "load_all",
    "load_scenario",
    "run_scenarios",
    "verdict",
]
