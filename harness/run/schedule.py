"""Parallel scheduling shared by both front doors (`harness run -j N` and pytest-xdist).

Work is one item per (scenario, engine). Items that need something exclusive on
the host (a fixed host port, or anything a scenario lists under `exclusive`) are
grouped, across scenarios and engines alike: two engines publishing the same
host port collide just as two scenarios do. A group runs serially; groups run
in parallel. Images need no scheduling: `ImageCache` builds each one once per
engine for the whole host (file lock + content-hash tag), whichever worker
asks first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from harness.model.loader import LoadedScenario

T = TypeVar("T")


def exclusive_resources(loaded: LoadedScenario) -> set[str]:
    """What this scenario holds that no other item may hold at the same time."""
    scenario = loaded.scenario
    held = {f"exclusive:{name}" for name in scenario.exclusive}
    for step in scenario.steps:
        held.update(step.spec.exclusive())
        held.update(step.spec.exclusive_in_files(loaded.directory))
    return held


def exclusive_groups(scenarios: Iterable[LoadedScenario]) -> dict[str, str]:
    """Scenario id -> group name, for scenarios sharing (transitively) an exclusive resource."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    held = {s.scenario.id: exclusive_resources(s) for s in scenarios}
    for sid, resources in held.items():
        for resource in resources:
            parent[find(f"s:{sid}")] = find(f"r:{resource}")
    members: dict[str, list[str]] = {}
    for sid, resources in held.items():
        if resources:
            members.setdefault(find(f"s:{sid}"), []).append(sid)
    groups = {}
    for sids in members.values():
        name = "harness-exclusive-" + min(sids)
        groups.update(dict.fromkeys(sids, name))
    return groups


@dataclass(frozen=True)
class Unit:
    """Items that must run one after another (a group), or a single free item."""

    items: tuple[tuple[LoadedScenario, str], ...]


def plan(scenarios: list[LoadedScenario], engines: list[str]) -> list[Unit]:
    """Work units in scenario order; a group's items share one unit, placed at its first."""
    groups = exclusive_groups(scenarios)
    units: dict[str, list[tuple[LoadedScenario, str]]] = {}
    for loaded in scenarios:
        for engine in engines:
            key = groups.get(loaded.scenario.id) or f"{loaded.scenario.id}[{engine}]"
            units.setdefault(key, []).append((loaded, engine))
    return [Unit(tuple(items)) for items in units.values()]


def execute(
    units: list[Unit],
    task: Callable[[LoadedScenario, str], T],
    jobs: int,
    on_interrupt: Callable[[], None] | None = None,
) -> list[T]:
    """Run `task` on every item: units in parallel on `jobs` threads, a unit's items in order.

    `on_interrupt` runs on Ctrl-C/SIGTERM before waiting for the items in flight,
    so it can make them stop (the runner removes their containers).
    """

    def run_unit(unit: Unit) -> list[T]:
        return [task(loaded, engine) for loaded, engine in unit.items]

    if jobs <= 1:
        return [r for unit in units for r in run_unit(unit)]
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run_unit, unit) for unit in units]
        return [r for future in futures for r in future.result()]
    except KeyboardInterrupt:
        if on_interrupt is not None:
            on_interrupt()
        raise
    finally:
        # On Ctrl-C/SIGTERM, drop the queued work: `with` would run all of it first.
        pool.shutdown(wait=True, cancel_futures=True)
