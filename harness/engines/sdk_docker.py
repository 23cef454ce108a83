"""docker-py as its users call it, for `SdkClient.sdk_call` (harness.engines.sdk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import docker
import docker.errors

from harness.engines.sdk_outcome import SdkOutcome, observe


class DockerSdk:
    """docker-py's high-level client on one API url; never pulls (no `run`, no `pull`)."""

    sdk = "docker-py"

    def __init__(self, url: str) -> None:
        self.client = docker.DockerClient(base_url=url, timeout=60)

    def close(self) -> None:
        self.client.close()

    def sdk_call(self, operation: str, **kwargs: Any) -> SdkOutcome:
        return observe(self._calls()[operation], kwargs, (docker.errors.DockerException,))

    def _calls(self) -> dict[str, Callable[..., Any]]:
        c = self.client
        return {
            "get_image": lambda name: c.images.get(name),
            "get_container": lambda name: c.containers.get(name),
            "get_volume": lambda name: c.volumes.get(name),
            "get_network": lambda name: c.networks.get(name),
            "start_container": lambda name: c.api.start(name),
            "create_container": lambda name, image, labels: c.containers.create(
                image, ["true"], name=name, labels=labels
            ),
            "create_volume": lambda name, labels: c.volumes.create(name=name, labels=labels),
            "create_network": lambda name, labels: c.networks.create(name, labels=labels),
            "remove_volume": lambda name: c.volumes.get(name).remove(),
            "remove_network": lambda name: c.networks.get(name).remove(),
            "remove_container": lambda name: c.containers.get(name).remove(),
        }
