"""What a compose project looks like once up: per service state, health, restarts,
published ports answering on 127.0.0.1, service names resolving between services."""

from __future__ import annotations

import socket
import time
from typing import Any

from harness.engines.base import Engine
from harness.errors import EngineError
from harness.project.compose import ComposeFile
from harness.steps.compose import PROJECT_LABEL, SERVICE_LABEL
from harness.verdict.observe import container_facts


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


def _settled(doc: dict[str, Any]) -> bool:
    facts = container_facts(doc)
    if facts["state.status"] != "running":
        return facts["state.status"] in ("exited", "dead")
    return facts["state.health"] in (None, "healthy", "unhealthy")


def wait_settled(
    engine: Engine, labels: dict[str, str], project: str, services: list[str], timeout: float
) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        docs = containers(engine, labels, project)
        if set(services) <= set(docs) and all(_settled(d) for d in docs.values()):
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
            for other in names:
                if other != name:
                    facts[f"{name}.resolves.{other}"] = resolves(engine, doc["Id"], other)
    return facts
