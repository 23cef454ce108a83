"""networks.host-mode on a version surface: the surface's network namespace has no route
out by design, so the host-route comparison is `unsupported` there with that reason,
while the host's own Docker still makes it (and passes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.engines import version_surfaces

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/networks/host-mode.yaml"
pytestmark = [pytest.mark.engine, pytest.mark.slow]


def test_host_mode_is_unsupported_on_a_surface_without_a_route(tmp_path: Path) -> None:
    surface = version_surfaces.load("docker@26.1")
    if surface.reason:
        pytest.skip(f"docker@26.1: {surface.reason}")
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", SCENARIO, "--engine", "docker",
         "--engine", "docker@26.1", "--allow-host-namespaces", "-q", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (scenario,) = json.loads((tmp_path / "results.json").read_text())["scenarios"]
    on_surface = scenario["engines"]["docker@26.1"]
    assert on_surface["status"] == "unsupported", on_surface
    assert "no default route" in on_surface["error"]
    assert scenario["engines"]["docker"]["status"] == "pass", scenario["engines"]["docker"]
