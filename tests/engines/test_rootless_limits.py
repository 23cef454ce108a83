"""Rootless Podman on cgroup v1 runs a container with resource limits after a
warning and without the limits: the adapter observes that instead of refusing.

Runs only where the rootless service is up (HARNESS_ROOTLESS=1, scripts/rootless.sh).
"""

from __future__ import annotations

import uuid

import pytest

from harness.engines.base import ContainerSpec
from harness.engines.podman_rootless import PodmanRootlessEngine
from harness.labels import RUN, new_run_id, resource_labels
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine
MEMORY = 64 * 1024 * 1024


def test_limits_are_created_and_the_engines_answer_recorded(rootless: PodmanRootlessEngine) -> None:
    run_id = new_run_id()
    labels = resource_labels(run_id, "rootless.limits", rootless.name)
    try:
        image = ImageCache(rootless, run_id).base()
        spec = ContainerSpec(
            image=image,
            name=f"h-test-{uuid.uuid4().hex[:10]}",
            labels=labels,
            command=["true"],
            memory="64m",
            pids_limit=50,
        )
        cid = rootless.create_container(spec)  # no Unsupported: the engine decides
        warnings = rootless.create_warnings(cid)
        memory = rootless.inspect_container(cid)["HostConfig"]["Memory"]
        if rootless.info().cgroup_version == "1":
            assert any("ignored" in w for w in warnings), warnings
            assert memory != MEMORY, "Podman said it ignores the limit, yet inspect shows it"
        else:
            assert memory == MEMORY
    finally:
        rootless.remove_labelled({RUN: run_id})
