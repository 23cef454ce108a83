"""Remote engines over a real sshd on 127.0.0.1 that forwards to this host's engine
sockets: the ssh columns must give what the local columns give, host-side probes are
`unsupported` with the reason, and nothing (sshd, ssh tunnels, containers, temporary
directories) is left afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.engines import available_adapters, create_engine
from harness.engines.remote import RemoteSpec, create_remote
from harness.model.loader import load_scenario
from tests.engines.sshd import SSHD, Sshd, local_sshd

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]
SOCKETS = {"docker": "/var/run/docker.sock", "podman": "/run/podman/podman.sock"}
SCENARIOS = [
    "scenarios/lifecycle/exit-codes.yaml",
    "scenarios/exitcodes/exec-exit-codes.yaml",
    "scenarios/cli/volume-ls-quiet.yaml",  # a `cli` step: the engine's CLI over the tunnel
]
HOST_PORTS = "scenarios/networks/published-port.yaml"


@pytest.fixture(scope="module")
def sshd() -> Iterator[Sshd]:
    if os.geteuid() != 0 or not SSHD.exists():
        pytest.skip("needs root and openssh-server (HARNESS_SSH=1 bash scripts/setup.sh)")
    for kind in SOCKETS:
        info = create_engine(kind).info()
        if not info.available:
            pytest.skip(f"{kind} unavailable: {info.error}")
    with local_sshd() as server:
        yield server


def _engines_file(tmp_path: Path, server: Sshd) -> Path:
    entries = [
        {
            "name": f"{kind}-ssh",
            "kind": kind,
            "url": server.url(socket),
            "identity": str(server.identity),
            "known_hosts": str(server.known_hosts),
        }
        for kind, socket in SOCKETS.items()
    ]
    path = tmp_path / "engines.yaml"
    path.write_text(json.dumps({"engines": entries}))  # JSON is YAML
    return path


def _ssh_processes(port: int) -> list[str]:
    """Command lines of this host's ssh clients to the test sshd's port (read only)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0] == b"ssh" and str(port).encode() in argv:
            found.append(b" ".join(argv).decode(errors="replace"))
    return found


def _intermittent(scenario_file: str, kind: str) -> set[str]:
    """Keys the scenario declares racy on `kind` (`intermittent: true`): either column
    may see the race, so they say nothing about the tunnel."""
    scenario = load_scenario(ROOT / scenario_file).scenario
    return {kd.key for kd in scenario.known_divergences if kd.engine == kind and kd.intermittent}


def _comparable(outcome: dict[str, Any], racy: set[str]) -> dict[str, Any]:
    """What must be equal between a local column and its ssh twin: the checks outside
    the declared races, and the status once a failure of a racy check is set aside."""
    checks = [c for c in outcome.get("checks", []) if c["key"] not in racy]
    status = outcome["status"]
    if status == "fail" and all(c["ok"] for c in checks):
        status = "pass"
    return {"status": status, "checks": [(c["key"], c["ok"], repr(c["actual"])) for c in checks]}


def test_ssh_columns_match_the_local_ones(sshd: Sshd, tmp_path: Path) -> None:
    engines = [a for kind in SOCKETS for a in ("--engine", kind, "--engine", f"{kind}-ssh")]
    engines += ["--engines", str(_engines_file(tmp_path, sshd)), "--out", str(tmp_path)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "run",
            *SCENARIOS,
            HOST_PORTS,
            "-q",
            "-j",
            "2",
            *engines,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    fingerprints = {e["name"]: e for e in document["engines"]}
    for kind, socket in SOCKETS.items():
        remote = fingerprints[f"{kind}-ssh"]
        assert remote["available"], remote["error"]
        assert remote["url"] == sshd.url(socket)
        assert remote["settings"]["remote.transport"] == "ssh"
        assert remote["settings"]["remote.host"] == "127.0.0.1"
        assert remote["version"] == fingerprints[kind]["version"]
    by_id = {s["id"]: s for s in document["scenarios"]}
    for scenario in by_id.values():
        outcomes = scenario["engines"]
        if scenario["file"].endswith(HOST_PORTS.rsplit("/", 1)[1]):
            for kind in SOCKETS:
                assert outcomes[kind]["status"] == "pass"
                assert outcomes[f"{kind}-ssh"]["status"] == "unsupported"
                assert "published ports" in outcomes[f"{kind}-ssh"]["error"]
            continue
        for kind in SOCKETS:
            local, remote = outcomes[kind], outcomes[f"{kind}-ssh"]
            racy = _intermittent(scenario["file"], kind)
            assert _comparable(remote, racy) == _comparable(local, racy), scenario["id"]
    assert len(by_id) == len(SCENARIOS) + 1
    assert "Accepted publickey for root" in sshd.log.read_text()
    assert _ssh_processes(sshd.port) == []  # every tunnel stopped with the run


def test_wrong_host_key_is_unavailable_with_ssh_s_reason(sshd: Sshd, tmp_path: Path) -> None:
    """BatchMode and StrictHostKeyChecking: an unknown host key is refused, never asked."""
    other = tmp_path / "known_hosts"
    other.write_text(
        f"[127.0.0.1]:{sshd.port} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW5vdC10aGUtc2VydmVycy1vd24tMDAw\n"
    )
    spec = RemoteSpec(
        "docker-wrongkey", "docker", sshd.url(SOCKETS["docker"]), str(sshd.identity), str(other)
    )
    engine = create_remote(spec, available_adapters()["docker"])
    try:
        info = engine.info()
    finally:
        engine.close()
    assert not info.available
    assert "did not forward" in (info.error or "")
    assert "host key" in (info.error or "").lower()
    assert _ssh_processes(sshd.port) == []


def test_a_remote_engine_refuses_binds_before_reaching_the_engine(sshd: Sshd) -> None:
    from harness.engines.base import ContainerSpec, MountSpec, Unsupported

    spec = RemoteSpec("podman-ssh", "podman", sshd.url(SOCKETS["podman"]), str(sshd.identity), None)
    engine = create_remote(spec, available_adapters()["podman"])
    bind = MountSpec(type="bind", target="/data", source="/etc")
    try:
        with pytest.raises(Unsupported, match="path on that host"):
            engine.create_container(ContainerSpec(image="x", name="x", labels={}, mounts=(bind,)))
        assert _ssh_processes(sshd.port) == []  # refused before any connection was made
    finally:
        engine.close()
