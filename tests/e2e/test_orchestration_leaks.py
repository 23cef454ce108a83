"""Drivers and orchestration scenarios leave nothing: no swarm mode, stack, pod,
network or parent link after the run, and results.json carries the capabilities."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness.engines import links
from harness.labels import RUN
from harness.results.document import validate
from tests.e2e.crash_support import BOTH, PODMAN_SOCKET, engines, harness

pytestmark = [pytest.mark.engine, pytest.mark.slow]
SCENARIOS = (
    "scenarios/orchestration/swarm-init-leave.yaml",
    "scenarios/orchestration/kube-two-services.yaml",
    "scenarios/drivers/macvlan-container-traffic.yaml",
)


def _out(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()


def test_no_swarm_stack_pod_network_or_link_remains(tmp_path: Path) -> None:
    links_before = set(links.harness_links())
    done = harness("run", *SCENARIOS, *BOTH, "-q", "--out", str(tmp_path), timeout=900)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    validate(document)
    run_id = document["run"]["id"]
    assert document["run"]["leftovers"] == {}
    assert all(not o["leftovers"] for s in document["scenarios"] for o in s["engines"].values())
    assert all(e["capabilities"] for e in document["engines"])
    assert _out("docker", "info", "--format", "{{.Swarm.LocalNodeState}}") == "inactive"
    assert _out("docker", "stack", "ls", "--format", "{{.Name}}") == ""
    label = f"label={RUN}={run_id}"
    assert _out("podman", "--url", PODMAN_SOCKET, "pod", "ps", "-q", "--filter", label) == ""
    assert set(links.harness_links()) <= links_before
    for engine in engines():
        found = engine.list_labelled({RUN: run_id})
        assert all(not ids for ids in found.values()), (engine.name, found)
        engine.close()
