"""Version drift on a real run: Podman 5.4 creates a container with no command at all
where Podman 4.3 and Docker refuse it (docs/versions.md), so `harness run` on the host's
Podman and the podman@5.4 surface reports that divergence as introduced, in results.json,
report.html and summary.md. One scenario, three columns: cheap enough to keep."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.engines.version_surfaces import load
from harness.results.document import validate

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/entrypoint/exit-125-engine-error.yaml"
pytestmark = [pytest.mark.engine, pytest.mark.slow]


def test_podman_5_4_introduces_the_no_command_divergence(tmp_path: Path) -> None:
    surface = load("podman@5.4")
    if surface.reason:
        pytest.skip(f"podman@5.4: {surface.reason}")
    engines = ("docker", "podman", "podman@5.4")
    args = [arg for name in engines for arg in ("--engine", name)]
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", SCENARIO, *args, "--out", str(tmp_path), "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    validate(document)
    (scenario,) = document["scenarios"]
    statuses = {n: o["status"] for n, o in scenario["engines"].items()}
    assert set(statuses.values()) <= {"pass", "fail"}, statuses
    (entry,) = document["drift"]
    assert (entry["from"], entry["to"], entry["reference"]) == ("podman", "podman@5.4", "docker")
    assert entry["introduced"] == [{"scenario": scenario["id"], "keys": ["no_command.exit_code"]}]
    assert entry["fixed"] == []
    html = (tmp_path / "report.html").read_text()
    assert f'data-row="s-{scenario["id"]}"' in html and "≠ 1 introduced" in html
    md = (tmp_path / "summary.md").read_text()
    # The key, then its declaration's mark: the divergence is declared for podman >=5.
    assert f"| ≠ introduced | `{scenario['id']}` | `no_command.exit_code` (" in md
