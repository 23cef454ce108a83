"""`harness check` reads an image's files through the adapter's export: a version
surface's adapter is the engine kind's own, connected to the surface's socket, so the
surface gets the same export and save/load (it had none, and its filesystem
differences went unobserved). No engine is called here: the adapters connect lazily."""

from __future__ import annotations

from harness.engines.docker import DockerEngine
from harness.engines.docker_transfer import DockerTransfer
from harness.engines.podman import PodmanEngine
from harness.engines.podman_transfer import PodmanTransfer
from harness.engines.surfaces import SurfaceEngine
from harness.engines.transfer import archiver, exporter
from harness.engines.version_surfaces import VersionSurface


def test_a_surface_exports_through_its_own_adapter() -> None:
    inner = PodmanEngine(url="unix:///nonexistent/podman.sock", name="podman")
    surface = SurfaceEngine(inner, VersionSurface("podman@5.4", "podman", "/nonexistent.sock"))
    found = exporter(surface)  # type: ignore[arg-type]
    assert isinstance(found, PodmanTransfer)
    assert found.engine is inner


def test_a_docker_surface_saves_and_loads_through_its_own_adapter() -> None:
    inner = DockerEngine(url="unix:///nonexistent/docker.sock", name="docker")
    surface = SurfaceEngine(inner, VersionSurface("docker@26.1", "docker", "/nonexistent.sock"))
    found = archiver(surface)  # type: ignore[arg-type]
    assert isinstance(found, DockerTransfer)
    assert found.engine is inner
