"""The `stats` step: a running container's resource usage as each engine's API reports it.

Two readings `interval` seconds apart give a cpu figure the harness computes the
same way on every engine (cpu time used over wall time, 100 = one core), next
to the engine's own percentage. Scenarios compare shape (which fields exist)
and plausibility (ranges), never exact numbers or timings.
"""

from __future__ import annotations

import time
from typing import Any

from harness.engines.base import StatsSample, stats_reader
from harness.errors import EngineError
from harness.model.specs.stats import StatsSpec
from harness.steps.context import StepContext, refusal
from harness.steps.kinds import Family, StepKind

FIELDS = ("memory_usage", "memory_limit", "cpu_total_ns", "pids", "engine_cpu_percent")


def cpu_percent(first: StatsSample, second: StatsSample, wall_s: float) -> float | None:
    """Cpu time used between two readings over the wall time between them, in percent."""
    if first.cpu_total_ns is None or second.cpu_total_ns is None or wall_s <= 0:
        return None
    return round((second.cpu_total_ns - first.cpu_total_ns) / (wall_s * 1e9) * 100, 1)


def facts(sample: StatsSample) -> dict[str, Any]:
    """The observations of one reading (the later one)."""
    return {
        "memory_usage": sample.memory_usage,
        "memory_limit": sample.memory_limit,
        "pids": sample.pids,
        "engine_cpu_percent": sample.engine_cpu_percent,
        "fields": [f for f in FIELDS if getattr(sample, f) is not None],
        "raw_keys": sorted(sample.raw),
    }


def stats(ctx: StepContext, spec: StatsSpec) -> None:
    cid = ctx.container(spec.container)
    reader = stats_reader(ctx.engine)
    try:
        first = reader.stats(cid)
        started = time.monotonic()
        time.sleep(spec.interval)
        second = reader.stats(cid)
        wall = time.monotonic() - started
    except EngineError as exc:
        ctx.record(spec.name, error=refusal(exc))
        return
    if first.taken_ns is not None and second.taken_ns is not None:
        wall = (second.taken_ns - first.taken_ns) / 1e9  # when the engine read the counters
    ctx.record(spec.name, error=None, cpu_percent=cpu_percent(first, second, wall))
    ctx.record(spec.name, **facts(second))


FAMILY = Family("stats", (StepKind(StatsSpec, stats),))
