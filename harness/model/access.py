"""Kinds of host access and the `Concern` that names one, at its place in a file.

Each kind but two is refused at load time unless its `--allow-*` flag is given
(`FLAGS`), and flagged in every report when it is. Host networking is always
allowed (the host driver is part of the library) and always flagged. `FORBIDDEN`
has no flag: overriding the harness's `io.harness.*` labels, options no CLI of the
table knows, a `--pull` other than `never`, an image reference that reads as an
option, and the like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.errors import Location

TMP = re.compile(r"^\{\{ ?tmp ?\}\}(/|$)")
Where = tuple[str | int, ...]

HOST_BIND = "host-bind"
PRIVILEGED = "privileged"
HOST_NAMESPACE = "host-namespace"
DEVICE = "device"
CAPABILITY = "capability"
SECURITY_OPT = "security-opt"
HOST_ENV = "host-env"
HOST_NETWORK = "host-network"
FORBIDDEN = "forbidden"

FLAGS: dict[str, str] = {
    HOST_BIND: "--allow-host-binds",
    PRIVILEGED: "--allow-privileged",
    HOST_NAMESPACE: "--allow-host-namespaces",
    DEVICE: "--allow-devices",
    CAPABILITY: "--allow-capabilities",
    SECURITY_OPT: "--allow-security-opts",
    HOST_ENV: "--allow-host-env",
}
ALWAYS_ALLOWED = frozenset({HOST_NETWORK})
KINDS = (*FLAGS, HOST_NETWORK, FORBIDDEN)
HARNESS_LABEL_PREFIX = "io.harness"


@dataclass(frozen=True)
class Concern:
    """One way a step reaches the host: where, what kind (a policy flag), and in words.

    `where` is a path in the scenario file; `at`, when set, is an exact place in
    another file (a compose file under contexts/) and wins over `where`.
    """

    where: Where
    kind: str
    detail: str
    at: Location | None = None


def inside(source: str, base: Path) -> bool:
    """A bind source the scenario owns: under {{ tmp }}, or relative and inside its dir."""
    if TMP.match(source):
        return ".." not in source.split("/")
    if source.startswith("/") or "{{" in source or "$" in source or source.startswith("~"):
        return False
    return (base / source).resolve().is_relative_to(base.resolve())


def in_tmp(source: str) -> bool:
    """Under the run's own `{{ tmp }}`, with no `..` (what a CLI-side path may be)."""
    return bool(TMP.match(source)) and ".." not in source.split("/")


def harness_label(key: str) -> bool:
    """Is this label key one of the harness's own (`io.harness.*`), in any case or spacing?"""
    return key.strip().lower().startswith(HARNESS_LABEL_PREFIX)
