"""Rootless Podman starts a container on a named network and its aliases resolve.

On this project's hosts the rootless user's home lies under /var/lib; without
/var/lib/cni, Podman 4.3's rootless network namespace mounts over all of /var/lib and
every such start fails with "network not found" (scripts/rootless.sh creates it).
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


def test_a_container_on_a_named_network_starts_and_resolves(
    rootless: PodmanRootlessEngine,
) -> None:
    run_id = new_run_id()
    labels = resource_labels(run_id, "rootless.networks", rootless.name)
    suffix = uuid.uuid4().hex[:10]
    network = f"h-test-net-{suffix}"
    try:
        image = ImageCache(rootless, run_id).base()
        rootless.create_network(network, labels)
        spec = ContainerSpec(
            image=image,
            name=f"h-test-{suffix}",
            labels=labels,
            command=["sleep", "30"],
            network=network,
            aliases=("peer",),
        )
        cid = rootless.create_container(spec)
        rootless.start(cid)  # "network not found" here before the fix
        assert rootless.inspect_container(cid)["State"]["Running"] is True
        found = rootless.exec(cid, ["nslookup", "peer"])
        assert found.exit_code == 0, found.stderr
    finally:
        rootless.remove_labelled({RUN: run_id})
