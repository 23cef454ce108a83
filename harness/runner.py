"""Run scenarios on engines: one `Observation` set per (scenario, engine).

The runner builds images, runs the steps, checks expectations and always
tears down what it created (labelled, removed in `finally`, Ctrl-C
included). It knows nothing of YAML, reports or SDKs.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.compare import ERROR, UNSUPPORTED, EngineOutcome, engine_status, run_checks, verdict
from harness.engines.base import Engine, EngineInfo, Unsupported
from harness.errors import EngineError, EngineUnavailable, HarnessError
from harness.images import ImageCache
from harness.labels import ENGINE, RUN, SCENARIO, new_run_id, resource_labels
from harness.loader import BASE_IMAGE, LoadedScenario
from harness.observe import image_facts, lookup
from harness.resource_steps import create_resources
from harness.scenario import KEY_MATCHERS
from harness.schedule import execute, plan
from harness.steps import HANDLERS, StepContext

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


def run_one(loaded: LoadedScenario, engine: Engine, cache: ImageCache) -> EngineOutcome:
    """Run one scenario on one engine; never raises for engine trouble."""
    started = time.monotonic()
    scenario = loaded.scenario
    labels = resource_labels(cache.run_id, scenario.id, engine.name)
    ctx = StepContext(engine=engine, loaded=loaded, run_id=cache.run_id, labels=labels, images={})
    outcome: EngineOutcome
    tmp = Path(tempfile.mkdtemp(prefix="harness-"))
    try:
        ctx.images[BASE_IMAGE] = cache.base()
        for name in scenario.images:
            ctx.images[name] = cache.scenario_image(loaded, name, dict(ctx.images))
        create_resources(ctx, tmp)
        for step in scenario.steps:
            HANDLERS[step.kind](ctx, step.spec)
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
    finally:
        leftovers = _teardown(engine, cache.run_id, scenario.id)
        leftovers += _remove_anonymous(engine, ctx.anonymous)
        shutil.rmtree(tmp, ignore_errors=True)
    outcome.leftovers = leftovers
    outcome.duration_s = round(time.monotonic() - started, 3)
    return outcome


def _teardown(engine: Engine, run_id: str, scenario_id: str) -> list[str]:
    """Remove everything labelled for this scenario on this surface; report what would not go."""
    selector = {RUN: run_id, SCENARIO: scenario_id, ENGINE: engine.name}
    try:
        engine.remove_labelled(selector)
        left = engine.list_labelled(selector)
    except (EngineError, EngineUnavailable, OSError) as exc:
        return [f"teardown failed: {exc}"]
    return [f"{kind}:{rid}" for kind, ids in left.items() for rid in ids]


def _remove_anonymous(engine: Engine, names: set[str]) -> list[str]:
    """Anonymous volumes carry no labels: remove the ones the steps saw, by name."""
    left = []
    for name in sorted(names):
        try:
            engine.inspect_volume(name)
        except EngineError:
            continue  # already gone (removed with its container)
        try:
            engine.remove_volume(name, force=True)
        except EngineError as exc:
            left.append(f"volume:{name} ({exc})")
    return left


@dataclass
class EngineSlot:
    """One engine as a run uses it: the adapter, its fingerprint, its image cache."""

    engine: Engine
    info: EngineInfo
    cache: ImageCache


def open_engines(engines: list[Engine], run_id: str) -> dict[str, EngineSlot]:
    """Fingerprint every engine and build the base image once on each available one,
    before any parallel work starts (a failed build resurfaces in each scenario)."""
    slots = {}
    for engine in engines:
        info = engine.info()
        cache = ImageCache(engine, run_id, default_format=info.default_build_format or None)
        if info.available:
            with contextlib.suppress(HarnessError):
                cache.base()
        slots[engine.name] = EngineSlot(engine, info, cache)
    return slots


def run_item(loaded: LoadedScenario, slot: EngineSlot) -> EngineOutcome:
    """One (scenario, engine) item; an unavailable engine gives an `error` outcome."""
    if not slot.info.available:
        return EngineOutcome(status=ERROR, error=f"engine unavailable: {slot.info.error}")
    return run_one(loaded, slot.engine, slot.cache)


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
    """Run every scenario on every engine; unavailable engines give `error` outcomes."""
    run_id = run_id or new_run_id()
    started = _now()
    slots = open_engines(engines, run_id)
    outcomes: dict[tuple[str, str], EngineOutcome] = {}
    incomplete = False

    def task(loaded: LoadedScenario, engine: str) -> None:
        result = run_item(loaded, slots[engine])
        outcomes[(loaded.scenario.id, engine)] = result
        if progress:
            progress(loaded.scenario.id, engine, result)

    names = [e.name for e in engines]
    try:
        execute(plan(scenarios, names), task, jobs)
    except KeyboardInterrupt:
        incomplete = True
        for slot in slots.values():
            if slot.info.available:
                _sweep(slot.engine, run_id)
    results = assemble(scenarios, names, outcomes)
    infos = [slot.info for slot in slots.values()]
    return RunResult(run_id, started, _now(), infos, results, incomplete, build_stats(slots))


def _sweep(engine: Engine, run_id: str) -> None:
    with contextlib.suppress(EngineError, EngineUnavailable, OSError):
        engine.remove_labelled({RUN: run_id})
