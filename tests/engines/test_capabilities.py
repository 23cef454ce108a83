"""Capability probes against the real engines: every capability answered, a missing
one with the engine's own words, and nothing left behind (resources, links, swarm)."""

from __future__ import annotations

import subprocess

import pytest

from harness.engines import capabilities, links
from harness.engines.base import Engine
from harness.labels import RUN, new_run_id
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine


def _swarm(engine: Engine) -> str:
    done = subprocess.run(
        [*engine.cli(), "info", "--format", "{{.Swarm.LocalNodeState}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def test_every_capability_is_probed_and_nothing_is_left(engine: Engine) -> None:
    run_id = new_run_id()
    base = ImageCache(engine, run_id).base()
    links_before, swarm_before = set(links.harness_links()), _swarm(engine)
    found = capabilities.probe_all(engine, base, run_id)
    assert set(found) == set(capabilities.NAMES)
    assert found["network.bridge"].supported, found["network.bridge"]
    for name, cap in found.items():
        assert cap.supported or cap.reason, f"{name}: unsupported without a reason"
    assert all(not ids for ids in engine.list_labelled({RUN: run_id}).values())
    assert set(links.harness_links()) <= links_before
    assert _swarm(engine) == swarm_before


def test_what_each_engine_lacks_is_said_in_its_own_words(engine: Engine) -> None:
    run_id = new_run_id()
    base = ImageCache(engine, run_id).base()
    pods = capabilities.capability(engine, "pod", base, run_id)
    swarm = capabilities.capability(engine, "swarm", base, run_id)
    if engine.cli()[0] == "docker":  # docker and podman-docker-api: the Docker CLI
        # Docker CLI 28: "unknown command: docker pod"; up to 27 (Debian 13 has 26.1):
        # "docker: 'pod' is not a docker command."
        words = ("unknown command", "is not a docker command")
        assert not pods.supported and any(w in pods.reason for w in words), pods.reason
    else:
        assert pods.supported
        assert not swarm.supported and "unrecognized command" in swarm.reason
