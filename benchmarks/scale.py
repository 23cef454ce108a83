"""Scale: `harness run -j 2` on 50, 100 and 200 generated scenarios.

Each size is a whole `harness run` process on every selected engine; wall time
should grow linearly (t200 / t100 <= 2.1) and the process's peak resident
memory (ru_maxrss of the child, from wait4) stay under 200 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure, Settings, ratio
from benchmarks.scenarios import simple_set

TARGET_GROWTH = 2.1
TARGET_MB = 200.0


def harness_process(directory: Path, out: Path, engines: tuple[str, ...]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one `harness run` process."""
    argv = [sys.executable, "-m", "harness.cli", "run", str(directory), "--out", str(out)]
    argv += ["-j", "2", "-q", *(arg for e in engines for arg in ("--engine", e))]
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read() if child.stderr else b""
    if child.returncode != 0:
        raise RuntimeError(f"harness run exited {child.returncode}: {stderr[-500:]!r}")
    return wall, usage.ru_maxrss / 1024


def run(cfg: Settings) -> list[Figure]:
    figures: list[Figure] = []
    walls: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as tmp:
        for size in cfg.scale_sizes:
            directory = Path(tmp) / f"n{size}"
            simple_set(directory, size)
            wall, rss = harness_process(directory, Path(tmp) / f"out{size}", cfg.scale_engines)
            walls[size] = wall
            engines = "+".join(cfg.scale_engines)
            figures += [
                Figure(
                    "scale",
                    engines,
                    f"{size} scenarios: wall",
                    wall,
                    "s",
                    note=f"{wall / size / len(cfg.scale_engines) * 1000:.0f} ms per scenario",
                ),
                Figure(
                    "scale",
                    engines,
                    f"{size} scenarios: harness peak RSS",
                    rss,
                    "MB",
                    f"< {TARGET_MB:.0f}",
                    rss < TARGET_MB,
                ),
            ]
    sizes = sorted(walls)
    if len(sizes) >= 2:
        small, big = sizes[-2], sizes[-1]
        growth = ratio(walls[big], walls[small])
        expected = big / small * TARGET_GROWTH / 2
        figures.append(
            Figure(
                "scale",
                "+".join(cfg.scale_engines),
                f"t{big} / t{small}",
                growth,
                "x",
                f"<= {expected:.2f}",
                growth <= expected,
            )
        )
    return figures
