"""Where a version surface (scripts/versions.sh) lives, read from the files it writes.

An adapter for `podman@5.4` or `docker@26.1` needs the API socket, the network
namespace its host-side probes must run in, the surface's own CLI, and the exact
package versions for the fingerprint; or, when the surface cannot be used, the reason.
Reading the files keeps this free of subprocesses and root: the adapter pings the
socket itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = Path(os.environ.get("HARNESS_VERSIONS_DIR", "/var/lib/harness/versions"))
RUN_DIR = Path(os.environ.get("HARNESS_VERSIONS_RUN", "/run/harness/versions"))
# The host directory every surface sees at the same path (scripts/versions.sh SHARED).
SHARED_DIR = Path(os.environ.get("HARNESS_VERSIONS_SHARED", "/var/tmp/harness-shared"))


def is_surface_name(name: str) -> bool:
    """`podman@5.4`-style engine names are version surfaces."""
    engine, _, version = name.partition("@")
    return bool(engine) and bool(version)


def slug(name: str) -> str:
    return name.replace("@", "-")


@dataclass(frozen=True)
class VersionSurface:
    """One surface as set up and (maybe) running; `reason` is empty when usable."""

    name: str
    engine: str
    socket: str
    netns: str | None = None
    cli: str | None = None
    pid: int | None = None
    packages: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    shared: str | None = None  # a host directory the surface sees at the same path

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _running(state: dict[str, Any] | None) -> bool:
    """The recorded engine PID still runs in the mount namespace it was started in.

    The mount namespace, not the network one: Podman 5.4's main thread ends up in a
    container's network namespace, so /proc/PID/ns/net stops naming the surface's.
    """
    if state is None or not isinstance(state.get("pid"), int):
        return False
    try:
        recorded = (RUN_DIR / f"{slug(str(state['surface']))}.mntns").read_text().strip()
        return os.readlink(f"/proc/{state['pid']}/ns/mnt") == recorded
    except OSError:
        return False


def _unavailable(name: str) -> str:
    try:
        return (STATE_DIR / name / "unavailable").read_text().strip()
    except OSError:
        return ""


def load(name: str) -> VersionSurface:
    """The surface called `name`, with the reason it cannot be used, if any."""
    engine = name.partition("@")[0]
    socket = str(RUN_DIR / f"{slug(name)}.sock")
    versions = _read_json(STATE_DIR / name / "versions.json")
    if versions is None:
        reason = _unavailable(name) or f"not set up: scripts/versions.sh setup {name}"
        return VersionSurface(name, engine, socket, reason=reason)
    packages = {str(k): str(v) for k, v in dict(versions.get("packages", {})).items()}
    state = _read_json(RUN_DIR / f"{slug(name)}.json")
    if state is None or not _running(state):
        reason = _unavailable(name) or f"not running: scripts/versions.sh start {name}"
        return VersionSurface(name, engine, socket, packages=packages, reason=reason)
    return VersionSurface(
        name,
        engine,
        str(state.get("socket", socket)),
        netns=str(state["netns"]),
        cli=str(state["cli"]),
        pid=int(state["pid"]),
        packages=packages,
        shared=str(state["shared"]) if state.get("shared") else None,
    )


def running_netns() -> list[str]:
    """The network namespace files of every surface running now (their links are swept
    there: a killed run's parent link would otherwise stay until the surface stops)."""
    found = []
    for path in sorted(RUN_DIR.glob("*.json")):
        state = _read_json(path)
        if state is not None and state.get("netns") and _running(state):
            found.append(str(state["netns"]))
    return found
