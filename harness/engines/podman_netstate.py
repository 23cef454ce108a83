"""What Podman 4.3 leaves on the host when a network goes while a container is on it.

Podman's Docker-compatible NetworkDelete removes a network although a running
container is attached (declared in `sdk.network-in-use`). When that container is
removed afterwards, netavark can no longer tear its network down: the network's
aardvark-dns configuration file stays in /run/containers/networks/aardvark-dns, so
aardvark-dns keeps serving the old gateway address, and the bridge (`podmanN`) stays
with its subnet. A later network that gets the same subnet then has its names answered
from the stale file, with NXDOMAIN, intermittently. Measured on this host: 11 stale
files and bridges after a few days of runs.

Only what the harness itself caused is removed, for networks the adapter created and
that no longer exist: the file named after the network and the bridge recorded at
creation, when no network of the engine claims it (Podman never reuses the name of a
bridge that exists). Ports may still hang on it: the veth of the removed container,
whose network namespace netavark could not tear down either.
Only for the host's rootful Podman: a version surface or a rootless service keeps
its own runtime directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

AARDVARK_CONFIGS = Path("/run/containers/networks/aardvark-dns")


def _reload_aardvark() -> None:
    """SIGHUP to aardvark-dns by the PID in its own pid file, after checking that the
    PID is still aardvark-dns (a stale pid file names some other process)."""
    with contextlib.suppress(OSError, ValueError):
        pid = int((AARDVARK_CONFIGS / "aardvark.pid").read_text().strip())
        if Path(f"/proc/{pid}/comm").read_text().strip() == "aardvark-dns":
            os.kill(pid, signal.SIGHUP)


def _is_bridge(interface: str) -> bool:
    return (Path("/sys/class/net") / interface / "brif").is_dir()


def release(name: str, interface: str, claimed: set[str]) -> list[str]:
    """Remove the runtime state Podman left for network `name` (already gone from the
    engine); `claimed` are the interfaces of the networks that exist. What was removed."""
    removed = []
    config = AARDVARK_CONFIGS / name
    if name and "/" not in name and config.is_file():
        config.unlink(missing_ok=True)
        _reload_aardvark()
        removed.append(f"aardvark-dns:{name}")
    if interface and interface not in claimed and _is_bridge(interface):
        done = subprocess.run(
            ["ip", "link", "del", interface], capture_output=True, timeout=20, check=False
        )
        if done.returncode == 0:
            removed.append(f"link:{interface}")
    return removed
