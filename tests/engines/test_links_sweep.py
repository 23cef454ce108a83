"""Parent links (hx…) of killed runs are swept by their owner alias; live ones stay."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from harness.engines import links
from harness.run.janitor import is_stale, sweep_host_leftovers

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creating host links needs root")


def _alias(name: str, owner: str) -> None:
    subprocess.run(["ip", "link", "set", "dev", name, "alias", f"{links.ALIAS}{owner}"], check=True)


def test_dead_owners_links_are_swept_and_live_ones_kept() -> None:
    dead = links.create(links.link_name("sweep-test-dead", uuid.uuid4().hex))
    live = links.create(links.link_name("sweep-test-live", uuid.uuid4().hex))
    try:
        # No process has pid 2**22 + 1 (above pid_max's default): an owner that is surely dead.
        _alias(dead, f"{socket.gethostname()}:{2**22 + 1}:1")
        assert links.owned_links()[live] == links.owner()
        assert is_stale(links.owned_links()[dead])
        assert sweep_host_leftovers() >= 1
        assert not links.exists(dead) and not links.exists(f"{dead}p")
        assert links.exists(live)
    finally:
        links.remove(dead)
        links.remove(live)
    assert not links.exists(live)


@pytest.fixture
def other_netns() -> Iterator[str]:
    """A network namespace of this test's own, as a version surface has (file path)."""
    name = f"hxtest-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield f"/run/netns/{name}"
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def test_a_link_for_an_engine_in_its_own_netns_is_made_and_swept_there(other_netns: str) -> None:
    """A version surface's engine looks for its macvlan parent in its own namespace."""
    name = links.create(links.link_name("netns-test", uuid.uuid4().hex), other_netns)
    try:
        assert links.exists(name, other_netns)
        assert not links.exists(name)  # nothing on the host
        assert links.owned_links(other_netns)[name] == links.owner()
        # Live owner: kept; a dead one: swept, in that namespace only.
        assert links.sweep_stale_links(is_stale, other_netns) == 0
        subprocess.run(
            ["nsenter", f"--net={other_netns}", "ip", "link", "set", "dev", name, "alias",
             f"{links.ALIAS}{socket.gethostname()}:{2**22 + 1}:1"],
            check=True,
        )  # fmt: skip
        assert links.sweep_stale_links(is_stale, other_netns) == 1
        assert not links.exists(name, other_netns)
    finally:
        links.remove(name, other_netns)
