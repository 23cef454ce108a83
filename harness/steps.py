"""What each kind of step does on an engine, and what it records.

Every handler takes the shared `StepContext` and its own spec, talks to the
engine only through the `Engine` protocol, and writes observations as
`STEP.FIELD` keys. An engine refusing an operation is an observation (the
`error` field), not a harness failure: that refusal is often the finding.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.engines._util import text
from harness.engines.base import ContainerSpec, Engine, MountSpec
from harness.errors import EngineError
from harness.labels import RUN, resource_name
from harness.loader import LoadedScenario
from harness.observe import container_facts
from harness.scenario import CliSpec, ExecSpec, RunSpec


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
        inspect = self.engine.inspect_container(container_id)
        self.inspects[step] = inspect
        self.record(step, **container_facts(inspect))


def _container_spec(ctx: StepContext, spec: RunSpec) -> ContainerSpec:
    mounts = []
    for m in spec.mounts:
        source = m.source
        if m.type == "volume" and source in ctx.volumes:
            source = ctx.volumes[source]
        elif m.type == "bind" and source is not None and not source.startswith("/"):
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
    return ContainerSpec(
        image=ctx.images[spec.image],
        name=ctx.name_for(spec.name),
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
        cap_add=tuple(spec.cap_add),
        cap_drop=tuple(spec.cap_drop),
        stop_signal=spec.stop_signal,
        stop_timeout=spec.stop_timeout,
        restart=spec.restart,
        healthcheck=spec.healthcheck,
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
        ctx.inspects[step] = ctx.engine.inspect_container(cid)
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
        *spec.options,
        ctx.images[spec.image],
        *spec.args,
    ]
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=spec.timeout, check=False, stdin=subprocess.DEVNULL
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
    """Run a command in an earlier detached container."""
    result = ctx.engine.exec(
        ctx.containers[spec.container],
        spec.command,
        user=spec.user,
        workdir=spec.workdir,
        env=dict(spec.env) or None,
    )
    ctx.record(
        spec.name,
        exit_code=result.exit_code,
        stdout=text(result.stdout),
        stderr=text(result.stderr),
    )


HANDLERS: dict[str, Callable[[StepContext, Any], None]] = {
    "run": run_container,
    "cli": run_cli,
    "exec": run_exec,
}

__all__ = ["HANDLERS", "RUN", "StepContext"]
