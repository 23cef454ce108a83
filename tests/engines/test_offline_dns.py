"""Offline DNS as users have it: names resolve on user networks, every upstream is loopback.

The setup's offline safety net may change only where the engines' own DNS servers
forward, never what containers see. These tests check the configuration: the
resolv.conf that dockerd, the Podman service and aardvark-dns read (through
/proc/PID/root, so in their own mount namespace), the engines' DNS settings, and the
resolv.conf containers get on each network mode. The only lookup is of a container's
own name on a user network, which the engine's DNS answers itself: nothing is ever
asked that could leave the machine.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import struct
import subprocess
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.engines import create_engine
from harness.engines.base import ContainerSpec, Engine
from harness.labels import RUN, new_run_id, resource_labels
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine

ENGINES = ("docker", "podman")
MODES = ("default", "user", "host", "none")
AARDVARK_PIDFILE = Path("/run/containers/networks/aardvark-dns/aardvark.pid")
DOCKER_EMBEDDED_DNS = "127.0.0.11"


def nameservers(resolv_conf: str) -> list[str]:
    """The `nameserver` entries of a resolv.conf, in order."""
    found = []
    for line in resolv_conf.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "nameserver":
            found.append(words[1])
    return found


def on_loopback(address: str) -> bool:
    """127/8 and ::1, or 0.0.0.0, which Linux sends to 127.0.0.1 on lo (checked, not assumed)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.is_loopback:
        return True
    if not ip.is_unspecified:
        return False
    route = subprocess.run(
        ["ip", "route", "get", str(ip)], capture_output=True, text=True, check=False
    )
    return route.returncode == 0 and " dev lo " in f" {route.stdout} "


def test_on_loopback_tells_loopback_from_outside() -> None:
    assert on_loopback("127.0.0.1") and on_loopback("127.0.0.53") and on_loopback("::1")
    assert on_loopback("0.0.0.0")
    assert not on_loopback("8.8.8.8") and not on_loopback("10.89.0.1")
    assert nameservers("search x\nnameserver 1.2.3.4\n# nameserver 5.6.7.8\n") == ["1.2.3.4"]


def daemon_pid(url: str) -> int:
    """The process serving the engine's socket: found by the socket itself, never by
    name. SO_PEERCRED on a connection to a listening unix socket gives the PID of the
    process that called listen(), translated into our PID namespace, and the path
    reaches only the socket of our mount namespace. (Matching paths in
    /proc/PID/net/unix found no listener for Podman 5.4's service on Debian 13.)"""
    path = url.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
        creds = client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, _uid, _gid = struct.unpack("3i", creds)
    assert pid > 0, f"no process answers on {path}"
    return pid


def resolv_view(pid: int) -> str:
    """/etc/resolv.conf as PID reads it, in its own mount namespace."""
    return Path(f"/proc/{pid}/root/etc/resolv.conf").read_text()


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


@dataclass
class Setup:
    """One engine with a user network, a server on it (name and alias), and a run id."""

    name: str
    engine: Engine
    base: str
    run_id: str
    network: str

    def start(self, mode: str, name: str | None = None, aliases: tuple[str, ...] = ()) -> str:
        network = {"default": None, "user": self.network}.get(mode, mode)
        cid = self.engine.create_container(
            ContainerSpec(
                image=self.base,
                name=name or f"h-dns-{uuid.uuid4().hex[:10]}",
                labels=resource_labels(self.run_id, "offline-dns.test"),
                command=["sleep", "60"],
                network=network,
                aliases=aliases,
            )
        )
        self.engine.start(cid)
        return cid

    def run(self, cid: str, command: list[str]) -> str:
        result = self.engine.exec(cid, command)
        assert result.exit_code == 0, result
        return result.stdout.decode()


@pytest.fixture(params=ENGINES)
def dns_env(request: pytest.FixtureRequest) -> Iterator[Setup]:
    engine = create_engine(request.param)
    info = engine.info()
    if not info.available:
        pytest.skip(f"{request.param} unavailable: {info.error}")
    run_id = new_run_id()
    try:
        network = f"h-dns-{uuid.uuid4().hex[:10]}"
        engine.create_network(network, resource_labels(run_id, "offline-dns.test"))
        yield Setup(request.param, engine, ImageCache(engine, run_id).base(), run_id, network)
    finally:
        engine.remove_labelled({RUN: run_id})
        assert not any(engine.list_labelled({RUN: run_id}).values())
        engine.close()


def _address_on(dns_env: Setup, cid: str) -> tuple[str, str]:
    """(address, gateway) of a container on the setup's user network."""
    net = dns_env.engine.inspect_container(cid)["NetworkSettings"]["Networks"][dns_env.network]
    return str(net["IPAddress"]), str(net["Gateway"])


def test_containers_resolve_each_other_by_name(dns_env: Setup) -> None:
    """Only names the engine's DNS answers itself: the server's name and alias."""
    server = f"h-dns-srv-{uuid.uuid4().hex[:8]}"
    srv = dns_env.start("user", name=server, aliases=("web-alias",))
    client = dns_env.start("user")
    address, _ = _address_on(dns_env, srv)
    for name in (server, "web-alias"):
        out = dns_env.run(client, ["nslookup", name])
        answers = re.findall(r"^Address:\s*(\S+)$", out, flags=re.M)
        answers = [a for a in answers if not a.endswith(":53") and "#" not in a]
        assert answers and answers[0] == address, f"{name} on {dns_env.name}:\n{out}"


@pytest.mark.parametrize("mode", MODES)
def test_container_resolv_conf_lists_no_outside_server(dns_env: Setup, mode: str) -> None:
    """Only loopback servers, or the engine's own DNS on a user network; never 8.8.8.8."""
    cid = dns_env.start(mode)
    servers = nameservers(dns_env.run(cid, ["cat", "/etc/resolv.conf"]))
    own_dns = set()
    if mode == "user":
        own = DOCKER_EMBEDDED_DNS if dns_env.name == "docker" else _address_on(dns_env, cid)[1]
        assert servers[:1] == [own], f"{dns_env.name} {mode}: the engine's DNS comes first"
        own_dns.add(own)
    outside = [s for s in servers if s not in own_dns and not on_loopback(s)]
    assert not outside, f"{dns_env.name} {mode}: resolv.conf lists {servers}"


def _podman_conf_files(pid: int) -> list[Path]:
    env = dict(
        item.split("=", 1)
        for item in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        if "=" in item
    )
    if "CONTAINERS_CONF" in env:
        return [Path(f"/proc/{pid}/root{env['CONTAINERS_CONF']}")]
    root = Path(f"/proc/{pid}/root")
    return [root / "usr/share/containers/containers.conf", root / "etc/containers/containers.conf"]


def test_podman_service_and_aardvark_forward_to_loopback(dns_env: Setup) -> None:
    if dns_env.name != "podman":
        pytest.skip("Podman's service and aardvark-dns")
    service = daemon_pid(dns_env.engine.url)  # type: ignore[attr-defined]
    for conf in _podman_conf_files(service):
        if conf.exists():
            containers = tomllib.loads(conf.read_text()).get("containers", {})
            assert "dns_servers" not in containers, f"{conf} replaces aardvark-dns in containers"
    servers = nameservers(resolv_view(service))
    assert servers and all(map(on_loopback, servers)), f"the service reads {servers}"
    dns_env.start("user")  # a container on a DNS network: aardvark-dns runs
    aardvark = int(AARDVARK_PIDFILE.read_text().split()[0])
    assert Path(cmdline(aardvark)[0]).name == "aardvark-dns"
    servers = nameservers(resolv_view(aardvark))
    assert servers and all(map(on_loopback, servers)), f"aardvark-dns forwards to {servers}"


def _flag_values(argv: list[str], flag: str) -> list[str]:
    """Values of `flag V` and `flag=V` in an argv."""
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return [v for a, v in pairs if a == flag] + [
        a.split("=", 1)[1] for a in argv if a.startswith(f"{flag}=")
    ]


def _dockerd_dns_settings(pid: int) -> list[str]:
    """--dns values on dockerd's command line and `dns` in its daemon.json."""
    argv = cmdline(pid)
    found = _flag_values(argv, "--dns")
    config = (_flag_values(argv, "--config-file") or ["/etc/docker/daemon.json"])[-1]
    path = Path(f"/proc/{pid}/root{config}")
    if path.exists():
        found += list(json.loads(path.read_text() or "{}").get("dns", []))
    return found


def test_dockerd_forwards_to_loopback(dns_env: Setup) -> None:
    if dns_env.name != "docker":
        pytest.skip("dockerd")
    dockerd = daemon_pid(dns_env.engine.url)  # type: ignore[attr-defined]
    settings = _dockerd_dns_settings(dockerd)
    assert all(map(on_loopback, settings)), f"dockerd's DNS settings: {settings}"
    servers = nameservers(resolv_view(dockerd))
    assert all(map(on_loopback, servers)), f"dockerd reads {servers} for its own lookups"
