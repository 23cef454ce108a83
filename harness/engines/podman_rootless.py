"""The `podman-rootless` variant: the libpod API of a Podman service run by an
unprivileged user (subordinate ids, user namespace), as most workstations run it.

Opt-in (HARNESS_ROOTLESS=1, which also makes scripts/setup.sh start the service),
so `make test` stays fast. Resource limits on cgroup v1 are not refused: Podman
creates the container, warns that it ignores them ("Resource limits are not
supported and ignored on cgroups V1 rootless systems", the run step's
`STEP.warnings`) and runs it without them, which is what a scenario observes.
When it cannot be used, `info()` says why, from what the
host actually offers (user, subordinate ids, newuidmap, user namespaces, socket),
rather than a bare "connection refused".
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from harness.engines.base import EngineInfo
from harness.engines.podman import PodmanEngine

USER = os.environ.get("HARNESS_ROOTLESS_USER", "harness-rootless")


def _socket_url(user: str) -> str:
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return f"unix:///run/user/NOUSER-{user}/podman/podman.sock"
    return f"unix:///run/user/{uid}/podman/podman.sock"


def _has_subids(user: str, path: str) -> bool:
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return False
    return any(line.split(":", 1)[0] == user for line in lines)


def host_blockers(user: str = USER) -> list[str]:
    """What this host lacks for rootless Podman as `user` (empty when nothing)."""
    blockers = []
    try:
        pwd.getpwnam(user)
    except KeyError:
        blockers.append(f"no user {user!r} (HARNESS_ROOTLESS=1 bash scripts/setup.sh creates it)")
    for path in ("/etc/subuid", "/etc/subgid"):
        if not _has_subids(user, path):
            blockers.append(f"no subordinate ids for {user!r} in {path}")
    if not shutil.which("newuidmap"):
        blockers.append("no newuidmap (Debian package uidmap)")
    limits = {
        "/proc/sys/user/max_user_namespaces": "user.max_user_namespaces=0",
        "/proc/sys/kernel/unprivileged_userns_clone": "kernel.unprivileged_userns_clone=0",
    }
    for path, reason in limits.items():
        try:
            if Path(path).read_text().strip() == "0":
                blockers.append(f"user namespaces are disabled ({reason})")
        except OSError:
            continue
    return blockers


def opted_in() -> bool:
    return os.environ.get("HARNESS_ROOTLESS") == "1"


class PodmanRootlessEngine(PodmanEngine):
    """PodmanEngine against the rootless user's socket; must really be rootless."""

    name = "podman-rootless"

    @staticmethod
    def run_by_default() -> bool:
        """Part of the default engine set only when opted in (HARNESS_ROOTLESS=1)."""
        return opted_in()

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        url = url or os.environ.get("HARNESS_ROOTLESS_URL") or _socket_url(USER)
        super().__init__(url=url, name=name)

    def info(self) -> EngineInfo:
        info = super().info()
        if info.available and not info.rootless:
            return EngineInfo(
                name=self.name, available=False, url=self.url, error="the service is not rootless"
            )
        if not info.available:
            blockers = host_blockers()
            reason = "; ".join(blockers) if blockers else f"no rootless service: {info.error}"
            return EngineInfo(name=self.name, available=False, url=self.url, error=reason)
        return info

    def host_dir_owner(self) -> tuple[int, int] | None:
        """The rootless user: container root is that user on the host, so a scenario's
        `{{ tmp }}` must be theirs for a bind of it (a 0700 root directory is refused)."""
        try:
            entry = pwd.getpwnam(USER)
        except KeyError:
            return None
        return entry.pw_uid, entry.pw_gid
