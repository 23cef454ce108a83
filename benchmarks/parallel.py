"""Parallelism: `-j 2` vs `-j 1` on the same 30 scenarios, engine by engine.

Each engine alone, so that the figure is the harness's own parallelism and
not Docker overlapping Podman (which `harness run` on both engines gets as
well). One round per engine, run back to back, the order alternating from
engine to engine: at -j 1 a round already takes about a minute.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.common import Figure, Settings, each_engine, interleaved, median, ratio
from benchmarks.scenarios import simple_set
from harness.engines import create_engine
from harness.model.loader import LoadedScenario, load_all
from harness.run.runner import run_scenarios

TARGET = 1.5


def run(cfg: Settings) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        loaded = load_all(simple_set(Path(tmp), cfg.parallel_scenarios))
        order = {name: i for i, name in enumerate(cfg.engines)}
        return each_engine(
            "parallel", cfg.engines, lambda name: _measure(name, loaded, cfg, order[name])
        )


def _measure(name: str, loaded: list[LoadedScenario], cfg: Settings, index: int) -> list[Figure]:
    engine = create_engine(name)
    try:
        run_scenarios(loaded[:2], [engine], jobs=2)  # warm-up
        times = interleaved(
            {
                "j1": lambda: run_scenarios(loaded, [engine], jobs=1),
                "j2": lambda: run_scenarios(loaded, [engine], jobs=2),
            },
            repeats=1,
            first_round=index,
        )
    finally:
        engine.close()
    j1, j2 = median(times["j1"]), median(times["j2"])
    speedup = ratio(j1, j2)
    n = len(loaded)
    return [
        Figure("parallel", name, f"-j 1, {n} scenarios", j1, "s"),
        Figure("parallel", name, f"-j 2, {n} scenarios", j2, "s"),
        Figure(
            "parallel", name, "speedup -j1 / -j2", speedup, "x", f">= {TARGET}", speedup >= TARGET
        ),
    ]
