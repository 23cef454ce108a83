"""Run one image on one engine and observe it: exit, health, ports, logs, stop.

Observed until the container exits, is healthy (or unhealthy), its exposed ports all
answer, or the timeout. When an engine does not schedule an image's healthcheck
(Podman without systemd), the harness runs it itself at its interval through the
engine's `healthcheck_run`, and the result says so (`health_driver: harness`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.engines.base import ContainerSpec, Engine
from harness.errors import EngineError

MAX_LOG = 4000
SETTLE_S = 2.0


@dataclass
class Watch:
    """What the observation loop knows about one running container."""

    engine: Engine
    cid: str
    health_interval: float | None
    ports: list[int]
    started: float = field(default_factory=time.monotonic)
    driver: str | None = None
    last_run: float = 0.0
    answered: dict[int, bool] = field(default_factory=dict)


def _interval(config: dict[str, Any]) -> float | None:
    health = config.get("Healthcheck")
    if not health or not health.get("Test") or health["Test"][0] == "NONE":
        return None
    return float(health.get("Interval") or 30_000_000_000) / 1e9


def _tcp_ports(config: dict[str, Any]) -> list[int]:
    return sorted(int(p.split("/")[0]) for p in config.get("ExposedPorts") or {} if "udp" not in p)


def probe_port(engine: Engine, cid: str, port: int) -> bool:
    """Does `port` accept a TCP connection inside the container's network namespace?

    busybox `nc` has no `-z`: connecting with stdin at EOF exits 0 only on a connect."""
    try:
        done = engine.exec(cid, ["sh", "-c", f"nc -w 1 127.0.0.1 {port} </dev/null"])
    except EngineError:
        return False
    return done.exit_code == 0


def _health(watch: Watch, state: dict[str, Any]) -> str | None:
    health = state.get("Health") or state.get("Healthcheck") or {}
    status = health.get("Status") or None
    if watch.health_interval is None:
        return None
    now = time.monotonic()
    scheduled = bool(health.get("Log"))
    if watch.driver is None and scheduled:
        watch.driver = "engine"
    late = now - watch.started > watch.health_interval + 2
    if watch.driver != "engine" and late and now - watch.last_run >= watch.health_interval:
        watch.driver = "harness"
        watch.last_run = now
        try:
            return watch.engine.healthcheck_run(watch.cid).status or status
        except EngineError:
            return status
    return status


def _done(watch: Watch, state: dict[str, Any], health: str | None) -> bool:
    if state.get("Status") == "stopping":  # libpod, transitional: read it again
        return False
    if state.get("Status") not in ("running", "created"):
        return True
    if watch.health_interval is not None:
        return health in ("healthy", "unhealthy")
    for port in watch.ports:
        if not watch.answered.get(port):
            watch.answered[port] = probe_port(watch.engine, watch.cid, port)
    if watch.ports:
        return all(watch.answered.values())
    return time.monotonic() - watch.started >= SETTLE_S


def _loop(watch: Watch, timeout: float) -> dict[str, Any]:
    deadline = watch.started + timeout
    health: str | None = None
    state: dict[str, Any] = {}
    while True:
        state = watch.engine.inspect_container(watch.cid).get("State") or {}
        health = _health(watch, state)
        if _done(watch, state, health) or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    # libpod says "stopped" for an exited container whose cleanup has not run yet.
    status = "exited" if state.get("Status") == "stopped" else state.get("Status")
    return {
        "state": status,
        "exit_code": state.get("ExitCode") if status == "exited" else None,
        "timed_out": time.monotonic() >= deadline,
        "health": health,
        "health_driver": watch.driver,
        "oom_killed": state.get("OOMKilled"),
        "seconds_to_settle": round(time.monotonic() - watch.started, 2),
    }


def _ports_answer(watch: Watch, state: str | None) -> dict[str, bool | None]:
    """Per EXPOSEd port: True (answered), False (running and silent) or None (not
    observed). A probe of a container that ended meanwhile fails whatever the port
    would have done, so a False from it is None: which side of the exit the first probe
    fell on is timing, not a difference between engines."""
    running = state == "running"
    return {
        str(p): True if watch.answered.get(p) else (watch.answered.get(p) if running else None)
        for p in watch.ports
    }


def _stop(engine: Engine, cid: str) -> dict[str, Any]:
    started = time.monotonic()
    engine.stop(cid, timeout=10)
    seconds = round(time.monotonic() - started, 2)
    state = engine.inspect_container(cid).get("State") or {}
    return {"stop_seconds": seconds, "stop_exit_code": state.get("ExitCode")}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")[-MAX_LOG:]


def observe(
    engine: Engine, spec: ContainerSpec, config: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Create, start, watch, stop; the facts, always with the container removed."""
    cid = engine.create_container(spec)
    try:
        engine.start(cid)
        watch = Watch(engine, cid, _interval(config), _tcp_ports(config))
        facts = _loop(watch, timeout)
        if facts["state"] == "running":
            for port in watch.ports:
                watch.answered.setdefault(port, probe_port(engine, cid, port))
            facts.update(_stop(engine, cid))
        facts["ports_answer"] = _ports_answer(watch, facts["state"])
        stdout, stderr = engine.logs(cid)
        facts["stdout"], facts["stderr"] = _text(stdout), _text(stderr)
        return facts
    finally:
        engine.remove_container(cid, force=True)
