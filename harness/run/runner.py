"""Run scenarios on engines: one `Observation` set per (scenario, engine).

The runner builds images, runs the steps, checks expectations and always
tears down what it created (labelled, removed in `finally`, Ctrl-C
included). It knows nothing of YAML, reports or SDKs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.engines import capabilities
from harness.engines.base import Engine, EngineInfo, HostDirOwner, Unsupported, scratch_parent
from harness.errors import EngineError, EngineUnavailable, HarnessError, StepTimeout
from harness.labels import ENGINE, RUN, SCENARIO, new_run_id, resource_labels
from harness.model.loader import BASE_IMAGE, LoadedScenario
from harness.run.images import ImageCache
from harness.run.janitor import (
    audit_run,
    sweep_host_leftovers,
    sweep_scenario,
    sweep_stale,
    temp_dir,
)
from harness.run.schedule import execute, plan
from harness.steps import FAMILIES, KINDS, StepContext
from harness.steps.kinds import Teardown
from harness.verdict.compare import (
    EngineOutcome,
    engine_status,
    run_checks,
    verdict,
)
from harness.verdict.enums import Status
from harness.verdict.observe import image_facts
from harness.verdict.resolve import resolve, unasked_timeouts

Progress = Callable[[str, str, EngineOutcome], None]


@dataclass
class ScenarioResult:
    loaded: LoadedScenario
    outcomes: dict[str, EngineOutcome]
    verdict: str
    differences: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)
    stale_divergences: list[dict[str, Any]] = field(default_factory=list)
    fixed_divergences: list[dict[str, Any]] = field(default_factory=list)
    representation: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RunResult:
    run_id: str
    started: str
    finished: str
    engines: list[EngineInfo]
    scenarios: list[ScenarioResult]
    incomplete: bool = False
    build_stats: dict[str, dict[str, float]] = field(default_factory=dict)
    leftovers: dict[str, list[str]] = field(default_factory=dict)
    stale_removed: dict[str, int] = field(default_factory=dict)
    # engine -> capability -> {supported, reason} (harness.engines.capabilities)
    capabilities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


class Interrupted(HarnessError):
    """The run was interrupted (SIGINT/SIGTERM) before this scenario finished."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class _RunDocuments:
    """The raw documents of one scenario's run, for `verdict.resolve` to read from:
    inspects the steps kept, and image inspects fetched once when first asked for."""

    ctx: StepContext
    formats: dict[str, str]
    _images: dict[str, dict[str, Any]] = field(default_factory=dict)

    def step_document(self, step: str) -> dict[str, Any] | None:
        return self.ctx.inspects.get(step)

    def image_document(self, name: str) -> dict[str, Any] | None:
        ref = self.ctx.images.get(name)
        if ref is None:
            return None
        if name not in self._images:
            raw = self.ctx.engine.inspect_image(ref)
            facts = image_facts(raw)
            # No manifest type in the inspect (Docker): the format the engine built.
            facts["format"] = facts["format"] or self.formats.get(ref)
            self._images[name] = {**facts, **{f"inspect.{k}": v for k, v in raw.items()}}
        return self._images[name]


def _scenario_tmp(engine: Engine) -> Path:
    """The scenario's `{{ tmp }}`, owned by the user the engine's containers run as on
    the host where that is not root (rootless Podman), so binds of it work; in the
    engine's shared scratch where it resolves paths in its own root (a version surface)."""
    path = temp_dir("scenario", scratch_parent(engine))
    owner = engine.host_dir_owner() if isinstance(engine, HostDirOwner) else None
    if owner is not None:
        os.chown(path, *owner)
    return path


def run_one(
    loaded: LoadedScenario,
    engine: Engine,
    cache: ImageCache,
    cancel: threading.Event | None = None,
) -> EngineOutcome:
    """Run one scenario on one engine; never raises for engine trouble.

    Anything an engine or its SDK throws (a daemon that died mid-step raises
    plain connection errors) becomes an `error` outcome with the reason, so
    the other engines and scenarios carry on.
    """
    started = time.monotonic()
    scenario = loaded.scenario
    ctx = StepContext(
        engine=engine,
        loaded=loaded,
        run_id=cache.run_id,
        labels=resource_labels(cache.run_id, scenario.id, engine.name),
        images={},
        cancel=cancel or threading.Event(),
        deadline=started + scenario.timeout,
        tmp=_scenario_tmp(engine),
    )
    watchdog = threading.Timer(scenario.timeout, _expire, args=(ctx,))
    watchdog.daemon = True
    watchdog.start()
    try:
        outcome = _run_and_judge(ctx, cache)
    except Unsupported as exc:
        outcome = EngineOutcome(
            status=Status.UNSUPPORTED, observations=ctx.observations, error=str(exc)
        )
    except (EngineError, EngineUnavailable) as exc:
        outcome = EngineOutcome(status=Status.ERROR, observations=ctx.observations, error=str(exc))
    except HarnessError as exc:
        outcome = EngineOutcome(
            status=Status.ERROR, observations=ctx.observations, error=f"{type(exc).__name__}: {exc}"
        )
    except Exception as exc:  # an SDK's own exception: the engine failed in a way it did not say
        outcome = EngineOutcome(
            status=Status.ERROR,
            observations=ctx.observations,
            error=f"{engine.name} failed: {type(exc).__name__}: {exc}",
        )
    finally:
        watchdog.cancel()
        watchdog.join()  # a removal it started finishes before teardown's audit
        leftovers = _teardown(ctx)
    outcome.leftovers = leftovers
    outcome.duration_s = round(time.monotonic() - started, 3)
    return outcome


def _expire(ctx: StepContext) -> None:
    """The scenario's deadline passed with a step still running: kill and remove its
    containers, so that whatever the step waits on (a stop that SIGTERM cannot end, a
    healthcheck that hangs, a wait) returns now; the next check records the error.

    The kill goes to each container's own init process by its host PID first: Podman
    holds a container's lock for the whole of a `stop`, so an API kill or removal would
    wait behind it."""
    # A remote engine's PIDs are its host's (harness.engines.remote): API removal only.
    for document in list(ctx.inspects.values()) if getattr(ctx.engine, "host_pids", True) else []:
        _kill_init(document)
    selector = {RUN: ctx.run_id, SCENARIO: ctx.loaded.scenario.id, ENGINE: ctx.engine.name}
    with contextlib.suppress(Exception):
        ctx.engine.remove_labelled(selector)


def _kill_init(inspect: dict[str, Any]) -> None:
    """SIGKILL a container's init process, if that PID still is the container's (its
    cgroup names the container id): never another process that reused the PID."""
    pid = (inspect.get("State") or {}).get("Pid")
    cid = str(inspect.get("Id") or "")
    if not isinstance(pid, int) or pid <= 0 or len(cid) < 12:
        return
    try:
        if cid not in Path(f"/proc/{pid}/cgroup").read_text():
            return
        os.kill(pid, signal.SIGKILL)
    except OSError:
        return


def _check_cancel(ctx: StepContext, step: str = "") -> None:
    if ctx.cancel.is_set():
        raise Interrupted("interrupted before this scenario finished")
    if ctx.past_deadline():
        timeout = ctx.loaded.scenario.timeout
        where = f" before step {step!r}" if step else " before its checks"
        if ctx.current_step:
            where = f" during step {ctx.current_step!r} (its containers were removed)"
        raise StepTimeout(f"the scenario exceeded its timeout ({timeout:g} s){where}")


def _run_and_judge(ctx: StepContext, cache: ImageCache) -> EngineOutcome:
    """Images, family setup, every step in order, then the checks of this engine."""
    scenario = ctx.loaded.scenario
    _check_cancel(ctx)
    ctx.images[BASE_IMAGE] = cache.base()
    for name in scenario.images:
        ctx.images[name] = cache.scenario_image(ctx.loaded, name, dict(ctx.images))
    for family in FAMILIES:
        if family.setup is not None:
            family.setup(ctx)
    for step in scenario.steps:
        _check_cancel(ctx, str(step.spec.name))
        ctx.current_step = step.spec.name
        try:
            KINDS[step.kind].run(ctx, step.spec)
        except Exception:
            _check_cancel(ctx)  # the deadline removed what the step was using: say that
            raise
        _check_cancel(ctx)
        ctx.current_step = ""
    _check_cancel(ctx)
    hung = unasked_timeouts(scenario, ctx.observations)
    if hung:
        raise StepTimeout(
            f"step {hung[0]!r} timed out; its container was killed (observations so far kept)"
        )
    resolve(scenario, ctx.observations, _RunDocuments(ctx, cache.formats))
    checks = run_checks(scenario, ctx.observations)
    return EngineOutcome(
        status=engine_status(checks), checks=checks, observations=ctx.observations, raw=ctx.raw
    )


def _teardown(ctx: StepContext) -> list[str]:
    """Family teardowns, the label sweep of this scenario on this surface (engines may
    share storage) with its leak audit, then what must wait for the sweep; the
    leftovers found. A teardown that fails is a leftover, never a lost sweep."""
    families = [(f.name, f.teardown) for f in FAMILIES if f.teardown]
    after = [(f.name, f.teardown_after_sweep) for f in FAMILIES if f.teardown_after_sweep]
    leftovers = _each(ctx, families)
    leftovers += sweep_scenario(ctx.engine, ctx.run_id, ctx.loaded.scenario.id)
    leftovers += _each(ctx, after)
    if ctx.tmp is not None:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    return leftovers


def _each(ctx: StepContext, teardowns: list[tuple[str, Teardown]]) -> list[str]:
    left: list[str] = []
    for name, teardown in teardowns:
        try:
            left += teardown(ctx)
        except Exception as exc:  # a teardown must not stop the others or the sweep
            left.append(f"{name} teardown failed: {type(exc).__name__}: {exc}")
    return left


@dataclass
class EngineSlot:
    """One engine as a run uses it: the adapter, its fingerprint, its image cache."""

    engine: Engine
    info: EngineInfo
    cache: ImageCache
    stale_removed: int = 0  # resources of dead harness processes swept when opened
    lost: str | None = None  # why the engine stopped answering mid-run, once it has
    capabilities: dict[str, capabilities.Capability] = field(default_factory=dict)


def with_cli(engine: Engine, info: EngineInfo) -> EngineInfo:
    """The fingerprint with the program a user types for this surface."""
    try:
        program = Path(engine.cli()[0]).name
    except (AttributeError, IndexError, HarnessError):  # an adapter without a CLI
        return info
    return dataclasses.replace(info, cli=program)


def open_engines(engines: list[Engine], run_id: str, probe: bool = False) -> dict[str, EngineSlot]:
    """Fingerprint every engine, sweep what dead harness processes left on it, and
    build the base image once on each available one, before any parallel work
    starts (a failed build resurfaces in each scenario). The engines are opened all
    at once: each waits on its own daemon (a cold base build, a slow /info), and a
    run over six surfaces would otherwise pay the sum."""

    def one(engine: Engine) -> EngineSlot:
        info = with_cli(engine, engine.info())
        cache = ImageCache(engine, run_id, default_format=info.default_build_format or None)
        if info.available:
            with contextlib.suppress(HarnessError):
                cache.base()
        slot = EngineSlot(engine, info, cache)
        if info.available:
            slot.stale_removed = sweep_stale(engine).total
        return slot

    with ThreadPoolExecutor(max_workers=max(1, len(engines))) as pool:
        slots = {slot.engine.name: slot for slot in pool.map(one, engines)}
    if probe:
        probe_capabilities(slots)
    return slots


def probe_capabilities(slots: dict[str, EngineSlot]) -> None:
    """What each available surface can do at all, all surfaces at once (cached per
    process, so the steps that need a capability ask again for free)."""

    def one(slot: EngineSlot) -> None:
        try:
            base = slot.cache.base()
        except HarnessError:
            return
        slot.capabilities = capabilities.probe_all_cached(
            slot.engine, slot.info, base, slot.cache.run_id
        )

    ready = [s for s in slots.values() if s.info.available]
    with ThreadPoolExecutor(max_workers=max(1, len(ready))) as pool:
        list(pool.map(one, ready))


def run_item(
    loaded: LoadedScenario, slot: EngineSlot, cancel: threading.Event | None = None
) -> EngineOutcome:
    """One (scenario, engine) item; an unavailable engine gives an `error` outcome.

    An engine that stops answering (its daemon died) is noticed after the item
    that met it: that item and every later one on it become `error`, quickly,
    while the other engines carry on.
    """
    if not slot.info.available:
        return EngineOutcome(status=Status.ERROR, error=f"engine unavailable: {slot.info.error}")
    if slot.lost is not None:
        return EngineOutcome(
            status=Status.ERROR, error=f"engine went away during the run: {slot.lost}"
        )
    result = run_one(loaded, slot.engine, slot.cache, cancel)
    if (result.status == Status.ERROR or result.leftovers) and not (cancel and cancel.is_set()):
        gone = _still_there(slot.engine)
        if gone is not None:
            slot.lost = slot.lost or gone
            first = f" (first: {result.error})" if result.error else ""
            result.status = Status.ERROR
            result.error = f"engine went away during this scenario: {gone}{first}"
    return result


def _still_there(engine: Engine) -> str | None:
    """None if the engine still answers, else why not (asked after a bad outcome)."""
    try:
        info = engine.info()
    except Exception as exc:  # an adapter that raises instead of reporting
        return f"{type(exc).__name__}: {exc}"
    return None if info.available else (info.error or "not available")


def assemble(
    scenarios: list[LoadedScenario],
    engine_names: list[str],
    outcomes: dict[tuple[str, str], EngineOutcome],
    versions: dict[str, str] | None = None,
) -> list[ScenarioResult]:
    """Per-scenario verdicts from per-item outcomes, in scenario order; unrun ones left
    out. `versions` (engine -> version) scopes version-ranged known divergences."""
    results = []
    for loaded in scenarios:
        sid = loaded.scenario.id
        per_engine = {e: outcomes[(sid, e)] for e in engine_names if (sid, e) in outcomes}
        if not per_engine:
            continue
        v = verdict(loaded.scenario, per_engine, versions)
        results.append(
            ScenarioResult(
                loaded,
                per_engine,
                v.verdict,
                v.differences,
                v.divergences,
                v.stale_divergences,
                v.fixed_divergences,
                v.representation,
            )
        )
    return results


def build_stats(slots: dict[str, EngineSlot]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "builds": s.cache.stats.builds,
            "reused": s.cache.stats.reused,
            "seconds": round(s.cache.stats.seconds, 3),
            "phase_seconds": round(s.cache.stats.phase_seconds, 3),
        }
        for name, s in slots.items()
    }


def run_scenarios(
    scenarios: list[LoadedScenario],
    engines: list[Engine],
    jobs: int = 1,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run every scenario on every engine; unavailable engines give `error` outcomes.

    On KeyboardInterrupt (SIGINT/SIGTERM through `harness.run.signals`) the run
    stops: steps still running are told to stop, the run's resources are swept
    (which also ends the waits on them), and what finished is returned, marked
    incomplete. At the end a run-level leak audit records anything still
    carrying the run's labels, then removes it.
    """
    run_id = run_id or new_run_id()
    started = _now()
    sweep_host_leftovers()  # what killed runs left: temporary directories, parent links
    try:
        slots = open_engines(engines, run_id, probe=True)
    except KeyboardInterrupt:  # while fingerprinting or probing: nothing ran yet
        return _interrupted_while_opening(engines, run_id, started)
    outcomes: dict[tuple[str, str], EngineOutcome] = {}
    cancel = threading.Event()
    incomplete = False

    def task(loaded: LoadedScenario, engine: str) -> None:
        if cancel.is_set():
            return
        result = run_item(loaded, slots[engine], cancel)
        outcomes[(loaded.scenario.id, engine)] = result
        if progress:
            progress(loaded.scenario.id, engine, result)

    def answering() -> list[Engine]:
        return [s.engine for s in slots.values() if s.info.available and s.lost is None]

    def interrupted() -> None:
        cancel.set()
        audit_run(answering(), {RUN: run_id})

    names = [e.name for e in engines]
    try:
        execute(plan(scenarios, names), task, jobs, on_interrupt=interrupted)
    except KeyboardInterrupt:
        incomplete = True
        if not cancel.is_set():
            interrupted()
    leftovers = audit_run(answering(), {RUN: run_id})
    results = assemble(scenarios, names, outcomes, {n: s.info.version for n, s in slots.items()})
    return _finished(run_id, started, slots, results, incomplete, leftovers)


def _finished(
    run_id: str,
    started: str,
    slots: dict[str, EngineSlot],
    results: list[ScenarioResult],
    incomplete: bool,
    leftovers: dict[str, list[str]],
) -> RunResult:
    return RunResult(
        run_id,
        started,
        _now(),
        _final_infos(slots),
        results,
        incomplete,
        build_stats(slots),
        leftovers,
        {name: s.stale_removed for name, s in slots.items() if s.info.available},
        {name: capabilities.as_json(s.capabilities) for name, s in slots.items()},
    )


def _interrupted_while_opening(engines: list[Engine], run_id: str, started: str) -> RunResult:
    """A run stopped before any scenario: what opening made (probes, labelled by the
    run) is removed, and the run is reported incomplete with no scenarios."""
    leftovers = audit_run(engines, {RUN: run_id})
    infos = [
        EngineInfo(name=e.name, available=False, error="interrupted before it was opened")
        for e in engines
    ]
    return RunResult(run_id, started, _now(), infos, [], True, {}, leftovers)


def _final_infos(slots: dict[str, EngineSlot]) -> list[EngineInfo]:
    """Each engine's fingerprint, saying so when it stopped answering mid-run."""
    return [
        dataclasses.replace(s.info, error=f"went away during the run: {s.lost}")
        if s.lost
        else s.info
        for s in slots.values()
    ]
