"""Container steps: create and start through the API (never `run`, never pull), exec,
waits, lifecycle operations, inspect, on-demand healthchecks and port probes.

Every handler talks to the engine only through the `Engine` protocol and writes
observations as `STEP.FIELD` keys. An engine refusing an operation is an
observation (the `error` field), not a harness failure: that refusal is often the finding.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness.engines._util import text
from harness.engines.base import (
    ContainerSpec,
    CreateWarnings,
    MountSpec,
    PlainRemover,
    Unsupported,
)
from harness.errors import EngineError, EngineUnavailable
from harness.model.access import TMP
from harness.model.confine import confined
from harness.model.specs.containers import (
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
from harness.steps import waits
from harness.steps.context import StepContext, refusal
from harness.steps.kinds import Family, StepKind
from harness.steps.vantage import host_side
from harness.verdict.observe import container_facts


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
            elif (
                ctx.tmp is not None and TMP.match(m.source or "") and not confined(source, ctx.tmp)
            ):
                # A symlink planted under {{ tmp }} (by a container that has it mounted)
                # must not turn this bind into a bind of the host's own files.
                raise EngineError(f"bind source {source} leaves the scenario's {{{{ tmp }}}}")
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
        labels={**spec.labels, **ctx.labels},  # the scenario's own, then the harness's
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
        ctx.record(step, error=refusal(exc))
        return
    ctx.containers[step] = cid
    ctx.record(step, created=True)
    if isinstance(ctx.engine, CreateWarnings):
        # What the engine said it did not apply (it ran the container all the same).
        ctx.record(step, warnings=ctx.engine.create_warnings(cid))
    try:
        ctx.engine.start(cid)
    except EngineError as exc:
        ctx.record(step, error=refusal(exc))
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
            ok = port is not None and host_side(ctx.engine, lambda: waits.tcp_open(port))
            return ok, waits.status(doc)
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
        ctx.record(step, error=refusal(exc))
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
    """Remove as the engine does when asked (`remove_container` is teardown's fast path)."""
    cid = ctx.container(spec.container)
    engine = ctx.engine
    if isinstance(engine, PlainRemover):
        plain = engine
        _timed(ctx, spec.name, lambda: plain.remove_container_plain(cid, force=spec.force))
    else:
        _timed(ctx, spec.name, lambda: engine.remove_container(cid, force=spec.force))
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
        ctx.record(spec.name, status=None, exit_code=None, output=None, error=refusal(exc))
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
        ok = host_side(ctx.engine, lambda: waits.tcp_open(port, spec.timeout))
        ctx.record(spec.name, ok=ok, error=None if ok else "connection failed")
        return
    try:
        path = spec.http
        status, body = host_side(ctx.engine, lambda: waits.http_get(port, path, spec.timeout))
    except (OSError, ValueError) as exc:
        ctx.record(spec.name, error=f"{type(exc).__name__}: {exc}")
        return
    ctx.record(spec.name, ok=True, status=status, body=body)


def remove_anonymous(ctx: StepContext) -> list[str]:
    """Anonymous volumes carry no labels: remove the ones the steps saw, by name
    (after the label sweep removed their containers)."""
    left = []
    for name in sorted(ctx.anonymous):
        try:
            ctx.engine.inspect_volume(name)
        except (EngineError, EngineUnavailable, OSError):
            continue  # already gone (removed with its container), or the engine is gone
        try:
            ctx.engine.remove_volume(name, force=True)
        except (EngineError, EngineUnavailable, OSError) as exc:
            left.append(f"volume:{name} ({exc})")
    return left


FAMILY = Family(
    "containers",
    (
        StepKind(RunSpec, run_container),
        StepKind(ExecSpec, run_exec),
        StepKind(ReadFileSpec, read_file),
        StepKind(WaitSpec, wait_for),
        StepKind(StopSpec, stop),
        StepKind(KillSpec, kill),
        StepKind(StartSpec, start),
        StepKind(RestartSpec, restart),
        StepKind(RemoveSpec, remove),
        StepKind(InspectSpec, inspect),
        StepKind(HealthcheckRunSpec, healthcheck_run),
        StepKind(ProbeSpec, probe),
    ),
    teardown_after_sweep=remove_anonymous,
)
