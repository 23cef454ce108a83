"""Overhead: the harness on the fixed set vs the same engine calls made directly.

Both run in this process against the same warm engine and base image,
interleaved round by round; the figure is median(harness) / median(baseline).
The harness side is `run_scenarios` (fingerprint, image cache lookups, steps,
checks, labelled teardown and leak check), without writing reports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks import baseline
from benchmarks.common import (
    Figure,
    Settings,
    each_engine,
    engine_session,
    interleaved,
    median,
    ratio,
)
from benchmarks.scenarios import fixed_set
from harness.labels import new_run_id
from harness.model.loader import LoadedScenario, load_all
from harness.run.images import ImageCache
from harness.run.runner import run_scenarios

TARGET = 1.10


def run(cfg: Settings) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        loaded = load_all(fixed_set(Path(tmp), cfg.fixed_scenarios))
        return each_engine("overhead", cfg.engines, lambda name: _one_engine(name, cfg, loaded))


def _one_engine(name: str, cfg: Settings, loaded: list[LoadedScenario]) -> list[Figure]:
    with engine_session(name) as engine:
        image = ImageCache(engine, new_run_id()).base()
        direct = baseline.make(name, str(getattr(engine, "url", "")), image)
        problems: list[str] = []

        def harness() -> None:
            result = run_scenarios(loaded, [engine], jobs=1)
            problems.extend(
                f"{s.loaded.scenario.id}: {s.verdict}"
                for s in result.scenarios
                if s.verdict != "portable"
            )

        def floor() -> None:
            run_id = new_run_id()
            for index in range(len(loaded)):
                direct.scenario(run_id, index)

        try:
            harness()  # warm-up: connections, caches, page cache
            floor()
            problems.clear()
            times = interleaved(
                {"harness": harness, "baseline": floor, "fingerprint": engine.info},
                cfg.repeats,
            )
        finally:
            direct.close()
    h, b, fp = (median(times[k]) for k in ("harness", "baseline", "fingerprint"))
    n = len(loaded)
    r = ratio(h, b)
    note = "; ".join(sorted(set(problems))[:3])
    return [
        Figure("overhead", name, f"harness, {n} scenarios", h, "s"),
        Figure("overhead", name, f"direct SDK baseline, {n} scenarios", b, "s"),
        Figure(
            "overhead",
            name,
            "of which the harness's fixed cost: engine fingerprint (info)",
            fp,
            "s",
            note="once per run; the baseline takes none",
        ),
        Figure("overhead", name, "harness minus fingerprint / baseline", ratio(h - fp, b), "x"),
        Figure("overhead", name, "harness / baseline", r, "x", f"<= {TARGET}", r <= TARGET, note),
    ]
