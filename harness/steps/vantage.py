"""Where the host side of a probe stands: the harness's own network namespace, or the
one an engine's network lives in (a version surface runs in its own, and its published
ports and container addresses exist only there). The engine says which; steps ask here."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from harness.engines.base import Engine, Unsupported
from harness.engines.netns import run_in_netns

T = TypeVar("T")


def network_namespace(engine: Engine) -> str | None:
    """The namespace file of the engine's network, or None: the harness's own."""
    value = getattr(engine, "network_namespace", None)
    return str(value) if value else None


def remote_refusal(engine: Engine) -> None:
    """An engine on another host (harness.engines.remote) has no host side here."""
    reason = getattr(engine, "host_side_unsupported", None)
    if reason:
        raise Unsupported(str(reason))


def host_side(engine: Engine, probe: Callable[[], T], timeout: float = 60.0) -> T:
    """Run `probe` where the engine's host side is."""
    remote_refusal(engine)
    namespace = network_namespace(engine)
    return run_in_netns(namespace, probe, timeout) if namespace else probe()


def namespace_link(engine: Engine, ns: str) -> str:
    """`readlink` of the engine's host `ns` namespace: the surface's own network and
    mount namespaces, the harness's for everything it shares with the host."""
    remote_refusal(engine)
    pid = getattr(engine, "namespace_pid", None)
    own = pid if isinstance(pid, int) and ns in ("net", "mnt") else "self"
    return os.readlink(f"/proc/{own}/ns/{ns}")
