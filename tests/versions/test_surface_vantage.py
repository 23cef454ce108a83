"""A version surface seen as the host's engines are: `cli` steps go through a client of
the surface's service (podman-remote, as the host's `podman --url`), and host-side facts
it cannot have (a default route, in a netns with no route out) make a step `unsupported`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.engines import create_engine, version_surfaces
from harness.engines.base import ContainerSpec, MountSpec, Unsupported

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "scenarios/networks/host-mode.yaml"
STACK = "scenarios/orchestration/stack-two-services.yaml"
BIND = "scenarios/volumes/bind-existing.yaml"
REGISTRY = "scenarios/registry/manifest-type.yaml"
pytestmark = [pytest.mark.engine, pytest.mark.slow]


def _surface_run(tmp_path: Path, scenario: str, *options: str) -> dict[str, Any]:
    """Run one scenario on docker@26.1 (skipped when the surface is not up) and return
    the scenario's results entry; exit codes 0, 1 and 3 are all reports."""
    surface = version_surfaces.load("docker@26.1")
    if surface.reason:
        pytest.skip(f"docker@26.1: {surface.reason}")
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", scenario, "--engine", "docker@26.1",
         *options, "-q", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1, 3), done.stdout + done.stderr
    (found,) = json.loads((tmp_path / "results.json").read_text())["scenarios"]
    return dict(found)


def _unsupported_on_surface(tmp_path: Path, scenario: str, reason: str, *options: str) -> None:
    on_surface = _surface_run(tmp_path, scenario, *options)["engines"]["docker@26.1"]
    assert on_surface["status"] == "unsupported", on_surface
    assert reason in on_surface["error"]
    assert not on_surface["leftovers"], on_surface["leftovers"]


def test_host_mode_is_unsupported_on_a_surface_without_a_route(tmp_path: Path) -> None:
    surface = version_surfaces.load("docker@26.1")
    if surface.reason:
        pytest.skip(f"docker@26.1: {surface.reason}")
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", SCENARIO, "--engine", "docker",
         "--engine", "docker@26.1", "--allow-host-namespaces", "-q", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (scenario,) = json.loads((tmp_path / "results.json").read_text())["scenarios"]
    on_surface = scenario["engines"]["docker@26.1"]
    assert on_surface["status"] == "unsupported", on_surface
    assert "no default route" in on_surface["error"]
    assert scenario["engines"]["docker"]["status"] == "pass", scenario["engines"]["docker"]


def test_the_podman_surface_cli_is_a_client_of_its_service() -> None:
    surface = version_surfaces.load("podman@5.4")
    if surface.reason:
        pytest.skip(f"podman@5.4: {surface.reason}")
    engine = create_engine("podman@5.4")
    try:
        fmt = "{{.Client.Version}} {{.Server.Version}}"
        done = subprocess.run(
            [*engine.cli(), "version", "--format", fmt],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
    finally:
        engine.close()
    assert done.returncode == 0, done.stderr
    client, server = done.stdout.split()
    assert server == client and client.startswith("5.4"), done.stdout


def test_a_stack_file_reaches_the_surface_through_its_shared_scratch(tmp_path: Path) -> None:
    """The scenario's `{{ tmp }}` is made in the shared scratch, which the surface sees
    at the same path: the stack file deploys, and the published port answers in the
    surface's own network namespace."""
    on_surface = _surface_run(tmp_path, STACK)["engines"]["docker@26.1"]
    assert on_surface["status"] == "pass", on_surface
    assert not on_surface["leftovers"], on_surface["leftovers"]


def test_a_bind_of_the_scenarios_tmp_works_on_a_surface(tmp_path: Path) -> None:
    on_surface = _surface_run(tmp_path, BIND, "--allow-host-binds")["engines"]["docker@26.1"]
    assert on_surface["status"] == "pass", on_surface


def test_a_bind_of_any_other_host_path_is_unsupported_on_a_surface() -> None:
    surface = version_surfaces.load("docker@26.1")
    if surface.reason:
        pytest.skip(f"docker@26.1: {surface.reason}")
    engine = create_engine("docker@26.1")
    spec = ContainerSpec(
        image="never-created", name="never-created", labels={},
        mounts=(MountSpec(type="bind", source="/etc", target="/host-etc"),),
    )  # fmt: skip
    try:
        with pytest.raises(Unsupported, match="only its shared scratch"):
            engine.create_container(spec)
    finally:
        engine.close()


def test_the_hosts_registry_makes_the_surface_column_unsupported(tmp_path: Path) -> None:
    _unsupported_on_surface(tmp_path, REGISTRY, "the local registry on 127.0.0.1")
