"""A network Podman's compatible API removed while a container was on it leaves no
aardvark-dns file behind once the scenario is torn down (harness.engines.podman_netstate)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.engines import create_engine
from harness.engines.podman_netstate import AARDVARK_CONFIGS
from harness.labels import short_hash

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/sdk/network-in-use.yaml"


def test_a_network_removed_in_use_leaves_no_dns_file_or_bridge(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the host's rootful Podman only")
    engine = create_engine("podman-docker-api")
    info = engine.info()
    engine.close()
    if not info.available:
        pytest.skip(f"podman-docker-api unavailable: {info.error}")
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", SCENARIO, "--engine", "podman-docker-api",
         "-q", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    outcome = document["scenarios"][0]["engines"]["podman-docker-api"]
    # The finding itself: the network went although a container was on it.
    assert outcome["observations"]["rm.raised"] is False, outcome
    run = document["run"]["id"]
    network = f"h-{run[-6:]}-{short_hash('sdk.network-in-use', 'podman-docker-api')}-net-net"
    # Its aardvark-dns file, which made later networks on the same subnet answer
    # NXDOMAIN, is gone. (Its bridge goes too, but other sessions' bridges come and go
    # meanwhile, so this test does not tell them apart.)
    assert not (AARDVARK_CONFIGS / network).exists()
