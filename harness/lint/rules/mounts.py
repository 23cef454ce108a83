"""Mounts: SELinux labels, bind sources that do not exist, named-volume ownership."""

from __future__ import annotations

import os
from collections.abc import Iterator

from harness.lint.inputs import Inputs
from harness.lint.registry import DIFFERS, INFO, Hit, rule
from harness.lint.rules._util import final_user, is_nonroot
from harness.lint.rules.network import SOCKETS

LABELS = ("z", "Z")


@rule(
    "PM601",
    "bind-without-selinux-label",
    "Bind mount without :z/:Z: denied on SELinux-enforcing hosts",
    INFO,
    {"podman": ""},
    "Add `:z` (shared) or `:Z` (private) to the bind mount, or `bind: {selinux: z}`.",
    "https://github.com/containers/podman/issues/10779",
)
def bind_selinux(inputs: Inputs) -> Iterator[Hit]:
    """On Fedora, RHEL and other SELinux-enforcing hosts a container cannot read or write
    a bind-mounted directory until it is relabelled: "Permission denied" even as root.
    Docker users on Ubuntu never needed the label. Host-dependent: harmless elsewhere."""
    for compose, service in inputs.services():
        for mount in service.volumes:
            if mount.type != "bind" or mount.source in SOCKETS:
                continue
            if not mount.selinux and not set(mount.options) & set(LABELS):
                yield Hit(
                    compose.locate(mount.path),
                    f"bind {mount.source}:{mount.target} has no :z/:Z label",
                )


@rule(
    "PM602",
    "bind-source-missing",
    "Bind source that does not exist: Docker creates it, `podman run -v` refuses it",
    DIFFERS,
    {"podman": ""},
    "Create the directory before starting (commit it with a .gitkeep, or `mkdir -p`).",
    "https://github.com/containers/podman/issues/10471",
    ("volumes.bind-missing",),
)
def bind_missing(inputs: Inputs) -> Iterator[Hit]:
    """Docker's `-v ./dir:/x` creates a missing host directory (owned by root). Podman
    refuses it by design (`statfs ...: no such file or directory`); podman-compose and
    Podman's Docker-compatible API create it, scripts calling `podman run -v` fail."""
    for compose, service in inputs.services():
        base = os.path.dirname(compose.path) or "."
        for mount in service.volumes:
            source = mount.source or ""
            if mount.type != "bind" or not source.startswith("."):
                continue
            if not os.path.exists(os.path.join(base, source)):
                yield Hit(
                    compose.locate(mount.path),
                    f"bind source {source} does not exist: `podman run -v` refuses it",
                )


@rule(
    "PM603",
    "named-volume-nonroot",
    "Named volume used by a non-root user: its ownership has differed across Podman versions",
    DIFFERS,
    {"podman": ""},
    "Create and chown the mount point in the image so copy-up gives the user ownership.",
    "https://github.com/containers/podman/issues/7988",
    ("volumes.nonroot-ownership", "volumes.copy-up"),
)
def named_volume_nonroot(inputs: Inputs) -> Iterator[Hit]:
    """Docker copies the image directory (and its owner) into an empty named volume.
    Older Podman left new volumes owned by root and later releases chown them to the
    container user, so a non-root service may write to its volume on one engine only."""
    for compose, service in inputs.services():
        user = service.raw.get("user") or final_user(inputs.service_dockerfile(compose, service))
        if not is_nonroot(None if user is None else str(user)):
            continue
        for mount in service.volumes:
            if mount.type == "volume" and mount.source:
                yield Hit(
                    compose.locate(mount.path),
                    f"named volume {mount.source} used by user {user}: owner differs "
                    "between engine versions",
                )


@rule(
    "PM604",
    "bind-nonroot-rootless",
    "Bind mount written by a non-root user: rootless Podman maps the host owner away",
    DIFFERS,
    {"podman": ""},
    "Add `:U` to the bind (Podman chowns it to the container user) or run with "
    "`userns_mode: keep-id`; on Docker, chown the host directory to the uid.",
    "https://github.com/containers/podman/issues/3990",
    ("volumes.nonroot-ownership",),
)
def bind_nonroot(inputs: Inputs) -> Iterator[Hit]:
    """Under rootless Podman, root in the container is the invoking user and other uids map
    to subordinate ids: files the user owns on the host appear as root's inside, and a
    container uid 1000 neither owns them nor writes there; what it creates shows on the
    host as 100999. Rootful Docker shows host uids unchanged."""
    for compose, service in inputs.services():
        user = service.raw.get("user") or final_user(inputs.service_dockerfile(compose, service))
        if not is_nonroot(None if user is None else str(user)):
            continue
        for mount in service.volumes:
            if mount.type == "bind" and "ro" not in mount.options and "U" not in mount.options:
                yield Hit(
                    compose.locate(mount.path),
                    f"bind {mount.source} written by user {user}: ownership differs under "
                    "rootless Podman",
                )
