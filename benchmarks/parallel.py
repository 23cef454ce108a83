"""Parallelism: `-j 2` vs `-j 1` on the same scenarios and engines, interleaved.

Work items are (scenario, engine) pairs, so with both engines the two workers
can also overlap Docker and Podman; each engine is measured alone as well, so
the figure does not depend on that.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import Figure, Settings, interleaved, median, ratio
from benchmarks.scenarios import simple_set
from harness.engines import create_engine
from harness.engines.base import Engine
from harness.loader import LoadedScenario, load_all
from harness.runner import run_scenarios

TARGET = 1.5


def run(cfg: Settings) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        loaded = load_all(simple_set(Path(tmp), cfg.parallel_scenarios))
        engines = [create_engine(name) for name in cfg.engines]
        try:
            run_scenarios(loaded[:2], engines, jobs=2)  # warm-up
            figures = []
            for name in cfg.engines:
                figures += _measure(name, loaded, [e for e in engines if e.name == name], cfg)
            if len(engines) > 1:
                figures += _measure("both", loaded, engines, cfg)
        finally:
            for engine in engines:
                engine.close()
    return figures


def _measure(
    label: str, loaded: list[LoadedScenario], engines: list[Engine], cfg: Settings
) -> list[Figure]:
    repeats = max(1, cfg.repeats - 1)
    times = interleaved(
        {
            "j1": lambda: run_scenarios(loaded, engines, jobs=1),
            "j2": lambda: run_scenarios(loaded, engines, jobs=2),
        },
        repeats,
    )
    j1, j2 = median(times["j1"]), median(times["j2"])
    speedup = ratio(j1, j2)
    n = len(loaded)
    return [
        Figure("parallel", label, f"-j 1, {n} scenarios", j1, "s"),
        Figure("parallel", label, f"-j 2, {n} scenarios", j2, "s"),
        Figure(
            "parallel", label, "speedup -j1 / -j2", speedup, "x", f">= {TARGET}", speedup >= TARGET
        ),
    ]
