"""Resource labels (a contract): every container, volume, network and image the
harness creates carries the run and scenario it belongs to, plus its owner
(`host:pid:starttime`) so a later run can tell a crashed run's leftovers from a
live one, even after the pid has been reused by another process.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from datetime import UTC, datetime
from pathlib import Path

RUN = "io.harness.run"
SCENARIO = "io.harness.scenario"
OWNER = "io.harness.owner"
CACHE = "io.harness.cache"
# The engine surface that made a resource: two surfaces can share one store (podman and
# podman-docker-api), and one surface's teardown must not remove the other's containers.
ENGINE = "io.harness.engine"
# Run, scenario and engine in one value: the one label a server-side filter needs
# (a volume prune), since Podman before 4.6 ORs several label filters on volumes.
SCOPE = "io.harness.scope"
PREFIX = "io.harness."
# The test session (or CI job) that built a cache image, from HARNESS_SESSION: a session
# removes the images it built and never those of another session on the same engines.
SESSION = "io.harness.session"


def session_labels() -> dict[str, str]:
    """{SESSION: value} when HARNESS_SESSION is set, else nothing."""
    session = os.environ.get("HARNESS_SESSION", "")
    return {SESSION: session} if session else {}


def new_run_id() -> str:
    """Sortable and unique: UTC time plus random hex."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat (clock ticks since boot); None when the pid is gone.

    Together with the pid it names one process for the life of the host: a
    reused pid has a different start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def owner() -> str:
    """`host:pid:starttime` of this process."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start_time(pid) or 0}"


def resource_labels(run_id: str, scenario_id: str, engine: str | None = None) -> dict[str, str]:
    labels = {RUN: run_id, SCENARIO: scenario_id, OWNER: owner()}
    if engine is not None:
        labels[ENGINE] = engine
        labels[SCOPE] = f"{run_id}/{scenario_id}/{engine}"
    return labels


def short_hash(*parts: str, length: int = 8) -> str:
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return digest[:length]


def resource_name(run_id: str, scenario_id: str, engine: str, name: str) -> str:
    """Unique per run, scenario and engine, so parallel workers never collide."""
    return f"h-{run_id[-6:]}-{short_hash(scenario_id, engine)}-{name}"
