"""The entry-point contract, proved from outside: a package under tests/ adds an
engine that `harness engines` and `harness run` use like a built-in one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.engines import available_adapters, create_engine
from harness.engines.base import Engine

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = [
    "scenarios/entrypoint/exec-entry-exec-cmd.yaml",
    "scenarios/lifecycle/logs-streams.yaml",
    "scenarios/volumes/named-reuse.yaml",
]


def test_not_registered_without_its_distribution() -> None:
    assert "docker-cli" not in available_adapters()


def test_registered_adapter_satisfies_the_protocol(plugin_path: str) -> None:
    assert "docker-cli" in available_adapters()
    engine = create_engine("docker-cli", url="unix:///nonexistent.sock")
    assert isinstance(engine, Engine)
    assert engine.name == "docker-cli"
    info = engine.info()
    assert not info.available and info.error


def harness(plugin_path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": plugin_path}
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=600,
    )


@pytest.mark.engine
@pytest.mark.slow
def test_harness_runs_scenarios_through_the_plugin(plugin_path: str, tmp_path: Path) -> None:
    listed = harness(plugin_path, "engines", "--engine", "docker-cli", "--json")
    if listed.returncode != 0:
        pytest.skip(f"docker-cli engine unavailable: {listed.stdout}{listed.stderr}")
    args = ["run", *SCENARIOS, "--engine", "docker", "--engine", "docker-cli"]
    done = harness(plugin_path, *args, "--out", str(tmp_path), "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    assert [e["name"] for e in document["engines"]] == ["docker", "docker-cli"]
    assert len(document["scenarios"]) == len(SCENARIOS)
    for scenario in document["scenarios"]:
        # Same daemon, two client surfaces: the CLI adapter must observe what the SDK does.
        assert scenario["verdict"] == "portable", (scenario["id"], scenario["differences"])
        assert scenario["engines"]["docker-cli"]["leftovers"] == []
