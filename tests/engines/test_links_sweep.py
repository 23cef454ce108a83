"""Parent links (hx…) of killed runs are swept by their owner alias; live ones stay."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid

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
