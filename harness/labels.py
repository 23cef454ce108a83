"""Resource labels (a contract): every container, volume, network and image the
harness creates carries the run and scenario it belongs to, plus its owner
(host and pid) so a later run can tell a crashed run's leftovers from a live one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from datetime import UTC, datetime

RUN = "io.harness.run"
SCENARIO = "io.harness.scenario"
OWNER = "io.harness.owner"
CACHE = "io.harness.cache"
# The engine surface that made a resource: two surfaces can share one store (podman and
# podman-docker-api), and one surface's teardown must not remove the other's containers.
ENGINE = "io.harness.engine"
PREFIX = "io.harness."


def new_run_id() -> str:
    """Sortable and unique: UTC time plus random hex."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def resource_labels(run_id: str, scenario_id: str, engine: str | None = None) -> dict[str, str]:
    labels = {RUN: run_id, SCENARIO: scenario_id, OWNER: owner()}
    if engine is not None:
        labels[ENGINE] = engine
    return labels


def short_hash(*parts: str, length: int = 8) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return digest[:length]


def resource_name(run_id: str, scenario_id: str, engine: str, name: str) -> str:
    """Unique per run, scenario and engine, so parallel workers never collide."""
    return f"h-{run_id[-6:]}-{short_hash(scenario_id, engine)}-{name}"
