"""Build cache: a second run of unchanged scenarios builds nothing.

A fresh set of scenarios (a nonce in every Containerfile, so the first run
builds cold) runs twice on each engine. The figures are the builds counted by
`ImageCache` and its phase time (every lookup, reuse and build, summed over
workers), first run vs second. The images are removed afterwards by the
nonce label, which only this benchmark sets.
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import Figure, Settings, each_engine, ratio
from benchmarks.scenarios import NONCE_LABEL, cache_set
from harness.engines import create_engine
from harness.engines.base import Engine
from harness.model.loader import load_all
from harness.run.runner import run_scenarios

TARGET = 0.05


def run(cfg: Settings) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        return each_engine(
            "cache", cfg.engines, lambda name: _one_engine(name, cfg.fixed_scenarios, Path(tmp))
        )


def _one_engine(name: str, count: int, tmp: Path) -> list[Figure]:
    nonce = secrets.token_hex(4)  # per attempt: a retry must build cold again
    loaded = load_all(cache_set(tmp / nonce, count, nonce))
    engine = create_engine(name)
    try:
        runs = [run_scenarios(loaded, [engine], jobs=2) for _ in range(2)]
    finally:
        _remove_images(engine, nonce)
        engine.close()
    first, second = (run.build_stats[name] for run in runs)
    share = ratio(second["phase_seconds"], first["phase_seconds"])
    # A build that failed (a busy shared engine) is built again by the second run:
    # say so next to the count rather than leave an unexplained number.
    errors = [
        f"run {i + 1} {o.error}"[:160]
        for i, run in enumerate(runs)
        for result in run.scenarios
        for o in result.outcomes.values()
        if o.error
    ]
    note = "; ".join(errors[:2])
    return [
        Figure(
            "cache", name, f"first run: images built ({count} scenarios)", first["builds"], "images"
        ),
        Figure("cache", name, "first run: image phase", first["phase_seconds"], "s"),
        Figure(
            "cache",
            name,
            "second run: images built",
            second["builds"],
            "images",
            "0",
            second["builds"] == 0,
            note,
        ),
        Figure("cache", name, "second run: image phase", second["phase_seconds"], "s"),
        Figure(
            "cache", name, "image phase second / first", share, "x", f"< {TARGET}", share < TARGET
        ),
    ]


def _remove_images(engine: Engine, nonce: str) -> None:
    listed = subprocess.run(
        [*engine.cli(), "images", "-q", "--filter", f"label={NONCE_LABEL}={nonce}"],
        capture_output=True,
        text=True,
        check=False,
    )
    ids = sorted(set(listed.stdout.split()))
    if ids:
        subprocess.run([*engine.cli(), "rmi", "-f", *ids], capture_output=True, check=False)
