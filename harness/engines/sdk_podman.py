"""podman-py as its users call it, for `SdkClient.sdk_call` (harness.engines.sdk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import podman
import podman.errors

from harness.engines.sdk_outcome import SdkOutcome, observe


class PodmanSdk:
    """podman-py's client on one libpod url; never pulls (no `run`, no `pull`)."""

    sdk = "podman-py"

    def __init__(self, url: str) -> None:
        self.client = podman.PodmanClient(base_url=url, timeout=60)

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]

    def sdk_call(self, operation: str, **kwargs: Any) -> SdkOutcome:
        return observe(
            self._calls()[operation], kwargs, (podman.errors.APIError, podman.errors.PodmanError)
        )

    def _calls(self) -> dict[str, Callable[..., Any]]:
        c = self.client
        return {
            "get_image": lambda name: c.images.get(name),
            "get_container": lambda name: c.containers.get(name),
            "get_volume": lambda name: c.volumes.get(name),
            "get_network": lambda name: c.networks.get(name),
            "start_container": lambda name: c.containers.get(name).start(),
            "create_container": lambda name, image, labels: c.containers.create(
                image, ["true"], name=name, labels=labels
            ),
            "create_volume": lambda name, labels: c.volumes.create(name=name, labels=labels),
            "create_network": lambda name, labels: c.networks.create(name, labels=labels),
            "remove_volume": lambda name: c.volumes.get(name).remove(),
            "remove_network": lambda name: c.networks.get(name).remove(),
            "remove_container": lambda name: c.containers.get(name).remove(),
        }
