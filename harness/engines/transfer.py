"""Optional protocols: move a container's filesystem or an image out of an engine.

`harness check` reads a built image's files (create, never start, then export) and
copies missing base images between engines (save, then load). Adapters that do not
provide them make those parts of a check `unsupported`; the Docker and Podman
adapters get them from the small modules next to this one, keyed by adapter class,
so the adapters themselves stay unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from harness.engines.base import Engine, Unsupported


@runtime_checkable
class ContainerExporter(Protocol):
    """`GET /containers/{id}/export`: the container's filesystem as a tar stream."""

    def export_container(self, container_id: str) -> Iterator[bytes]: ...


@runtime_checkable
class ImageArchiver(Protocol):
    """`docker save` / `docker load` through the API: an image as a tar stream and back."""

    def save_image(self, ref: str) -> Iterator[bytes]: ...
    def load_image(self, archive: bytes) -> list[str]: ...


def _wrapper(engine: Engine) -> object | None:
    from harness.engines.docker import DockerEngine
    from harness.engines.podman import PodmanEngine
    from harness.engines.surfaces import SurfaceEngine

    if isinstance(engine, SurfaceEngine):  # its adapter already talks to the surface's socket
        engine = engine.inner

    if isinstance(engine, PodmanEngine):
        from harness.engines.podman_transfer import PodmanTransfer

        return PodmanTransfer(engine)
    if isinstance(engine, DockerEngine):
        from harness.engines.docker_transfer import DockerTransfer

        return DockerTransfer(engine)
    return None


def exporter(engine: Engine) -> ContainerExporter:
    found = engine if isinstance(engine, ContainerExporter) else _wrapper(engine)
    if isinstance(found, ContainerExporter):
        return found
    raise Unsupported(f"the {engine.name} adapter does not provide export_container")


def archiver(engine: Engine) -> ImageArchiver:
    found = engine if isinstance(engine, ImageArchiver) else _wrapper(engine)
    if isinstance(found, ImageArchiver):
        return found
    raise Unsupported(f"the {engine.name} adapter does not provide save_image/load_image")
