"""What a Python user's SDK raises: an optional protocol, `SdkClient`, and the factory
that picks the SDK an adapter's users program against (docker-py for the Docker API
surfaces, podman-py for libpod), built from the adapter's own `url`.

The adapters keep their SDK objects to themselves (they return the harness's types);
these clients exist only to let a step observe the SDK's exception for a failed call:
its class, its HTTP status and its message, which is what users catch.
"""

from __future__ import annotations

import os
from typing import Any, Protocol, get_args, runtime_checkable

from harness.engines.base import Engine, Unsupported
from harness.engines.sdk_outcome import SdkOutcome
from harness.model.specs.sdk import Operation
from harness.model.versions import surface_kind

# Named operations (one call a user makes, meant to fail in a known way): the scenario
# format's list of them, so the two can never disagree.
OPERATIONS: tuple[str, ...] = get_args(Operation)


@runtime_checkable
class SdkClient(Protocol):
    """One SDK connection: `sdk_call` performs a named operation and reports what the
    SDK raised; `close` ends the connection."""

    sdk: str

    def sdk_call(self, operation: str, **kwargs: Any) -> SdkOutcome: ...
    def close(self) -> None: ...


# The API each known surface speaks, by its kind (`docker@26.1` is a `docker`).
_SDK_OF_KIND = {"docker": "docker", "podman-docker-api": "docker", "podman": "podman",
                "podman-rootless": "podman"}  # fmt: skip


def sdk_client(engine: Engine) -> SdkClient:
    """The SDK users of this engine's API use: docker-py for the Docker API (dockerd,
    Podman's Docker-compatible API), podman-py for libpod; by the surface's kind, so a
    version surface or a remote column of a kind gets its kind's SDK, else by the name
    of the engine's CLI (the docker CLI means the Docker API)."""
    url = getattr(engine, "url", None)
    if not isinstance(url, str) or not url:
        raise Unsupported(f"{engine.name}: no API url to build an SDK client from")
    sdk = _SDK_OF_KIND.get(surface_kind(engine.name)) or os.path.basename(engine.cli()[0])
    if sdk == "docker":
        from harness.engines.sdk_docker import DockerSdk

        return DockerSdk(url)
    if sdk == "podman":
        from harness.engines.sdk_podman import PodmanSdk

        return PodmanSdk(url)
    raise Unsupported(f"{engine.name}: no known SDK for CLI {engine.cli()[0]!r}")
