"""Helpers for tests that kill real `harness run` processes and daemons."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness.engines import create_engine
from harness.engines.base import Engine
from harness.labels import OWNER, process_start_time

ROOT = Path(__file__).resolve().parents[2]
PODMAN_SOCKET = "unix:///run/podman/podman.sock"
BOTH = ("--engine", "docker", "--engine", "podman")

HANG = """\
schema: 1
id: safety.{name}
area: safety
title: A container that outlives its step, with a volume and a network
refs: [https://docs.docker.com/reference/cli/docker/container/wait/]
volumes:
  data: {{}}
networks:
  net: {{}}
steps:
  - run: {{name: sleeper, image: base, command: [sleep, "300"], detach: true, network: net,
          mounts: [{{type: volume, source: data, target: /data}}]}}
  - wait: {{name: done, container: sleeper, for: exited, timeout: {timeout}}}
expect:
  done.reached: false
"""


def hang_scenario(directory: Path, name: str = "hang", timeout: int = 120) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(HANG.format(name=name, timeout=timeout))
    return path


def start_run(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def harness(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def owner_of(pid: int) -> str:
    """The owner label a harness process with this pid puts on its resources."""
    for _ in range(50):
        start = process_start_time(pid)
        if start is not None:
            return f"{socket.gethostname()}:{pid}:{start}"
        time.sleep(0.1)
    raise AssertionError(f"process {pid} vanished")


def engines(podman_url: str = PODMAN_SOCKET) -> list[Engine]:
    return [create_engine("docker"), create_engine("podman", podman_url)]


def count_owned(engine: Engine, owner: str) -> int:
    return sum(len(ids) for ids in engine.list_labelled({OWNER: owner}).values())


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def wait_for_containers(owner: str, targets: list[Engine], proc: subprocess.Popen[str]) -> None:
    """Until every engine runs a container of this owner (the run is mid-scenario)."""

    def ready() -> bool:
        assert proc.poll() is None, proc.communicate()
        return all(t.list_labelled({OWNER: owner})["containers"] for t in targets)

    wait_until(ready, 120, "the run's containers")


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> tuple[str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    return out, err
