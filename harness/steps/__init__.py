"""What each kind of step does on an engine, and what it records.

Every handler takes the shared `StepContext` and its own spec, talks to the
engine only through the `Engine` protocol, and writes observations as
`STEP.FIELD` keys. An engine refusing an operation is an observation (the
`error` field), not a harness failure: that refusal is often the finding.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.engines._util import text
from harness.engines.base import ContainerSpec, Engine, MountSpec, Unsupported
from harness.errors import EngineError
from harness.labels import RUN, resource_name
from harness.model.loader import PLACEHOLDER, LoadedScenario
from harness.model.scenario import (
    CliSpec,
    ExecSpec,
    HealthcheckRunSpec,
    InspectSpec,
    KillSpec,
    ProbeSpec,
    ReadFileSpec,
    RemoveSpec,
    RestartSpec,
    RunSpec,
    StartSpec,
    StopSpec,
    WaitSpec,
)
from harness.steps import compose as compose_steps
from harness.steps import distribution as registry_steps
from harness.steps import resources as resource_steps
from harness.steps import stats as stats_steps
from harness.steps import waits
from harness.verdict.observe import container_facts


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
    inspects: dict[str, dict[str, Any]] = field(default_factory=dict)
    tmp: Path | None = None
    anonymous: set[str] = field(default_factory=set)
    cancel: threading.Event = field(default_factory=threading.Event)  # set on SIGINT/SIGTERM
    deadline: float | None = None  # time.monotonic() by which the scenario must be done
    registry: registry_steps.RegistryState = field(default_factory=registry_steps.RegistryState)
    compose: compose_steps.ComposeState = field(default_factory=compose_steps.ComposeState)

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
            out, err = self.engine.logs(container_id)
            self.record(step, stdout=text(out), stderr=text(err))
        except EngineError as exc:
            self.record(step, logs_error=str(exc))
        try:
            inspect = self.engine.inspect_container(container_id)
        except EngineError as exc:
            self.record(step, inspect_error=str(exc))
            return
        self.remember(step, inspect)
        self.record(step, **container_facts(inspect))


def _container_spec(ctx: StepContext, spec: RunSpec) -> ContainerSpec:
    mounts = []
    for m in spec.mounts:
        source = m.source
        if m.type == "volume" and source in ctx.volumes:
            source = ctx.volumes[source]
        elif m.type == "bind" and source is not None:
            source = ctx.expand(source)
            if not source.startswith("/"):
                source = str((ctx.loaded.directory / source).resolve())
        mounts.append(
            MountSpec(
                type=m.type,
                target=m.target,
                source=source,
                read_only=m.read_only,
                options=dict(m.options),
            )
        )
    image = ctx.images[spec.image] if spec.image else ctx.engine.image_ref(spec.image_ref or "")
    name = ctx.names[spec.same_name_as] if spec.same_name_as else ctx.name_for(spec.name)
    return ContainerSpec(
        image=image,
        name=name,
        labels=ctx.labels,
        command=spec.command,
        entrypoint=spec.entrypoint,
        env=dict(spec.env),
        user=spec.user,
        workdir=spec.workdir,
        hostname=spec.hostname,
        mounts=tuple(mounts),
        network=ctx.networks.get(spec.network or "", spec.network),
        aliases=tuple(spec.aliases),
        ports=dict(spec.ports),
        memory=spec.memory,
        cpus=spec.cpus,
        pids_limit=spec.pids_limit,
        pid_mode=spec.pid_mode,
        ipc_mode=spec.ipc_mode,
        read_only=spec.read_only,
        privileged=spec.privileged,
        cap_add=tuple(spec.cap_add),
        cap_drop=tuple(spec.cap_drop),
        stop_signal=spec.stop_signal,
        stop_timeout=spec.stop_timeout,
        restart=spec.restart,
        healthcheck=spec.healthcheck,
        auto_remove=spec.auto_remove,
    )


def run_container(ctx: StepContext, spec: RunSpec) -> None:
    """Create, start and (unless detached) wait: the API path, never `run`."""
    step = spec.name
    ctx.record(
        step,
        created=False,
        started=False,
        exit_code=None,
        error=None,
        timed_out=False,
        stdout="",
        stderr="",
    )
    try:
        cid = ctx.engine.create_container(_container_spec(ctx, spec))
    except EngineError as exc:
        ctx.record(step, error=str(exc))
        return
    ctx.containers[step] = cid
    ctx.record(step, created=True)
    try:
        ctx.engine.start(cid)
    except EngineError as exc:
        ctx.record(step, error=str(exc))
        ctx.capture(step, cid)
        return
    ctx.record(step, started=True)
    if spec.detach:
        inspect = ctx.engine.inspect_container(cid)
        ctx.remember(step, inspect)
        ctx.record(step, **container_facts(inspect))
        return
    result = ctx.engine.wait(cid, spec.timeout)
    if result.timed_out:
        ctx.engine.kill(cid)
        ctx.record(step, timed_out=True)
    ctx.record(step, exit_code=result.exit_code)
    ctx.capture(step, cid)


def run_cli(ctx: StepContext, spec: CliSpec) -> None:
    """`<cli> run` as a user types it: the exit status and output a user sees."""
    step = spec.name
    labels = [arg for k, v in ctx.labels.items() for arg in ("--label", f"{k}={v}")]
    argv = [
        *ctx.engine.cli(),
        "run",
        "--pull",
        "never",
        "--name",
        ctx.name_for(step),
        *labels,
        *(ctx.expand(o) for o in spec.options),
        ctx.images[spec.image] if spec.image else ctx.engine.image_ref(spec.image_ref or ""),
        *(ctx.expand(a) for a in spec.args),
    ]
    try:
        # In the scenario's temporary directory: conmon inherits the cwd and writes
        # files there (an `oom` file when the container is OOM-killed).
        done = subprocess.run(
            argv,
            capture_output=True,
            timeout=spec.timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=ctx.tmp,
        )
    except subprocess.TimeoutExpired as exc:
        ctx.record(
            step, exit_code=None, timed_out=True, stdout=text(exc.stdout), stderr=text(exc.stderr)
        )
        return
    except FileNotFoundError as exc:
        raise EngineError(f"{ctx.engine.name} CLI not found: {exc}") from None
    ctx.record(
        step,
        exit_code=done.returncode,
        timed_out=False,
        stdout=text(done.stdout),
        stderr=text(done.stderr),
    )


def run_exec(ctx: StepContext, spec: ExecSpec) -> None:
    """Run a command in an earlier detached container, within the step's timeout.

    The engine APIs cannot kill one exec'd process, so a hung exec ends by
    killing its container (`STEP.timed_out: true`); the runner then makes the
    outcome an error unless the scenario asked about `timed_out` itself.
    """
    cid = ctx.container(spec.container)
    command = [ctx.expand(word) for word in spec.command]
    result = waits.within(
        lambda: ctx.engine.exec(
            cid, command, user=spec.user, workdir=spec.workdir, env=dict(spec.env) or None
        ),
        spec.timeout,
    )
    if result is None:
        ctx.engine.kill(cid)
        ctx.record(spec.name, exit_code=None, timed_out=True, stdout="", stderr="")
        return
    ctx.record(
        spec.name,
        exit_code=result.exit_code,
        timed_out=False,
        stdout=text(result.stdout),
        stderr=text(result.stderr),
    )


def read_file(ctx: StepContext, spec: ReadFileSpec) -> None:
    """A file's text as the container sees it (exec `cat`)."""
    result = ctx.engine.exec(ctx.container(spec.container), ["cat", spec.path])
    ctx.record(
        spec.name,
        exit_code=result.exit_code,
        content=text(result.stdout) if result.exit_code == 0 else None,
        stderr=text(result.stderr),
    )


def _wait_check(ctx: StepContext, spec: WaitSpec, cid: str) -> Callable[[], tuple[bool, Any]]:
    def inspect() -> dict[str, Any] | None:
        try:
            return ctx.engine.inspect_container(cid)
        except EngineError:
            return None

    def check() -> tuple[bool, Any]:
        doc = inspect()
        if spec.for_ == "log":
            if doc is None:
                return False, "removed"
            out, err = ctx.engine.logs(cid)
            return waits.log_condition(spec.pattern or "", text(out), text(err)), waits.status(doc)
        if spec.for_ == "port":
            port = waits.host_port(doc, spec.port or "")
            return (port is not None and waits.tcp_open(port)), waits.status(doc)
        return waits.state_condition(spec.for_, doc)

    return check


def wait_for(ctx: StepContext, spec: WaitSpec) -> None:
    """Poll for a condition with a timeout; record whether and when it was reached."""
    cid = ctx.container(spec.container)
    result = waits.poll(_wait_check(ctx, spec, cid), spec.timeout, stop=ctx.stopping)
    ctx.record(spec.name, reached=result.reached, waited_s=result.waited_s, last=result.last)
    if spec.for_ in ("healthy", "unhealthy"):
        try:
            _, checks = waits.health(ctx.engine.inspect_container(cid))
        except EngineError:
            checks = 0
        ctx.record(spec.name, checks_run=checks)


def _timed(ctx: StepContext, step: str, action: Callable[[], None]) -> None:
    started = time.monotonic()
    try:
        action()
        ctx.record(step, error=None)
    except EngineError as exc:
        ctx.record(step, error=str(exc))
    ctx.record(step, duration_s=round(time.monotonic() - started, 2))


def stop(ctx: StepContext, spec: StopSpec) -> None:
    """Stop; record how long it took and how the container ended."""
    cid = ctx.container(spec.container)
    _timed(ctx, spec.name, lambda: ctx.engine.stop(cid, spec.timeout))
    ctx.capture(spec.name, cid)
    ctx.record(spec.name, exit_code=ctx.observations.get(f"{spec.name}.state.exit_code"))


def kill(ctx: StepContext, spec: KillSpec) -> None:
    cid = ctx.container(spec.container)
    _timed(ctx, spec.name, lambda: ctx.engine.kill(cid, spec.signal))


def start(ctx: StepContext, spec: StartSpec) -> None:
    cid = ctx.container(spec.container)
    _timed(ctx, spec.name, lambda: ctx.engine.start(cid))


def restart(ctx: StepContext, spec: RestartSpec) -> None:
    cid = ctx.container(spec.container)
    _timed(ctx, spec.name, lambda: ctx.engine.restart(cid, spec.timeout))


def remove(ctx: StepContext, spec: RemoveSpec) -> None:
    cid = ctx.container(spec.container)
    _timed(ctx, spec.name, lambda: ctx.engine.remove_container(cid, force=spec.force))
    ctx.record(spec.name, removed=ctx.observations[f"{spec.name}.error"] is None)


def inspect(ctx: StepContext, spec: InspectSpec) -> None:
    """Inspect again, so `STEP.inspect.*` and `STEP.state.*` show the later state."""
    ctx.capture(spec.name, ctx.container(spec.container))


def healthcheck_run(ctx: StepContext, spec: HealthcheckRunSpec) -> None:
    """Run one check by hand; `Unsupported` propagates (the engine has no such operation).

    An engine that answers a run with an error (libpod: a check over its timeout)
    has still run the check: the refusal is `STEP.error`, an observation.
    """
    try:
        result = ctx.engine.healthcheck_run(ctx.container(spec.container))
    except Unsupported:
        raise
    except EngineError as exc:
        ctx.record(spec.name, status=None, exit_code=None, output=None, error=str(exc))
        return
    ctx.record(
        spec.name,
        status=result.status,
        exit_code=result.exit_code,
        output=result.output,
        error=None,
    )


def probe(ctx: StepContext, spec: ProbeSpec) -> None:
    """TCP connect (or HTTP GET) to the published port, on 127.0.0.1 only."""
    ctx.record(spec.name, ok=False, error=None, status=None, body=None)
    port = waits.host_port(ctx.engine.inspect_container(ctx.container(spec.container)), spec.port)
    if port is None:
        ctx.record(spec.name, error=f"{spec.port} is not published")
        return
    if spec.http is None:
        ok = waits.tcp_open(port, spec.timeout)
        ctx.record(spec.name, ok=ok, error=None if ok else "connection failed")
        return
    try:
        status, body = waits.http_get(port, spec.http, spec.timeout)
    except (OSError, ValueError) as exc:
        ctx.record(spec.name, error=f"{type(exc).__name__}: {exc}")
        return
    ctx.record(spec.name, ok=True, status=status, body=body)


HANDLERS: dict[str, Callable[[StepContext, Any], None]] = {
    "run": run_container,
    "cli": run_cli,
    "exec": run_exec,
    "read_file": read_file,
    "wait": wait_for,
    "stop": stop,
    "kill": kill,
    "start": start,
    "restart": restart,
    "remove": remove,
    "inspect": inspect,
    "healthcheck_run": healthcheck_run,
    "probe": probe,
    **resource_steps.HANDLERS,
    **registry_steps.HANDLERS,
    **stats_steps.HANDLERS,
    **compose_steps.HANDLERS,
}

__all__ = ["HANDLERS", "RUN", "StepContext"]
