"""`python -m benchmarks --quick` runs end to end: every benchmark produces figures.

Only that the script works is checked here; timings are never asserted (they
are figures for benchmarks/RESULTS.md, and this machine is noisy).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run import BENCHMARKS

ENGINE_FREE = {"lint"}  # reads files only: its figures name no engine

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.engine
@pytest.mark.slow
def test_quick_benchmarks_produce_every_figure(tmp_path: Path) -> None:
    table = tmp_path / "figures.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--engine",
            "docker",
            "--markdown",
            str(table),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "benchmark failed" not in done.stdout, done.stdout[-3000:]
    written = table.read_text()
    for name in BENCHMARKS:
        engine = "-" if name in ENGINE_FREE else "docker"
        assert f"| {name} | {engine} |" in written, f"no figures from {name}"
    assert "Machine: " in written
