"""Host links a scenario uses as the parent of macvlan/ipvlan networks.

Each user gets its own link, named from a hash (`hx` + 8 hex, at most 15 bytes as
the kernel wants), so parallel scenarios never share one. A `dummy` link is tried
first; kernels without the dummy driver (this VM's) get a veth pair with both ends
on the host instead. Neither has an uplink: nothing sent on it leaves the machine.

A version surface's engine lives in its own network namespace (`netns`, a namespace
file): its parent link must be made in there, or the engine cannot find it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from harness.errors import EngineError
from harness.labels import owner, short_hash

PREFIX = "hx"
HEX = set("0123456789abcdef")
# The link's ifalias names its owner (`host:pid:start`, as the resources' owner label
# does), so a sweep can remove the links of a killed run and never a live run's.
ALIAS = "harness-owner "


def link_name(*parts: str) -> str:
    return f"{PREFIX}{short_hash(*parts)}"


def _ip(*args: str, netns: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = ["nsenter", f"--net={netns}", "ip", *args] if netns else ["ip", *args]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"{' '.join(argv)}: {exc}") from None


def exists(name: str, netns: str | None = None) -> bool:
    return _ip("link", "show", "dev", name, netns=netns).returncode == 0


def create(name: str, netns: str | None = None) -> str:
    """Create the link (idempotent) and bring it up, in the host's network namespace
    or in `netns`; returns its name."""
    if not exists(name, netns):
        made = _ip("link", "add", name, "type", "dummy", netns=netns)
        if made.returncode != 0:
            made = _ip("link", "add", name, "type", "veth", "peer", "name", f"{name}p", netns=netns)
        if made.returncode != 0:
            where = f" in {netns}" if netns else ""
            raise EngineError(f"cannot create host link {name}{where}: {made.stderr.strip()}")
    for dev in (name, f"{name}p"):
        if exists(dev, netns):
            _ip("link", "set", dev, "alias", f"{ALIAS}{owner()}", netns=netns)
            _ip("link", "set", dev, "up", netns=netns)
    return name


def remove(name: str, netns: str | None = None) -> list[str]:
    """Delete the link (a veth's peer goes with it); leftovers as `link:NAME`."""
    if exists(name, netns):
        _ip("link", "del", name, netns=netns)
    return [f"link:{dev}" for dev in (name, f"{name}p") if exists(dev, netns)]


def harness_links() -> list[str]:
    """Names of every link on the host that looks like one of ours (leak audit)."""
    done = _ip("-o", "link", "show")
    names = [line.split(":")[1].strip().split("@")[0] for line in done.stdout.splitlines()]
    return [n for n in names if _ours(n)]


def _ours(name: str) -> bool:
    """`hx` + 8 hex digits, and a veth peer's trailing `p`."""
    core = name[:-1] if len(name) == 11 and name.endswith("p") else name
    return len(core) == 10 and core.startswith(PREFIX) and all(c in HEX for c in core[2:])


def owned_links(netns: str | None = None) -> dict[str, str]:
    """Our links whose alias names an owner: link name -> owner label."""
    done = _ip("-j", "link", "show", netns=netns)
    try:
        listed = json.loads(done.stdout or "[]")
    except ValueError:
        return {}
    found = {}
    for link in listed if isinstance(listed, list) else []:
        name, alias = str(link.get("ifname", "")), str(link.get("ifalias", ""))
        if _ours(name) and alias.startswith(ALIAS):
            found[name] = alias.removeprefix(ALIAS)
    return found


def sweep_stale_links(is_stale: Callable[[str], bool], netns: str | None = None) -> int:
    """Remove the links of dead owners (a veth's peer goes with it); how many."""
    removed = 0
    for name, link_owner in owned_links(netns).items():
        if not name.endswith("p") and is_stale(link_owner) and exists(name, netns):
            removed += not remove(name, netns)
    return removed
