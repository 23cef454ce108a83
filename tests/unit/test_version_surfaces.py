"""harness.engines.version_surfaces: reading what scripts/versions.sh writes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.engines import version_surfaces as vs


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    state, run = tmp_path / "state", tmp_path / "run"
    state.mkdir()
    run.mkdir()
    monkeypatch.setattr(vs, "STATE_DIR", state)
    monkeypatch.setattr(vs, "RUN_DIR", run)
    return state, run


def _set_up(state: Path, name: str = "podman@5.4") -> None:
    (state / name).mkdir()
    packages = {"podman": "5.4.2+ds1-2+b2", "runc": "1.1.15+ds1-2+b4"}
    (state / name / "versions.json").write_text(json.dumps({"packages": packages}))


def _run(run: Path, pid: int, mntns: str, name: str = "podman@5.4") -> None:
    slug = vs.slug(name)
    state = {"surface": name, "pid": pid, "socket": str(run / f"{slug}.sock")}
    state |= {"netns": str(run / "netns" / slug), "cli": str(run / "bin" / slug)}
    (run / f"{slug}.json").write_text(json.dumps(state))
    (run / f"{slug}.mntns").write_text(mntns + "\n")


def test_surface_names() -> None:
    assert vs.is_surface_name("podman@5.4") and vs.is_surface_name("docker@26.1")
    assert not vs.is_surface_name("podman") and not vs.is_surface_name("@5.4")
    assert vs.slug("docker@26.1") == "docker-26.1"


def test_not_set_up_says_how(dirs: tuple[Path, Path]) -> None:
    surface = vs.load("podman@5.4")
    assert surface.reason == "not set up: scripts/versions.sh setup podman@5.4"
    assert surface.engine == "podman" and surface.socket.endswith("/podman-5.4.sock")


def test_a_recorded_failure_is_the_reason(dirs: tuple[Path, Path]) -> None:
    state, _ = dirs
    (state / "podman@5.4").mkdir()
    (state / "podman@5.4" / "unavailable").write_text("debootstrap trixie failed\n")
    assert vs.load("podman@5.4").reason == "debootstrap trixie failed"


def test_set_up_but_stopped_keeps_the_versions(dirs: tuple[Path, Path]) -> None:
    state, _ = dirs
    _set_up(state)
    surface = vs.load("podman@5.4")
    assert surface.reason.startswith("not running")
    assert surface.packages["podman"] == "5.4.2+ds1-2+b2" and surface.netns is None


def test_running_surface_has_socket_netns_and_cli(dirs: tuple[Path, Path]) -> None:
    state, run = dirs
    _set_up(state)
    _run(run, os.getpid(), os.readlink("/proc/self/ns/mnt"))
    surface = vs.load("podman@5.4")
    assert surface.reason == ""
    assert surface.pid == os.getpid() and surface.netns == str(run / "netns" / "podman-5.4")
    assert surface.url == f"unix://{run}/podman-5.4.sock"
    assert surface.cli == str(run / "bin" / "podman-5.4")


def test_a_dead_or_reused_pid_is_not_running(dirs: tuple[Path, Path]) -> None:
    state, run = dirs
    _set_up(state)
    done = subprocess.Popen(["true"])
    done.wait()
    _run(run, done.pid, os.readlink("/proc/self/ns/mnt"))
    assert vs.load("podman@5.4").reason.startswith("not running")
    # Alive, but not in the recorded namespace: a PID the kernel gave to someone else.
    _run(run, os.getpid(), "mnt:[1]")
    assert vs.load("podman@5.4").reason.startswith("not running")
