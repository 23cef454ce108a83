"""`harness check` reads an image's files through the adapter's export: a version
surface's adapter is the engine kind's own, connected to the surface's socket, so the
surface gets the same export and save/load (it had none, and its filesystem
differences went unobserved). No engine is called here: the adapters connect lazily."""

from __future__ import annotations

from typing import Any

import pytest

from harness.engines.docker import DockerEngine
from harness.engines.docker_transfer import DockerTransfer
from harness.engines.podman import PodmanEngine
from harness.engines.podman_transfer import PodmanTransfer
from harness.engines.surfaces import SurfaceEngine
from harness.engines.transfer import archiver, exporter
from harness.engines.version_surfaces import VersionSurface

KINDS = [
    ("podman@5.4", PodmanEngine, PodmanTransfer),
    ("docker@26.1", DockerEngine, DockerTransfer),
]


@pytest.mark.parametrize(("name", "adapter", "transfer"), KINDS)
def test_a_surface_moves_files_through_its_own_adapter(
    name: str, adapter: Any, transfer: Any
) -> None:
    kind = name.split("@")[0]
    inner = adapter(url=f"unix:///nonexistent/{kind}.sock", name=kind)
    surface: Any = SurfaceEngine(inner, VersionSurface(name, kind, "/nonexistent.sock"))
    for found in (exporter(surface), archiver(surface)):
        assert isinstance(found, transfer)
        assert found.engine is inner
