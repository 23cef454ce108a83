"""Shared pieces: figures, machine facts, interleaved timing, engine cleanup."""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.engines import create_engine
from harness.engines.base import Engine
from harness.labels import RUN

ENGINES = ("docker", "podman")


@dataclass(frozen=True)
class Figure:
    """One measured number, with the target it is judged against (if any)."""

    bench: str
    engine: str
    metric: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class Settings:
    """How much work each benchmark does (`--quick` shrinks everything)."""

    quick: bool
    engines: tuple[str, ...]
    repeats: int
    fixed_scenarios: int
    parallel_scenarios: int
    scale_sizes: tuple[int, ...]
    wait_samples: int
    teardown_containers: int
    scale_engines: tuple[str, ...]


def settings(quick: bool, engines: tuple[str, ...]) -> Settings:
    # Scale measures the harness's own growth and memory: one engine (Docker when
    # chosen, the faster one here) keeps 350 scenario runs within a few minutes.
    scale = ("docker",) if "docker" in engines else engines[:1]
    if quick:
        return Settings(True, engines, 1, 1, 2, (1, 2), 1, 2, scale)
    return Settings(False, engines, 3, 5, 30, (50, 100, 200), 8, 5, scale)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict[str, str]:
    """What a reader needs to weigh the figures: host, CPUs, engine versions, load."""
    facts = {
        "host": platform.node(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
    return facts


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def interleaved(
    variants: dict[str, Callable[[], object]], repeats: int, first_round: int = 0
) -> dict[str, list[float]]:
    """Run each variant once per round, in a rotating order, `repeats` rounds.

    Side by side, so that a noisy neighbour slows every variant alike.
    """
    names = list(variants)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(first_round, first_round + repeats):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(variants[name]))
    return times


def each_engine(
    bench: str, engines: tuple[str, ...], measure: Callable[[str], list[Figure]]
) -> list[Figure]:
    """Measure engine by engine; one engine's trouble costs only its own figures.

    The engines are shared with other sessions (the Podman service is sometimes
    restarted under us), so a failed engine is retried once after a pause.
    """
    figures: list[Figure] = []
    for name in engines:
        for attempt in (1, 2):
            try:
                figures += measure(name)
                break
            except Exception as exc:
                if attempt == 2:
                    note = repr(exc)[:300]
                    figures.append(Figure(bench, name, "benchmark failed", math.nan, "", note=note))
                else:
                    time.sleep(10)
    return figures


@contextmanager
def engine_session(name: str) -> Iterator[Engine]:
    """An engine adapter that is closed afterwards; skips nothing silently."""
    engine = create_engine(name)
    info = engine.info()
    if not info.available:
        raise RuntimeError(f"{name} unavailable: {info.error}")
    try:
        yield engine
    finally:
        engine.close()


def sweep(engine: Engine, run_id: str) -> None:
    """Remove every container, volume and network a benchmark run left labelled."""
    engine.remove_labelled({RUN: run_id})
