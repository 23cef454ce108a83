"""The state one scenario's steps share on one engine, and typed per-family state.

Core fields are what most families use (containers, names, volumes, networks,
images, observations). A family that needs state of its own (the compose
project, the registry namespace) keeps it under a `StateKey`, as pytest plugins
keep theirs in a `Stash`: the context never names a family.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from harness.engines._util import text
from harness.engines.base import Engine, Unsupported, Vanished, captured_logs
from harness.errors import EngineError
from harness.labels import resource_name
from harness.model.loader import PLACEHOLDER, LoadedScenario
from harness.verdict.observe import container_facts, container_raw

T = TypeVar("T")


def refusal(exc: EngineError) -> str:
    """The engine's refusal as a step's `error` observation, except a resource that
    vanished under the step (another process removed it): that is no finding about
    the engine, and propagates to make the outcome an `error`; and an operation the
    surface cannot do at all (the adapter's `Unsupported`, e.g. a host bind on a
    version surface or the host's registry), which propagates to make its column
    `unsupported` rather than a failed expectation or an `error` of the next step."""
    if isinstance(exc, (Vanished, Unsupported)):
        raise exc
    return str(exc)


class StateKey(Generic[T]):
    """A typed slot for one family's state on a `StepContext`, made on first use."""

    def __init__(self, name: str, factory: Callable[[], T]) -> None:
        self.name = name
        self.factory = factory

    def __repr__(self) -> str:
        return f"StateKey({self.name!r})"


@dataclass
class StepContext:
    """State shared by the steps of one scenario on one engine."""

    engine: Engine
    loaded: LoadedScenario
    run_id: str
    labels: dict[str, str]
    images: dict[str, str]
    containers: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    volumes: dict[str, str] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)
    observations: dict[str, Any] = field(default_factory=dict)
    # The raw value beside an observation whose reading changed it (observe.container_raw).
    raw: dict[str, Any] = field(default_factory=dict)
    inspects: dict[str, dict[str, Any]] = field(default_factory=dict)
    tmp: Path | None = None
    anonymous: set[str] = field(default_factory=set)
    cancel: threading.Event = field(default_factory=threading.Event)  # set on SIGINT/SIGTERM
    deadline: float | None = None  # time.monotonic() by which the scenario must be done
    current_step: str = ""  # the step running now, for a deadline that passes during it
    _state: dict[StateKey[Any], Any] = field(default_factory=dict)

    def state(self, key: StateKey[T]) -> T:
        """The family state stored under `key`, created by its factory on first use."""
        if key not in self._state:
            self._state[key] = key.factory()
        return cast(T, self._state[key])

    def has_state(self, key: StateKey[Any]) -> bool:
        return key in self._state

    def past_deadline(self) -> bool:
        """Whether the scenario's own `timeout` has passed."""
        return self.deadline is not None and time.monotonic() > self.deadline

    def stopping(self) -> bool:
        """Whether waits should give up now: the run is interrupted or the scenario's
        own `timeout` has passed."""
        return self.cancel.is_set() or self.past_deadline()

    def expand(self, value: str) -> str:
        """Fill `{{ tmp }}`, `{{ volumes.NAME }}`, `{{ networks.NAME }}` and
        `{{ containers.STEP }}` (checked at load)."""

        def one(match: re.Match[str]) -> str:
            var = match.group(1)
            if var == "tmp":
                if self.tmp is None:
                    raise EngineError("no temporary directory for {{ tmp }}")
                return str(self.tmp)
            table, _, name = var.partition(".")
            mapping = {
                "volumes": self.volumes,
                "networks": self.networks,
                "containers": self.names,
            }.get(table, {})
            if name not in mapping:
                raise EngineError(f"unknown placeholder {{{{ {var} }}}}")
            return mapping[name]

        return PLACEHOLDER.sub(one, value)

    def container(self, step: str) -> str:
        """The id of the container an earlier `run` step created."""
        if step not in self.containers:
            raise EngineError(f"step {step!r} created no container")
        return self.containers[step]

    def remember(self, step: str, inspect: dict[str, Any]) -> None:
        """Keep an inspect document for `STEP.inspect.*` and note anonymous volumes."""
        self.inspects[step] = inspect
        named = set(self.volumes.values())
        for mount in inspect.get("Mounts") or []:
            name = mount.get("Name")
            if mount.get("Type") == "volume" and name and name not in named:
                self.anonymous.add(str(name))

    def record(self, step: str, **values: Any) -> None:
        for key, value in values.items():
            self.observations[f"{step}.{key}"] = value

    def name_for(self, step: str) -> str:
        name = resource_name(self.run_id, self.loaded.scenario.id, self.engine.name, step)
        self.names[step] = name
        return name

    def capture(self, step: str, container_id: str) -> None:
        """Record a container's output and state as the step's observations."""
        try:
            logs = captured_logs(self.engine, container_id)
            self.record(step, stdout=text(logs.stdout), stderr=text(logs.stderr))
            if logs.truncated:  # the cut is marked in the text; the sizes say how much
                self.record(
                    step, output_bytes={"stdout": logs.stdout_size, "stderr": logs.stderr_size}
                )
        except EngineError as exc:
            self.record(step, logs_error=refusal(exc))
        try:
            inspect = self.engine.inspect_container(container_id)
        except EngineError as exc:
            self.record(step, inspect_error=refusal(exc))
            return
        self.remember(step, inspect)
        facts = container_facts(inspect)
        self.record(step, **facts)
        for key, value in container_raw(inspect).items():
            if value != facts.get(key):
                self.raw[f"{step}.{key}"] = value
