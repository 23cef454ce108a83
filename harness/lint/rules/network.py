"""Networking: the Docker socket, rootless ports and host mode, host names, DNS, isolation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, DIFFERS, Hit, rule

SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
ROOTLESS_LINK = "https://github.com/containers/podman/blob/main/rootless.md"


@rule(
    "PM501",
    "docker-socket-mount",
    "The Docker socket is mounted into a container",
    BREAKS,
    {"podman": ""},
    "Enable the Podman socket (`podman system service` / podman.socket) and mount it at "
    "/var/run/docker.sock, or set DOCKER_HOST for the tool.",
    "https://github.com/containers/podman/issues/15928",
)
def docker_socket(inputs: Inputs) -> Iterator[Hit]:
    """Traefik, Portainer, Watchtower, Testcontainers and CI runners talk to
    /var/run/docker.sock. A Podman host has no such socket unless the Podman service is
    enabled (opt-in) and linked there, and even then some Docker API calls differ."""
    for compose, service in inputs.services():
        for mount in service.volumes:
            if mount.source in SOCKETS:
                yield Hit(
                    compose.locate(mount.path),
                    f"{mount.source} does not exist on a Podman host unless the Podman "
                    "socket is enabled there",
                )


@rule(
    "PM502",
    "privileged-port-rootless",
    "Host port below 1024: rootless Podman cannot publish it",
    BREAKS,
    {"podman": ""},
    "Publish a port >= 1024 (8080:80), or lower net.ipv4.ip_unprivileged_port_start.",
    ROOTLESS_LINK,
)
def privileged_port(inputs: Inputs) -> Iterator[Hit]:
    """Rootless Podman publishes ports as the invoking user, and the kernel refuses ports
    below net.ipv4.ip_unprivileged_port_start (1024): `rootlessport cannot expose
    privileged port 80`. Rootful Docker (and rootful Podman) publish them."""
    for compose, service in inputs.services():
        for port in service.ports:
            number = port.published_number()
            if number is not None and number < 1024:
                yield Hit(
                    compose.locate(port.path),
                    f"host port {number} < 1024: rootless Podman cannot publish it",
                )


@rule(
    "PM503",
    "host-network",
    "network_mode: host behaves differently under rootless Podman",
    DIFFERS,
    {"podman": ""},
    "Publish the ports on a bridge network instead, or run this service rootful.",
    ROOTLESS_LINK,
)
def host_network(inputs: Inputs) -> Iterator[Hit]:
    """With host networking the process binds the host's ports directly: rootless Podman
    cannot bind ports below 1024 there either, and needs extra privileges for raw
    sockets and interface changes that Docker's root daemon grants. `ports:` is ignored
    on both."""
    for compose, service in inputs.services():
        if service.raw.get("network_mode") == "host":
            yield Hit(
                compose.locate((*service.path, "network_mode")),
                "network_mode: host: rootless Podman binds as the user (no ports < 1024)",
            )


def _extra_hosts(value: Any) -> list[tuple[int | str, str, str]]:
    if isinstance(value, dict):
        return [(k, str(k), str(v)) for k, v in value.items()]
    if isinstance(value, list):
        out: list[tuple[int | str, str, str]] = []
        for i, item in enumerate(value):
            text = str(item)
            sep = "=" if "=" in text else ":"
            name, _, address = text.partition(sep)
            out.append((i, name, address))
        return out
    return []


@rule(
    "PM504",
    "host-gateway",
    "extra_hosts `host-gateway` needs Podman 4.7 or newer",
    BREAKS,
    {"podman": "<4.7"},
    "Use host.containers.internal, which Podman adds by itself, or upgrade to Podman 4.7+.",
    "https://github.com/containers/podman/pull/19152",
)
def host_gateway(inputs: Inputs) -> Iterator[Hit]:
    """Docker maps the special address `host-gateway` to the host. Podman before 4.7
    rejects it: `Error: invalid IP address in add-host: "host-gateway"`; `podman build
    --add-host` rejected it for longer."""
    for compose, service in inputs.services():
        for key, name, address in _extra_hosts(service.raw.get("extra_hosts")):
            if address == "host-gateway":
                yield Hit(
                    compose.locate((*service.path, "extra_hosts", key)),
                    f"{name}:host-gateway is rejected by Podman < 4.7",
                )


def _mentions(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_mentions(v) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v) for v in value)
    return "host.docker.internal" in str(value)


@rule(
    "PM505",
    "host-docker-internal",
    "host.docker.internal without an extra_hosts entry for it",
    DIFFERS,
    {"podman": "<5.3", "docker": ""},
    'Add `extra_hosts: ["host.docker.internal:host-gateway"]` (Docker 20.10+, Podman 4.7+), '
    "or use host.containers.internal on Podman.",
    "https://github.com/containers/podman/issues/10878",
    ("networks.default-bridge-hostname",),
)
def host_docker_internal(inputs: Inputs) -> Iterator[Hit]:
    """Docker Desktop defines host.docker.internal; Docker Engine on Linux does not unless
    the compose file maps it with `host-gateway`. Podman names the host
    host.containers.internal in every /etc/hosts it writes and adds host.docker.internal
    only from 5.3 on, so the name resolves on some setups and not on others."""
    for compose, service in inputs.services():
        mapped = {name for _, name, _ in _extra_hosts(service.raw.get("extra_hosts"))}
        if "host.docker.internal" in mapped:
            continue
        for key in ("environment", "command", "entrypoint", "healthcheck"):
            if key in service.raw and _mentions(service.raw[key]):
                yield Hit(
                    compose.locate((*service.path, key), key=True),
                    f"host.docker.internal in {key} is not mapped by extra_hosts",
                )
                break


@rule(
    "PM506",
    "custom-dns",
    "dns: on a service replaces Podman's name server, so service names stop resolving",
    BREAKS,
    {"podman": ""},
    "Drop `dns:` and configure the upstream servers on the host instead.",
    "https://github.com/containers/podman/pull/16297",
    ("networks.user-bridge-custom-dns",),
)
def custom_dns(inputs: Inputs) -> Iterator[Hit]:
    """Docker keeps its embedded DNS server (127.0.0.11) in resolv.conf and forwards to
    the `dns:` servers. Podman 4.3 writes the `dns:` servers into resolv.conf in place of
    aardvark-dns, so containers ask those servers for `db` and the other services'
    names, which they do not know."""
    for compose, service in inputs.services():
        if "dns" in service.raw:
            yield Hit(
                compose.locate((*service.path, "dns")),
                "dns: replaces aardvark-dns in resolv.conf on Podman: names stop resolving",
            )


@rule(
    "PM507",
    "network-isolation",
    "Services split across networks: Podman does not isolate bridge networks by default",
    DIFFERS,
    {"podman": ""},
    "Do not rely on network separation for security on Podman; set `isolate: true` in the "
    "network's driver options (netavark) where needed.",
    "https://github.com/containers/podman/issues/5805",
    ("networks.user-bridge-isolation",),
)
def network_isolation(inputs: Inputs) -> Iterator[Hit]:
    """Docker drops traffic between containers on different user-defined bridges.
    Podman with netavark routes between bridge networks unless isolation is turned on,
    so a frontend/backend split isolates on Docker only."""
    for compose in inputs.compose:
        networks = compose.data.get("networks")
        if not isinstance(networks, dict) or len(networks) < 2:
            continue
        used = {n for s in compose.services.values() for n in s.networks}
        if len(used & set(networks)) >= 2:
            yield Hit(
                compose.locate(("networks",), key=True),
                f"networks {', '.join(sorted(used & set(networks)))} are isolated on "
                "Docker, not on Podman",
            )
