"""Shared fixtures: real engines for engine tests, and a guard that every
container, volume, network and image a test session creates is gone after it."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from harness.engines import create_engine
from harness.engines.base import Engine
from harness.engines.podman_rootless import PodmanRootlessEngine, opted_in

pytest_plugins = ["pytester"]  # tests/plugin drives the harness pytest plugin

# Every built-in surface; conformance tests run once per surface.
ENGINE_NAMES = ("docker", "podman", "podman-docker-api", "podman-rootless")
# Image stores, not surfaces: podman-docker-api builds into Podman's store.
CLIS = {"docker": ["docker"], "podman": ["podman", "--url", "unix:///run/podman/podman.sock"]}
if opted_in():
    CLIS["podman-rootless"] = ["podman", "--url", PodmanRootlessEngine().url]


# This session's name, inherited by xdist workers and the `harness` processes tests
# start: the cache images they build carry it, and only those are removed at the end.
SESSION = os.environ.setdefault("HARNESS_SESSION", f"tests-{uuid.uuid4().hex[:12]}")


def _harness_images(name: str) -> set[str]:
    """Cache images this session built on one image store."""
    cli = CLIS[name]
    if not shutil.which(cli[0]):
        return set()
    done = subprocess.run(
        [*cli, "images", "-q", "--no-trunc", "--filter", f"label=io.harness.session={SESSION}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return set(done.stdout.split()) if done.returncode == 0 else set()


@pytest.fixture(scope="session", autouse=True)
def _remove_images_made_by_tests() -> Iterator[None]:
    """Images are a cache for `harness run`; the test suite leaves none of its own behind."""
    if os.environ.get("HARNESS_KEEP_TEST_IMAGES") == "1":
        yield
        return
    yield
    # Only this session's (another session's removal of images it was building from
    # has wedged Podman 4.3; see ENGINES notes).
    for name in CLIS:
        new = _harness_images(name)
        if new:
            subprocess.run(
                [*CLIS[name], "rmi", "-f", *sorted(new)], capture_output=True, check=False
            )


@pytest.fixture(params=ENGINE_NAMES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A real engine; skipped with the reason when it does not answer."""
    if request.param == "podman-rootless" and not opted_in():
        pytest.skip("podman-rootless is opt-in: HARNESS_ROOTLESS=1")
    eng = create_engine(request.param)
    info = eng.info()
    if not info.available:
        pytest.skip(f"{request.param} unavailable: {info.error}")
    yield eng
    eng.close()


@pytest.fixture
def rootless() -> Iterator[PodmanRootlessEngine]:
    """The rootless Podman surface; skipped unless opted in and answering."""
    if not opted_in():
        pytest.skip("podman-rootless is opt-in: HARNESS_ROOTLESS=1")
    engine = create_engine("podman-rootless")
    info = engine.info()
    if not info.available:
        pytest.skip(f"podman-rootless unavailable: {info.error}")
    assert isinstance(engine, PodmanRootlessEngine)
    yield engine
    engine.close()
