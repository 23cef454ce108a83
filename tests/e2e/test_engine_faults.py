"""Engine faults, for real: a Podman service killed in the middle of a run, and a
container that hangs. The shared engines are never stopped: the fault test runs
its own `podman system service` on a private socket (same storage) and kills that."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.engines import create_engine
from harness.labels import OWNER
from harness.results.document import validate
from tests.e2e.crash_support import (
    BOTH,
    ROOT,
    count_owned,
    hang_scenario,
    harness,
    owner_of,
    start_run,
    wait_until,
)

pytestmark = [pytest.mark.engine, pytest.mark.slow]
CONTAINERS_CONF = Path("/var/lib/harness/containers.conf")
# The setup's offline safety net (docs/engines.md): a second service forwards to loopback too.
OFFLINE_RESOLV = Path("/var/lib/harness/resolv.conf")
OFFLINE_NS = Path(__file__).resolve().parents[2] / "scripts" / "offline-ns.sh"


@pytest.fixture
def private_podman(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A second Podman API service on its own socket, ours to kill."""
    socket_path = Path(f"/tmp/harness-fault-{os.getpid()}.sock")
    env = dict(os.environ)
    if CONTAINERS_CONF.exists():
        env["CONTAINERS_CONF"] = str(CONTAINERS_CONF)
    offline = ["bash", str(OFFLINE_NS), str(OFFLINE_RESOLV)] if OFFLINE_RESOLV.exists() else []
    service = subprocess.Popen(
        [*offline, "podman", "system", "service", "--time=0", f"unix://{socket_path}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"unix://{socket_path}"
    wait_until(socket_path.exists, 60, "the private podman socket")
    probe = create_engine("podman", url)
    try:
        wait_until(lambda: probe.info().available, 30, "the private podman service")
    finally:
        probe.close()
    yield url, service
    if service.poll() is None:
        os.killpg(service.pid, signal.SIGKILL)
        service.wait()
    socket_path.unlink(missing_ok=True)


def test_daemon_killed_mid_run(
    private_podman: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, service = private_podman
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    hang_scenario(scenarios, "a-hang", timeout=8)  # docker finishes it after 8 s
    (scenarios / "b-after.yaml").write_text(
        (ROOT / "scenarios/entrypoint/exec-entry-exec-cmd.yaml").read_text()
    )
    out = tmp_path / "out"
    proc = start_run(
        str(scenarios), "--engine", "docker", "--engine", "podman",
        "--url", f"podman={url}", "-j", "2", "-q", "--out", str(out),
    )  # fmt: skip
    own = owner_of(proc.pid)
    shared = create_engine("podman")  # the same storage, through the shared service
    docker = create_engine("docker")
    try:
        wait_until(
            lambda: bool(shared.list_labelled({OWNER: own})["containers"]), 120, "a container"
        )
        os.killpg(service.pid, signal.SIGKILL)  # the daemon dies mid-scenario
        service.wait()
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 3, stdout + stderr
        assert "Traceback" not in stderr
        document = json.loads((out / "results.json").read_text())
        validate(document)
        assert (out / "report.html").stat().st_size > 0
        by_id = {s["id"]: s for s in document["scenarios"]}
        assert len(by_id) == 2
        for scenario in by_id.values():
            podman = scenario["engines"]["podman"]
            assert podman["status"] == "error", scenario["id"]
            assert podman["error"], scenario["id"]
            assert scenario["engines"]["docker"]["status"] in ("pass", "fail"), scenario["id"]
            assert scenario["verdict"] == "error"
        assert "went away" in by_id["entrypoint.exec-entry-exec-cmd"]["engines"]["podman"]["error"]
        engines = {e["name"]: e for e in document["engines"]}
        assert "went away during the run" in (engines["podman"]["error"] or "")
        assert count_owned(docker, own) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        # What the dead daemon left in the shared storage (its conmon keeps running).
        for engine in (shared, docker):
            engine.remove_labelled({OWNER: own})
        assert count_owned(shared, own) == 0
        shared.close()
        docker.close()


def _run_erroring(tmp_path: Path, text: str, *engines: str) -> dict[str, Any]:
    """Run one scenario file; the run must exit 3 (an error); its only scenario result."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    done = harness("run", str(scenario), *engines, "-q", "--out", str(tmp_path / "out"))
    assert done.returncode == 3, done.stdout + done.stderr
    document = json.loads((tmp_path / "out" / "results.json").read_text())
    (result,) = document["scenarios"]
    return dict(result)


def test_hung_exec_is_killed_and_the_verdict_says_so(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run_erroring(
        tmp_path,
        """\
schema: 1
id: safety.hung-exec
area: safety
title: An exec that never returns
refs: [https://docs.docker.com/reference/cli/docker/container/exec/]
steps:
  - run: {name: box, image: base, command: [sleep, "300"], detach: true}
  - exec: {name: stuck, container: box, command: [sleep, "300"], timeout: 3}
expect:
  stuck.exit_code: 0
""",
        *BOTH,
    )
    assert time.monotonic() - started < 120, "the hung step was not cut short"
    assert result["verdict"] == "error"
    for name, outcome in result["engines"].items():
        assert outcome["status"] == "error", name
        assert "step 'stuck' timed out; its container was killed" in outcome["error"], name
        assert outcome["observations"]["stuck.timed_out"] is True
        assert outcome["leftovers"] == []


def test_scenario_timeout_bounds_the_whole_scenario(tmp_path: Path) -> None:
    """Each step is within its own timeout, the scenario is not: it ends at its own."""
    result = _run_erroring(
        tmp_path,
        """\
schema: 1
id: safety.scenario-timeout
area: safety
title: A wait longer than the scenario's own timeout
refs: [https://docs.docker.com/reference/cli/docker/container/wait/]
timeout: 3
steps:
  - run: {name: box, image: base, command: [sleep, "300"], detach: true}
  - wait: {name: long, container: box, for: exited, timeout: 200}
  - inspect: {name: after, container: box}
expect:
  long.reached: true
""",
        "--engine",
        "docker",
    )
    outcome = result["engines"]["docker"]
    assert outcome["status"] == "error"
    # The watchdog ends the step that was running at the deadline (its container is
    # killed and removed) and names it; the step after it never runs.
    assert "exceeded its timeout (3 s) during step 'long'" in outcome["error"]
    assert "after.state.status" not in outcome["observations"]
    assert outcome["duration_s"] < 30
    assert outcome["leftovers"] == []
