"""What a compose project looks like once up: per service state, health, restarts,
published ports answering on 127.0.0.1, service names resolving between services."""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import time
from typing import Any

from harness.engines.base import Engine
from harness.errors import EngineError
from harness.project.compose import ComposeFile, Service
from harness.project.envfile import read_env
from harness.steps.compose import PROJECT_LABEL, SERVICE_LABEL
from harness.verdict.observe import container_facts, health_doc


def containers(engine: Engine, labels: dict[str, str], project: str) -> dict[str, dict[str, Any]]:
    """service -> inspect document of its (first) container in `project`."""
    found: dict[str, dict[str, Any]] = {}
    for cid in engine.list_labelled(labels)["containers"]:
        try:
            doc = engine.inspect_container(cid)
        except EngineError:
            continue
        own = (doc.get("Config") or {}).get("Labels") or {}
        if own.get(PROJECT_LABEL) == project and SERVICE_LABEL in own:
            found.setdefault(str(own[SERVICE_LABEL]), doc)
    return found


GRACE_S = 5.0  # how late an engine's first scheduled health check may be, under load


def unscheduled(doc: dict[str, Any], waited: float) -> bool:
    """`starting` with no check ever run, long after the first was due (twice the
    interval, plus grace): the engine does not schedule it (Podman without systemd
    timers), so waiting out the timeout would observe nothing more."""
    state = doc.get("State") or {}
    if health_doc(state).get("Log"):
        return False
    check = (doc.get("Config") or {}).get("Healthcheck") or {}
    interval = float(check.get("Interval") or 30_000_000_000) / 1e9
    start = float(check.get("StartPeriod") or 0) / 1e9
    return waited >= start + 2 * interval + GRACE_S


def _settled(doc: dict[str, Any], waited: float) -> bool:
    facts = container_facts(doc)
    if facts["state.status"] != "running":
        return facts["state.status"] in ("exited", "dead")
    health = facts["state.health"]
    return health in (None, "healthy", "unhealthy") or unscheduled(doc, waited)


def wait_settled(
    engine: Engine, labels: dict[str, str], project: str, services: list[str], timeout: float
) -> dict[str, dict[str, Any]]:
    started = time.monotonic()
    deadline = started + timeout
    while True:
        docs = containers(engine, labels, project)
        waited = time.monotonic() - started
        if set(services) <= set(docs) and all(_settled(d, waited) for d in docs.values()):
            return docs
        if time.monotonic() >= deadline:
            return docs
        time.sleep(0.5)


def tcp_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def resolves(engine: Engine, cid: str, name: str) -> bool:
    try:
        done = engine.exec(cid, ["nslookup", name])
    except EngineError:
        return False
    return done.exit_code == 0


def resolve_all(engine: Engine, cid: str, names: list[str]) -> dict[str, bool]:
    """Does each name resolve inside `cid`? One exec through the image's `sh` for all of
    them (an exec costs most of a second on a busy Podman); a name the script did not
    report (no sh in the image) is asked on its own."""
    script = "; ".join(
        f"if nslookup {shlex.quote(n)} >/dev/null 2>&1; then echo {shlex.quote(n)}=1; "
        f"else echo {shlex.quote(n)}=0; fi"
        for n in names
    )
    answers: dict[str, bool] = {}
    with contextlib.suppress(EngineError):
        done = engine.exec(cid, ["sh", "-c", script])
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            name, sep, value = line.rpartition("=")
            if sep and name in names and value in ("0", "1"):
                answers[name] = value == "1"
    return {n: answers[n] if n in answers else resolves(engine, cid, n) for n in names}


def volume_facts(engine: Engine, cid: str, name: str, targets: list[str]) -> dict[str, Any]:
    """Entries and owner of each named-volume mount point: was the image's content
    copied into the new volume, and who owns it (a non-root service must write)."""
    facts: dict[str, Any] = {}
    for target in targets:
        try:
            done = engine.exec(cid, ["sh", "-c", f"stat -c %u:%g {target}; ls -A {target}"])
        except EngineError:
            continue
        lines = done.stdout.decode("utf-8", "replace").split()
        facts[f"{name}.volume.{target}"] = {"owner": lines[:1], "entries": sorted(lines[1:])}
    return facts


def declared_env(compose: ComposeFile, service: Service) -> list[str]:
    """The variable names the project gives a service (`environment` and its
    `env_file`s): the ones whose values the engines must agree on. Engine-added ones
    (`container=podman`, TERM, HOSTNAME) are the library's subject (env.*), not the
    project's."""
    names: list[str] = []
    env = service.raw.get("environment")
    if isinstance(env, dict):
        names += [str(k) for k in env]
    elif isinstance(env, list):
        names += [str(item).partition("=")[0] for item in env]
    for full in service.env_file_paths(compose.path):
        if os.path.isfile(full):
            names += [e.key for e in read_env(full)]
    return sorted(set(names))


def config_facts(
    compose: ComposeFile, name: str, doc: dict[str, Any], seen: dict[str, Any]
) -> dict[str, Any]:
    """What the compose tool handed the engine for a service: the values of the
    project's own variables (quotes kept or stripped), and the stop timeout where the
    service sets `stop_grace_period` (the wait before SIGKILL on every later stop).
    `seen`: the container's facts (`container_facts`) already read from `doc`."""
    service = compose.services[name]
    config = doc.get("Config") or {}
    env = seen["config.env"]
    facts: dict[str, Any] = {
        f"{name}.env.{key}": env.get(key) for key in declared_env(compose, service)
    }
    if "stop_grace_period" in service.raw:
        facts[f"{name}.stop_timeout"] = config.get("StopTimeout")
    return facts


def service_facts(
    engine: Engine, compose: ComposeFile, docs: dict[str, dict[str, Any]], names: list[str]
) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name in names:
        service = compose.services[name]
        doc = docs.get(name)
        if doc is None:
            facts[f"{name}.state"] = "missing"
            continue
        seen = container_facts(doc)
        facts[f"{name}.state"] = seen["state.status"]
        facts.update(config_facts(compose, name, doc, seen))
        facts[f"{name}.health"] = seen["state.health"]
        facts[f"{name}.restarts"] = seen["restart_count"]
        facts[f"{name}.exit_code"] = (
            seen["state.exit_code"] if seen["state.status"] != "running" else None
        )
        for port in service.ports:
            number = port.published_number()
            if number is not None:
                facts[f"{name}.ports.{number}"] = tcp_answers(number)
        if seen["state.status"] == "running":
            named = [m.target for m in service.volumes if m.type == "volume" and m.source]
            facts.update(volume_facts(engine, doc["Id"], name, named))
            others = [other for other in names if other != name]
            for other, ok in resolve_all(engine, doc["Id"], others).items():
                facts[f"{name}.resolves.{other}"] = ok
    return facts
