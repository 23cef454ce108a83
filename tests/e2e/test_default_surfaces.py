"""A plain `harness run` (no --engine) compares every default surface, so the report
carries a podman-docker-api column next to docker and podman."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results.document import validate

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.engine, pytest.mark.slow]
SCENARIO = "scenarios/entrypoint/exec-entry-exec-cmd.yaml"


def test_default_run_has_three_surfaces(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_ROOTLESS"}
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", SCENARIO, "--out", str(tmp_path), "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=600,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    validate(document)
    names = [e["name"] for e in document["engines"]]
    assert names == ["docker", "podman", "podman-docker-api"]
    (scenario,) = document["scenarios"]
    assert set(scenario["engines"]) == set(names)
    assert scenario["verdict"] != "error", scenario
    html = (tmp_path / "report.html").read_text()
    assert "podman-docker-api" in html
