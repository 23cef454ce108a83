"""Waits: how long after the engine's state change the harness notices it.

Each sample is a one-off scenario run through the harness's own step handlers
(a detached `run`, then a `wait`); the time the wait step returns is compared
with the engine's record of the change:
- healthy (Docker, healthcheck interval 1 s): the `End` of the first passing
  check in State.Health.Log. Podman runs no checks by itself without systemd,
  so there is nothing to notice there (see lifecycle.healthcheck-wait).
- exited (both engines): State.FinishedAt. Alongside, the same latency for a
  second thread inspecting every 10 ms (the floor any poller can reach): under
  load the engine itself shows the exit late, which is not the harness's lag.
- port (Podman): the container writes /proc/uptime (a host-wide clock) just
  before `httpd` binds; the host's uptime at the moment the wait returns is the
  other end. Not measured on Docker: its userland proxy accepts a loopback
  connection before anything listens in the container, so the wait returns at
  once (a finding about the port wait, reported separately).
Each sample sleeps a different fraction of a second, so the change lands at
varying points of the poll schedule.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Settings, each_engine, engine_session, median
from benchmarks.scenarios import write
from harness.engines.base import Engine
from harness.errors import EngineError
from harness.labels import new_run_id, resource_labels
from harness.model.loader import BASE_IMAGE, LoadedScenario, load_all
from harness.run.images import ImageCache
from harness.run.janitor import sweep_scenario
from harness.steps import KINDS, StepContext
from harness.steps import waits as harness_waits
from harness.verdict.observe import health_doc

TARGET_MS = 250.0
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?")


def parse_time(text: str) -> float:
    """An engine timestamp (nanosecond fraction, Z or offset) as epoch seconds."""
    m = _STAMP.match(text)
    if not m:
        raise ValueError(f"unparsable timestamp {text!r}")
    fraction = (m.group(2) or "0")[:6].ljust(6, "0")
    zone = (m.group(3) or "Z").replace("Z", "+00:00")
    return datetime.fromisoformat(f"{m.group(1)}.{fraction}{zone}").timestamp()


def _scenario(kind: str, delay: float) -> dict[str, Any]:
    script = {
        "healthy": f"sleep {delay}; touch /ready; exec sleep 120",
        "exited": f"sleep {delay}",
        "port": f"sleep {delay}; cat /proc/uptime > /uptime; exec httpd -f -p 8080",
    }[kind]
    run: dict[str, Any] = {
        "name": "c",
        "image": "base",
        "command": ["sh", "-c", script],
        "detach": True,
    }
    wait: dict[str, Any] = {"name": "w", "container": "c", "for": kind, "timeout": 20}
    if kind == "healthy":
        run["healthcheck"] = {
            "test": "test -f /ready",
            "interval": 1,
            "timeout": 1,
            "retries": 3,
        }
    if kind == "port":
        run["ports"] = {"8080/tcp": 0}
        wait["port"] = "8080/tcp"
    return {
        "schema": 1,
        "id": f"bench.wait-{kind}",
        "area": "bench",
        "title": f"wait for {kind}",
        "refs": ["https://docs.docker.com/reference/api/engine/"],
        "steps": [{"run": run}, {"wait": wait}],
    }


def _first_seen_exited(engine: Engine, cid: str, seen: list[float]) -> None:
    """Inspect every 10 ms: when the API first shows the exit (the engine's floor)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if harness_waits.status(engine.inspect_container(cid)) in harness_waits.EXITED:
            seen.append(time.time())
            return
        time.sleep(0.01)


def _host_uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def sample(
    engine: Engine, base: str, loaded: LoadedScenario, kind: str, floors: list[float]
) -> float | None:
    """Latency in ms of one wait, or None when it was never reached.

    For `exited`, what a 10 ms inspect loop saw is appended to `floors`."""
    run_id = new_run_id()
    scenario = loaded.scenario
    ctx = StepContext(
        engine=engine,
        loaded=loaded,
        run_id=run_id,
        labels=resource_labels(run_id, scenario.id, engine.name),
        images={BASE_IMAGE: base},
    )
    engine_saw: list[float] = []
    try:
        KINDS["run"].run(ctx, scenario.steps[0].spec)
        cid = ctx.container("c")
        watcher = threading.Thread(target=_first_seen_exited, args=(engine, cid, engine_saw))
        if kind == "exited":
            watcher.start()
        KINDS["wait"].run(ctx, scenario.steps[1].spec)
        noticed, noticed_uptime = time.time(), _host_uptime()
        if kind == "exited":
            watcher.join(30)
        if not ctx.observations.get("w.reached"):
            return None
        state = engine.inspect_container(cid).get("State") or {}
        if kind == "healthy":
            log = health_doc(state).get("Log") or []
            passed = [e for e in log if e.get("ExitCode") == 0]
            return (noticed - parse_time(passed[0]["End"])) * 1000 if passed else None
        if kind == "exited":
            finished = parse_time(str(state["FinishedAt"]))
            if engine_saw:
                floors.append((engine_saw[0] - finished) * 1000)
            return (noticed - finished) * 1000
        listened = engine.exec(cid, ["cat", "/uptime"]).stdout.decode().split()
        return (noticed_uptime - float(listened[0])) * 1000 if listened else None
    except (EngineError, KeyError, ValueError, IndexError):
        return None
    finally:
        sweep_scenario(engine, run_id, scenario.id)


def run(cfg: Settings) -> list[Figure]:
    figures = [
        Figure("waits", "-", "poll backoff: first delay", harness_waits.FIRST_DELAY * 1000, "ms"),
        Figure("waits", "-", "poll backoff: longest delay", harness_waits.MAX_DELAY * 1000, "ms"),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="harness-bench-"))
    try:

        def measure(name: str) -> list[Figure]:
            with engine_session(name) as engine:
                base = ImageCache(engine, new_run_id()).base()
                kinds = ["healthy", "exited"] if name == "docker" else ["exited", "port"]
                return [_kind(engine, base, tmp, kind, cfg.wait_samples) for kind in kinds]

        figures += each_engine("waits", cfg.engines, measure)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def _kind(engine: Engine, base: str, tmp: Path, kind: str, samples: int) -> Figure:
    values: list[float] = []
    floors: list[float] = []
    missed = 0
    for i in range(samples):
        delay = round(1.0 + 0.137 * i, 3)
        directory = tmp / f"{engine.name}-{kind}-{i}"
        loaded = load_all(write(directory, [_scenario(kind, delay)]))[0]
        got = sample(engine, base, loaded, kind, floors)
        if got is None:
            missed += 1
        else:
            values.append(got)
    value = median(values)
    note = f"{len(values)} samples, max {max(values, default=float('nan')):.0f} ms"
    if missed:
        note += f", {missed} not reached"
    if floors:
        note += f"; a 10 ms inspect loop: median {median(floors):.0f} ms"
    return Figure(
        "waits",
        engine.name,
        f"notice latency, {kind} (median)",
        value,
        "ms",
        f"<= {TARGET_MS:.0f}",
        value <= TARGET_MS,
        note,
    )
