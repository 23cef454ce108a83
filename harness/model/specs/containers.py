"""Specs of the container steps: run (create + start through the API), exec, waits,
lifecycle operations, inspect, healthcheck runs and port probes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, model_validator

from harness.model import host_access as access
from harness.model.access import HOST_BIND, PRIVILEGED, Concern, inside
from harness.model.specs.base import (
    PLACEHOLDER,
    ContainerStep,
    LoadContext,
    Model,
    Name,
    Ref,
    RefKind,
    Seconds,
    StepSpec,
    Where,
)
from harness.units import host_memory_bytes, parse_size


class Mount(Model):
    """A volume, bind or tmpfs mount for one container.

    A `volume` source names a scenario volume (or is omitted: an anonymous
    volume). A `bind` source is a path relative to the scenario's directory or
    under `{{ tmp }}`, the per-run temporary directory the runner creates (with
    the scenario's `host_files`) and deletes at teardown; nothing else is allowed.
    """

    type: Literal["volume", "bind", "tmpfs"]
    target: str
    source: str | None = None
    read_only: bool = False
    options: dict[str, str] = {}


class RunSpec(StepSpec, kind="run"):
    """Create and start a container through the engine's API (never `run`, never pull)."""

    image: str | None = None
    image_ref: str | None = None
    same_name_as: Name | None = None
    auto_remove: bool = False
    command: list[str] | None = None
    entrypoint: list[str] | Literal[""] | None = None
    env: dict[str, str] = {}
    user: str | None = None
    workdir: str | None = None
    hostname: str | None = None
    labels: dict[str, str] = {}
    mounts: list[Mount] = []
    network: str | None = None
    aliases: list[str] = []
    ports: dict[str, int] = {}
    memory: Annotated[str, Field(pattern=r"^\d+(\.\d+)?\s*[bkmgtBKMGT]?$")] | None = None
    cpus: Annotated[float, Field(gt=0, le=1024)] | None = None
    pids_limit: Annotated[int, Field(ge=-1, le=4_194_304)] | None = None  # Linux pid_max
    pid_mode: str | None = None
    ipc_mode: str | None = None
    read_only: bool = False
    privileged: bool = False  # refused at load time unless the user allows it
    cap_add: list[str] = []
    cap_drop: list[str] = []
    stop_signal: str | None = None
    stop_timeout: Annotated[int, Field(ge=0, le=600)] | None = None
    restart: str | None = None
    healthcheck: dict[str, Any] | None = None
    detach: bool = False
    timeout: Seconds = 30.0

    @model_validator(mode="after")
    def _one_image(self) -> RunSpec:
        if (self.image is None) == (self.image_ref is None):
            raise ValueError(
                "give exactly one of 'image' (a scenario image) or 'image_ref' "
                "(a reference that must not exist locally; it is never pulled)"
            )
        return self

    def refs(self) -> Iterable[Ref]:
        if self.image is not None:
            yield Ref("image", self.image, ("image",))
        if self.same_name_as is not None:
            yield Ref("container", self.same_name_as, ("same_name_as",))
        for j, m in enumerate(self.mounts):
            if m.type == "volume" and m.source is not None:
                yield Ref("volume", m.source, ("mounts", j, "source"))

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        yield "container", self.name
        if self.detach:
            yield "running", self.name

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        for j, m in enumerate(self.mounts):
            if m.type == "bind" and m.source is None:
                yield ("mounts", j), "a bind mount needs a 'source'"
        host_mem = host_memory_bytes()
        if self.memory and host_mem and parse_size(self.memory) > host_mem:
            yield ("memory",), f"memory {self.memory} is more than this host has ({host_mem} bytes)"

    def host_access(self, base: Path) -> Iterable[Concern]:
        if self.privileged:
            yield Concern(("privileged",), PRIVILEGED, f"privileged container {self.name!r}")
        for j, m in enumerate(self.mounts):
            if m.type == "bind" and m.source is not None and not inside(m.source, base):
                yield Concern(
                    ("mounts", j, "source"),
                    HOST_BIND,
                    f"bind mount of host path {m.source!r} (step {self.name!r})",
                )
            if m.type == "volume":
                for kind, detail in access.volume_options(m.options, "volume mount"):
                    yield Concern(("mounts", j, "options"), kind, f"{detail} (step {self.name!r})")
        yield from self._fields_access()

    def _fields_access(self) -> Iterable[Concern]:
        """Namespaces, network, capabilities, labels and image reference of the spec."""
        modes = {"pid_mode": self.pid_mode, "ipc_mode": self.ipc_mode, "network": self.network}
        for field, mode in modes.items():
            finding = access.namespace(field.removesuffix("_mode"), mode) if mode else None
            if finding:
                yield Concern((field,), finding[0], f"{finding[1]} (step {self.name!r})")
        for j, cap in enumerate(self.cap_add):
            for kind, detail in access.capabilities([cap]):
                yield Concern(("cap_add", j), kind, f"{detail} (step {self.name!r})")
        for key in self.labels:
            for kind, detail in access.labels([key], f"step {self.name!r}"):
                yield Concern(("labels", key), kind, detail)
        for kind, detail in access.image_ref(self.image_ref) if self.image_ref else ():
            yield Concern(("image_ref",), kind, detail)

    def secret_pairs(self) -> Iterable[tuple[str, str]]:
        return self.env.items()

    def exclusive(self) -> Iterable[str]:
        return (f"host-port:{port}" for port in self.ports.values() if port)


class ExecSpec(ContainerStep, kind="exec"):
    """Run a command inside a running container.

    The command may use `{{ containers.STEP }}` (the real, per-run name of an
    earlier step's container: what another container resolves on a user network)
    and `{{ networks.NAME }}`.
    """

    needs_running: ClassVar[bool] = True
    command: list[str]
    user: str | None = None
    workdir: str | None = None
    env: dict[str, str] = {}
    timeout: Seconds = 30.0

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        known = {f"networks.{n}" for n in ctx.names("network")}
        known |= {f"containers.{r}" for r in ctx.names("container")}
        for var in PLACEHOLDER.findall(" ".join(self.command)):
            if var not in known:
                yield (
                    ("command",),
                    f"unknown placeholder {{{{ {var} }}}}; expected {{{{ networks.NAME }}}} "
                    "or {{ containers.STEP }} of an earlier 'run' step",
                )

    def secret_pairs(self) -> Iterable[tuple[str, str]]:
        return self.env.items()


class ReadFileSpec(ContainerStep, kind="read_file"):
    """Read a file in a running container (exec `cat`) -> `STEP.content`, `STEP.exit_code`."""

    needs_running: ClassVar[bool] = True
    path: str


class WaitSpec(ContainerStep, kind="wait"):
    """Poll until a condition holds or `timeout` passes -> `STEP.reached`, `STEP.waited_s`.

    `for`: exited | running | removed | healthy | unhealthy | log (a regex on
    stdout+stderr, `pattern`) | port (a TCP connect to the host port published
    for `port`, on 127.0.0.1). Never hangs: a wait that times out records
    `reached: false` and the last status seen (`STEP.last`). For health,
    `STEP.checks_run` counts the checks the engine has run by itself.
    """

    for_: Literal["exited", "running", "removed", "healthy", "unhealthy", "log", "port"] = Field(
        alias="for"
    )
    pattern: str | None = None
    port: str | None = None
    timeout: Seconds = 10.0

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _argument(self) -> WaitSpec:
        if (self.for_ == "log") != (self.pattern is not None):
            raise ValueError("'pattern' is given exactly when waiting 'for: log'")
        if (self.for_ == "port") != (self.port is not None):
            raise ValueError("'port' is given exactly when waiting 'for: port'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern: {exc}") from None
        return self


class StopSpec(ContainerStep, kind="stop"):
    """Stop (engine's stop signal, then SIGKILL after `timeout` s) -> exit code, `duration_s`."""

    timeout: Annotated[int, Field(ge=0, le=600)] | None = None


class KillSpec(ContainerStep, kind="kill"):
    """Send a signal -> `STEP.error` if the engine refuses."""

    signal: str = "SIGKILL"


class StartSpec(ContainerStep, kind="start"):
    """Start a created or stopped container again -> `STEP.error`."""


class RestartSpec(ContainerStep, kind="restart"):
    """Restart -> `STEP.error`, `STEP.duration_s`."""

    timeout: Annotated[int, Field(ge=0, le=600)] | None = None


class RemoveSpec(ContainerStep, kind="remove"):
    """Remove a container (`force` kills a running one first) -> `STEP.removed`, `STEP.error`."""

    force: bool = False


class InspectSpec(ContainerStep, kind="inspect"):
    """Inspect again: `STEP.inspect.PATH`, `STEP.state.*`, logs as they are now."""


class HealthcheckRunSpec(ContainerStep, kind="healthcheck_run"):
    """Run the container's healthcheck once, now (libpod's endpoint) -> `STEP.status`.

    An engine with no such operation makes the scenario `unsupported` there.
    """


class ProbeSpec(ContainerStep, kind="probe"):
    """Connect to the host port published for `port`, on 127.0.0.1 only -> `STEP.ok`.

    With `http` (a path), send a GET and record `STEP.status` and `STEP.body`.
    """

    needs_running: ClassVar[bool] = True
    port: str
    http: str | None = None
    timeout: Annotated[float, Field(gt=0, le=30)] = 2.0
