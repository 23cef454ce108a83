"""The trixie version surfaces (scripts/versions.sh): reachable from the host by their
sockets, isolated in their own namespaces, and harmless to the host's engines.

Runs only where the surfaces are set up (`scripts/versions.sh setup podman@5.4
docker@26.1`, or setup.sh with HARNESS_VERSIONS); starts them when they are not running
and leaves them running, as the host's engines stay running.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from podman import PodmanClient

from harness.engines import netns, version_surfaces

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "versions.sh"
VERSION_PREFIX = {"podman@5.4": "5.4.", "docker@26.1": "26.1."}


def _status() -> list[dict[str, Any]]:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return []
    done = subprocess.run(
        ["bash", str(SCRIPT), "status", "--json"], capture_output=True, text=True, check=False
    )
    return list(json.loads(done.stdout)) if done.returncode == 0 else []


SET_UP = [s["surface"] for s in _status() if s["set_up"]]

pytestmark = [
    pytest.mark.engine,
    pytest.mark.slow,
    pytest.mark.skipif(
        not SET_UP, reason="no version surface set up (scripts/versions.sh setup SURFACE, as root)"
    ),
]


def _host_links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def _host_surface_addresses() -> list[str]:
    """Host interfaces holding an address of the surfaces' range (198.18.0.0/15): none may."""
    out = subprocess.run(["ip", "-o", "-4", "addr"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if " 198.18." in line or " 198.19." in line]


@pytest.fixture(scope="module")
def surfaces() -> dict[str, dict[str, Any]]:
    """Every set-up surface, started; fails when one that is set up will not start."""
    # Other sessions create and remove networks on the host's engines meanwhile, so the
    # host's link list may change; the surfaces' own bridges must never appear in it.
    had_docker0 = "docker0" in _host_links()
    started = subprocess.run(
        ["bash", str(SCRIPT), "start", *SET_UP], capture_output=True, text=True, check=False
    )
    assert started.returncode == 0, started.stderr
    running = {s["surface"]: s for s in _status() if s["running"]}
    assert set(running) == set(SET_UP)
    assert _host_surface_addresses() == []
    assert ("docker0" in _host_links()) == had_docker0
    return running


@pytest.fixture(params=VERSION_PREFIX)
def surface(request: pytest.FixtureRequest, surfaces: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if request.param not in surfaces:
        pytest.skip(f"{request.param} is not set up")
    return surfaces[request.param]


def test_socket_answers_ping_and_reports_its_version(surface: dict[str, Any]) -> None:
    client = docker.DockerClient(base_url=f"unix://{surface['socket']}", timeout=30)
    try:
        assert client.ping()
        version = client.version()
    finally:
        client.close()
    prefix = VERSION_PREFIX[surface["surface"]]
    engine_version = (
        version["Version"]
        if surface["engine"] == "docker"
        else next(c["Version"] for c in version["Components"] if c["Name"] == "Podman Engine")
    )
    assert engine_version.startswith(prefix)
    package = "docker.io" if surface["engine"] == "docker" else "podman"
    assert surface["versions"]["packages"][package].startswith(prefix)


def test_the_adapters_reader_agrees_with_status(surface: dict[str, Any]) -> None:
    loaded = version_surfaces.load(surface["surface"])
    assert loaded.reason == ""
    assert (loaded.socket, loaded.netns, loaded.cli, loaded.pid) == (
        surface["socket"],
        surface["netns"],
        surface["cli"],
        surface["pid"],
    )
    assert loaded.packages == surface["versions"]["packages"]


def test_podman_py_reaches_the_podman_surface(surfaces: dict[str, dict[str, Any]]) -> None:
    if "podman@5.4" not in surfaces:
        pytest.skip("podman@5.4 is not set up")
    with PodmanClient(base_url=f"unix://{surfaces['podman@5.4']['socket']}") as client:
        assert client.version()["Version"].startswith("5.4.")


def test_host_default_bridge_survives(surfaces: dict[str, dict[str, Any]]) -> None:
    if shutil.which("dockerd") is None:
        pytest.skip("no host dockerd")
    assert "docker0" in _host_links()
    assert _host_surface_addresses() == []


def test_no_route_leaves_the_surface(surface: dict[str, Any]) -> None:
    path = surface["netns"]
    names = netns.interfaces(path)
    assert "lo" in names and "eth0" not in names
    routes = netns.run_in_netns(path, lambda: Path("/proc/thread-self/net/route").read_text())
    destinations = [line.split()[1] for line in routes.splitlines()[1:]]
    assert "00000000" not in destinations, "a default route inside the surface's netns"


@pytest.fixture
def client(surface: dict[str, Any]) -> Iterator[docker.DockerClient]:
    c = docker.DockerClient(base_url=f"unix://{surface['socket']}", timeout=60)
    yield c
    c.close()


def _build(client: docker.DockerClient, context: Path, token: str) -> str:
    shutil.copy("/bin/busybox", context / "busybox")
    (context / "Dockerfile").write_text(
        "FROM scratch\nCOPY busybox /bin/busybox\n"
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
        f"RUN echo image-rootfs-{token} > /marker\n"
    )
    tag = f"harness-versions-test:{token}"
    client.images.build(path=str(context), tag=tag, labels={"io.harness.test": token}, rm=True)
    return tag


def _healthy(client: docker.DockerClient, surface: dict[str, Any], name: str) -> bool:
    if surface["engine"] == "podman":  # Podman never schedules checks without systemd
        done = subprocess.run([surface["cli"], "healthcheck", "run", name], check=False)
        return done.returncode == 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = client.api.inspect_container(name)["State"]
        if state.get("Health", {}).get("Status") == "healthy":
            return True
        time.sleep(0.5)
    return False


def _ruleset(*prefix: str) -> str:
    done = subprocess.run(
        [*prefix, "nft", "list", "ruleset"], capture_output=True, text=True, check=False
    )
    return done.stdout


def _assert_rules_stay_inside(surface: dict[str, Any], net: Any) -> None:
    """The surface's firewall rules for its user network exist, in its netns only."""
    net.reload()
    subnet = net.attrs["IPAM"]["Config"][0]["Subnet"]  # e.g. 198.19.128.0/24
    inside = _ruleset("nsenter", f"--net={surface['netns']}")
    assert subnet.rsplit(".", 1)[0] + "." in inside
    host = (
        _ruleset()
        + subprocess.run(["iptables-save"], capture_output=True, text=True, check=False).stdout
    )
    assert " 198.18." not in host and " 198.19." not in host


def test_containers_meet_by_name_and_exec_sees_the_image(
    client: docker.DockerClient, surface: dict[str, Any], tmp_path: Path
) -> None:
    token = uuid.uuid4().hex[:10]
    made: list[Any] = []
    tag = _build(client, tmp_path, token)
    net = client.networks.create(f"hv-{token}", labels={"io.harness.test": token})
    try:
        server = client.containers.create(
            tag,
            ["httpd", "-f", "-p", "8080", "-h", "/"],
            name=f"hv-srv-{token}",
            network=net.name,
            ports={"8080/tcp": ("127.0.0.1", None)},
            healthcheck={"test": ["CMD", "test", "-f", "/marker"], "interval": 1_000_000_000},
        )
        made.append(server)
        peer = client.containers.create(
            tag, ["sleep", "120"], name=f"hv-peer-{token}", network=net.name
        )
        made.append(peer)
        server.start()
        peer.start()
        fetched = peer.exec_run(["wget", "-q", "-O", "-", f"http://{server.name}:8080/marker"])
        assert fetched.exit_code == 0 and fetched.output.decode() == f"image-rootfs-{token}\n"
        cli = subprocess.run(
            [surface["cli"], "exec", peer.name, "cat", "/marker"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert cli.stdout == f"image-rootfs-{token}\n"
        assert _healthy(client, surface, server.name), "healthcheck did not pass in the image"
        server.reload()
        port = int(server.attrs["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"])
        assert netns.can_connect(surface["netns"], "127.0.0.1", port)
        _assert_rules_stay_inside(surface, net)
    finally:
        for c in made:
            c.remove(force=True)
        net.remove()
        client.images.remove(tag, force=True)
