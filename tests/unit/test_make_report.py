"""`make report`'s SURFACES: each name becomes an --engine, setup prepares only the
version surfaces and rootless Podman named, and a run that exits 3 is still a
written report when its results are complete."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def dry_run(*assignments: str) -> str:
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "report", "OUT=/tmp/none", *assignments],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_every_surface_becomes_an_engine_and_only_named_ones_are_set_up() -> None:
    out = dry_run("SURFACES=docker podman@5.4 podman-rootless")
    assert "--engine docker --engine podman@5.4 --engine podman-rootless " in out
    assert 'HARNESS_VERSIONS="podman@5.4" HARNESS_ROOTLESS=1 ' in out


def test_the_quick_set_sets_up_no_version_surface_and_no_rootless() -> None:
    out = dry_run("SURFACES=docker podman podman-docker-api")
    assert 'HARNESS_VERSIONS="" HARNESS_ROOTLESS=0 ' in out
    assert "--engine docker --engine podman --engine podman-docker-api " in out


def test_the_default_set_has_the_five_columns_of_issue_17() -> None:
    out = dry_run()
    for name in ("docker", "podman", "podman-docker-api", "docker@26.1", "podman@5.4"):
        assert f"--engine {name} " in out
    assert 'HARNESS_VERSIONS="docker@26.1 podman@5.4" HARNESS_ROOTLESS=0 ' in out


def complete(path: Path) -> int:
    script = ROOT / "scripts" / "report_complete.py"
    return subprocess.run([sys.executable, str(script), str(path)], check=False).returncode


def test_complete_results_are_a_written_report(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"run": {"incomplete": False}, "engines": []}))
    assert complete(results) == 0


def test_interrupted_missing_or_broken_results_are_not(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    assert complete(results) == 1
    results.write_text("{")
    assert complete(results) == 1
    results.write_text(json.dumps({"run": {"incomplete": True}, "engines": []}))
    assert complete(results) == 1
