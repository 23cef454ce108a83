"""The three built-in surfaces stay what their names say, and Podman's two surfaces
never reuse each other's cached images (they share one image store)."""

from __future__ import annotations

import pytest

from harness.engines import create_engine
from harness.engines.base import Unsupported
from harness.labels import RUN, new_run_id
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine
PODMAN_SOCKET = "unix:///run/podman/podman.sock"
DOCKER_SOCKET = "unix:///var/run/docker.sock"


def _require(name: str) -> None:
    info = create_engine(name).info()
    if not info.available:
        pytest.skip(f"{name} unavailable: {info.error}")


def test_docker_adapter_refuses_podman_behind_its_url() -> None:
    _require("podman-docker-api")
    info = create_engine("docker", url=PODMAN_SOCKET).info()
    assert not info.available
    assert "not dockerd" in (info.error or "")


def test_podman_docker_api_refuses_dockerd() -> None:
    _require("docker")
    info = create_engine("podman-docker-api", url=DOCKER_SOCKET).info()
    assert not info.available and "not Podman" in (info.error or "")


def test_podman_docker_api_fingerprint_is_podman_with_docker_builds() -> None:
    _require("podman-docker-api")
    surface, libpod = create_engine("podman-docker-api").info(), create_engine("podman").info()
    assert surface.version == libpod.version
    assert surface.api_version != libpod.api_version  # Docker API version, not libpod's
    assert surface.default_build_format == "docker" and libpod.default_build_format == "oci"
    assert surface.network_backend == libpod.network_backend


def test_image_caches_of_the_two_podman_surfaces_do_not_collide() -> None:
    _require("podman-docker-api")
    _require("podman")
    run_id = new_run_id()
    surface, libpod = create_engine("podman-docker-api"), create_engine("podman")
    try:
        surface_base = ImageCache(surface, run_id).base()
        libpod_base = ImageCache(libpod, run_id).base()
        assert surface_base.rsplit(":", 1)[1] != libpod_base.rsplit(":", 1)[1]
        built = surface.inspect_image(surface_base)["Id"]
        assert built != libpod.inspect_image(libpod_base)["Id"]
    finally:
        surface.remove_labelled({RUN: run_id})


def test_healthcheck_run_is_probed_unsupported_on_the_docker_api() -> None:
    _require("podman-docker-api")
    engine = create_engine("podman-docker-api")
    with pytest.raises(Unsupported, match="404"):
        engine.healthcheck_run("0" * 64)


def test_one_surface_teardown_spares_the_other_surface_on_the_same_store() -> None:
    """podman and podman-docker-api run the same scenario at once in one Podman store."""
    _require("podman-docker-api")
    _require("podman")
    from harness.engines.base import ContainerSpec
    from harness.labels import resource_labels
    from harness.run.janitor import sweep_scenario

    run_id, scenario = new_run_id(), "surfaces.teardown"
    surface, libpod = create_engine("podman-docker-api"), create_engine("podman")
    try:
        base = ImageCache(surface, run_id).base()
        labels = resource_labels(run_id, scenario, surface.name)
        cid = surface.create_container(
            ContainerSpec(image=base, name=f"h-test-{run_id[-6:]}", labels=labels)
        )
        assert sweep_scenario(libpod, run_id, scenario) == []
        assert surface.list_labelled({RUN: run_id})["containers"] == [cid]
    finally:
        surface.remove_labelled({RUN: run_id})
