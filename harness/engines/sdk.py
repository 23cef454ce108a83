"""What a Python user's SDK raises: an optional protocol, `SdkClient`, and the factory
that picks the SDK an adapter's users program against (docker-py for the Docker API
surfaces, podman-py for libpod), built from the adapter's own `url`.

The adapters keep their SDK objects to themselves (they return the harness's types);
these clients exist only to let a step observe the SDK's exception for a failed call:
its class, its HTTP status and its message, which is what users catch.
"""

from __future__ import annotations

from typing import Any, Protocol, get_args, runtime_checkable

from harness.engines.base import Engine, Unsupported
from harness.engines.sdk_outcome import SdkOutcome
from harness.model.specs.sdk import Operation

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


def sdk_client(engine: Engine) -> SdkClient:
    """The SDK users of this engine's API use: docker-py where the engine's CLI is the
    docker CLI (dockerd, Podman's Docker-compatible API), podman-py for libpod."""
    url = getattr(engine, "url", None)
    if not isinstance(url, str) or not url:
        raise Unsupported(f"{engine.name}: no API url to build an SDK client from")
    if engine.cli()[0] == "docker":
        from harness.engines.sdk_docker import DockerSdk

        return DockerSdk(url)
    if engine.cli()[0] == "podman":
        from harness.engines.sdk_podman import PodmanSdk

        return PodmanSdk(url)
    raise Unsupported(f"{engine.name}: no known SDK for CLI {engine.cli()[0]!r}")
