"""Run scenarios on engines: one `Observation` set per (scenario, engine).

The runner builds images, runs the steps, checks expectations and always
tears down what it created (labelled, removed in `finally`, Ctrl-C
included). It knows nothing of YAML, reports or SDKs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.engines.base import Engine, EngineInfo, Unsupported
from harness.errors import EngineError, EngineUnavailable, HarnessError, StepTimeout
from harness.labels import ENGINE, RUN, SCENARIO, new_run_id, resource_labels
from harness.model.loader import BASE_IMAGE, LoadedScenario
from harness.model.scenario import KEY_MATCHERS
from harness.run.images import ImageCache
from harness.run.janitor import sweep_stale
from harness.run.leaks import audit_run, teardown_and_audit
from harness.run.schedule import execute, plan
from harness.steps import HANDLERS, StepContext
from harness.steps import compose as compose_steps
from harness.steps import distribution as registry_steps
from harness.steps.resources import create_resources
from harness.verdict.compare import (
    ERROR,
    UNSUPPORTED,
    EngineOutcome,
    engine_status,
    run_checks,
    verdict,
)
from harness.verdict.observe import image_facts, lookup

Progress = Callable[[str, str, EngineOutcome], None]


@dataclass
class ScenarioResult:
    loaded: LoadedScenario
    outcomes: dict[str, EngineOutcome]
    verdict: str
    differences: list[dict[str, Any]] = field(default_factory=list)
    divergences: list[dict[str, Any]] = field(default_factory=list)
    stale_divergences: list[dict[str, Any]] = field(default_factory=list)


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


class Interrupted(HarnessError):
    """The run was interrupted (SIGINT/SIGTERM) before this scenario finished."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _resolve_inspect_keys(ctx: StepContext, formats: dict[str, str]) -> None:
    """Fill `STEP.inspect.PATH` and `image.NAME.FIELD` keys that the scenario asks about."""
    scenario = ctx.loaded.scenario
    wanted = [*scenario.expect, *scenario.compare, *(kd.key for kd in scenario.known_divergences)]
    # The other side of a same_as/differs_from may be an inspect path too.
    wanted += [
        str(exp[op])
        for exp in scenario.expect.values()
        if isinstance(exp, dict)
        for op in set(exp) & set(KEY_MATCHERS)
    ]
    image_cache: dict[str, dict[str, Any]] = {}
    for key in wanted:
        head, _, rest = key.partition(".")
        if head == "image":
            name, _, fact = rest.partition(".")
            if name in ctx.images and name not in image_cache:
                raw = ctx.engine.inspect_image(ctx.images[name])
                facts = image_facts(raw)
                # No manifest type in the inspect (Docker): the format the engine built.
                facts["format"] = facts["format"] or formats.get(ctx.images[name])
                image_cache[name] = {**facts, **{f"inspect.{k}": v for k, v in raw.items()}}
            ctx.observations[key] = _image_fact(image_cache.get(name, {}), fact)
        elif rest.startswith("inspect.") and head in ctx.inspects:
            ctx.observations[key] = lookup(ctx.inspects[head], rest[len("inspect.") :])


def _image_fact(facts: dict[str, Any], fact: str) -> Any:
    if fact.startswith("inspect."):
        top, _, path = fact[len("inspect.") :].partition(".")
        value = facts.get(f"inspect.{top}")
        return lookup(value, path) if path else value
    return facts.get(fact)


def _raise_unasked_timeouts(ctx: StepContext) -> None:
    """A step that hung (and had its container killed) makes the outcome an error,
    unless the scenario is about that timeout (it names `STEP.timed_out`)."""
    scenario = ctx.loaded.scenario
    asked = {*scenario.expect, *scenario.compare, *(kd.key for kd in scenario.known_divergences)}
    for name in scenario.step_names:
        key = f"{name}.timed_out"
        if ctx.observations.get(key) is True and key not in asked:
            raise StepTimeout(
                f"step {name!r} timed out; its container was killed (observations so far kept)"
            )


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
    labels = resource_labels(cache.run_id, scenario.id, engine.name)
    ctx = StepContext(
        engine=engine,
        loaded=loaded,
        run_id=cache.run_id,
        labels=labels,
        images={},
        cancel=cancel or threading.Event(),
        deadline=started + scenario.timeout,
    )
    outcome: EngineOutcome
    tmp = Path(tempfile.mkdtemp(prefix="harness-"))

    def check_cancel(step: str = "") -> None:
        if ctx.cancel.is_set():
            raise Interrupted("interrupted before this scenario finished")
        if ctx.past_deadline():
            where = f" before step {step!r}" if step else " before its checks"
            raise StepTimeout(f"the scenario exceeded its timeout ({scenario.timeout:g} s){where}")

    try:
        check_cancel()
        ctx.images[BASE_IMAGE] = cache.base()
        for name in scenario.images:
            ctx.images[name] = cache.scenario_image(loaded, name, dict(ctx.images))
        create_resources(ctx, tmp)
        for step in scenario.steps:
            check_cancel(str(step.spec.name))
            HANDLERS[step.kind](ctx, step.spec)
        check_cancel()
        _raise_unasked_timeouts(ctx)
        _resolve_inspect_keys(ctx, cache.formats)
        checks = run_checks(scenario, ctx.observations)
        outcome = EngineOutcome(
            status=engine_status(checks), checks=checks, observations=ctx.observations
        )
    except Unsupported as exc:
        outcome = EngineOutcome(status=UNSUPPORTED, observations=ctx.observations, error=str(exc))
    except (EngineError, EngineUnavailable) as exc:
        outcome = EngineOutcome(status=ERROR, observations=ctx.observations, error=str(exc))
    except HarnessError as exc:
        outcome = EngineOutcome(
            status=ERROR, observations=ctx.observations, error=f"{type(exc).__name__}: {exc}"
        )
    except Exception as exc:  # an SDK's own exception: the engine failed in a way it did not say
        outcome = EngineOutcome(
            status=ERROR,
            observations=ctx.observations,
            error=f"{engine.name} failed: {type(exc).__name__}: {exc}",
        )
    finally:
        leftovers = compose_steps.cleanup(ctx)
        leftovers += _teardown(engine, cache.run_id, scenario.id)
        leftovers += _remove_anonymous(engine, ctx.anonymous)
        leftovers += registry_steps.cleanup(ctx)
        shutil.rmtree(tmp, ignore_errors=True)
    outcome.leftovers = leftovers
    outcome.duration_s = round(time.monotonic() - started, 3)
    return outcome


def _teardown(engine: Engine, run_id: str, scenario_id: str) -> list[str]:
    """Remove everything labelled for this scenario on this surface (engines may share
    storage); the leftovers the leak audit found."""
    return teardown_and_audit(engine, {RUN: run_id, SCENARIO: scenario_id, ENGINE: engine.name})


def _remove_anonymous(engine: Engine, names: set[str]) -> list[str]:
    """Anonymous volumes carry no labels: remove the ones the steps saw, by name."""
    left = []
    for name in sorted(names):
        try:
            engine.inspect_volume(name)
        except (EngineError, EngineUnavailable, OSError):
            continue  # already gone (removed with its container), or the engine is gone
        try:
            engine.remove_volume(name, force=True)
        except (EngineError, EngineUnavailable, OSError) as exc:
            left.append(f"volume:{name} ({exc})")
    return left


@dataclass
class EngineSlot:
    """One engine as a run uses it: the adapter, its fingerprint, its image cache."""

    engine: Engine
    info: EngineInfo
    cache: ImageCache
    stale_removed: int = 0  # resources of dead harness processes swept when opened
    lost: str | None = None  # why the engine stopped answering mid-run, once it has


def open_engines(engines: list[Engine], run_id: str) -> dict[str, EngineSlot]:
    """Fingerprint every engine, sweep what dead harness processes left on it, and
    build the base image once on each available one, before any parallel work
    starts (a failed build resurfaces in each scenario)."""
    slots = {}
    for engine in engines:
        info = engine.info()
        cache = ImageCache(engine, run_id, default_format=info.default_build_format or None)
        if info.available:
            with contextlib.suppress(HarnessError):
                cache.base()
        slot = EngineSlot(engine, info, cache)
        if info.available:
            slot.stale_removed = sweep_stale(engine).total
        slots[engine.name] = slot
    return slots


def run_item(
    loaded: LoadedScenario, slot: EngineSlot, cancel: threading.Event | None = None
) -> EngineOutcome:
    """One (scenario, engine) item; an unavailable engine gives an `error` outcome.

    An engine that stops answering (its daemon died) is noticed after the item
    that met it: that item and every later one on it become `error`, quickly,
    while the other engines carry on.
    """
    if not slot.info.available:
        return EngineOutcome(status=ERROR, error=f"engine unavailable: {slot.info.error}")
    if slot.lost is not None:
        return EngineOutcome(status=ERROR, error=f"engine went away during the run: {slot.lost}")
    result = run_one(loaded, slot.engine, slot.cache, cancel)
    if (result.status == ERROR or result.leftovers) and not (cancel and cancel.is_set()):
        gone = _still_there(slot.engine)
        if gone is not None:
            slot.lost = slot.lost or gone
            first = f" (first: {result.error})" if result.error else ""
            result.status = ERROR
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
) -> list[ScenarioResult]:
    """Per-scenario verdicts from per-item outcomes, in scenario order; unrun ones left out."""
    results = []
    for loaded in scenarios:
        sid = loaded.scenario.id
        per_engine = {e: outcomes[(sid, e)] for e in engine_names if (sid, e) in outcomes}
        if not per_engine:
            continue
        v = verdict(loaded.scenario, per_engine)
        results.append(
            ScenarioResult(
                loaded, per_engine, v.verdict, v.differences, v.divergences, v.stale_divergences
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
    slots = open_engines(engines, run_id)
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
    results = assemble(scenarios, names, outcomes)
    infos = [
        dataclasses.replace(s.info, error=f"went away during the run: {s.lost}")
        if s.lost
        else s.info
        for s in slots.values()
    ]
    return RunResult(
        run_id,
        started,
        _now(),
        infos,
        results,
        incomplete,
        build_stats(slots),
        leftovers,
        {name: s.stale_removed for name, s in slots.items() if s.info.available},
    )
