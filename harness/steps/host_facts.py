"""What the host itself looks like, for scenarios that compare a container's view with it.

Host networking is defined by reference to the host ("shares the host's
interfaces and hostname"), so the expectation needs the host's own values.
Only stable facts are taken: the hostname and the interface holding the IPv4
default route with its address. The full interface list is not, since other
sessions' bridges and veth pairs come and go while a scenario runs.
"""

from __future__ import annotations

import fcntl
import socket
import struct
from pathlib import Path

SIOCGIFADDR = 0x8915
SIOCGIFNETMASK = 0x891B


def default_interface(route_table: str) -> str | None:
    """The interface of the IPv4 default route, from /proc/net/route's text."""
    for line in route_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 7 and fields[1] == "00000000" and fields[7] == "00000000":
            return fields[0]
    return None


def prefix_length(netmask: str) -> int:
    """'255.255.255.0' -> 24."""
    return bin(int.from_bytes(socket.inet_aton(netmask), "big")).count("1")


def _ioctl_address(iface: str, request: int) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        packed = struct.pack("256s", iface[:15].encode())
        return socket.inet_ntoa(fcntl.ioctl(sock.fileno(), request, packed)[20:24])


def default_route(route_file: Path = Path("/proc/net/route")) -> str | None:
    """'IFACE ADDRESS/PREFIX' for the default-route interface, as `ip -4 -o addr` shows it."""
    try:
        iface = default_interface(route_file.read_text())
        if iface is None:
            return None
        address = _ioctl_address(iface, SIOCGIFADDR)
        netmask = _ioctl_address(iface, SIOCGIFNETMASK)
    except OSError:
        return None
    return f"{iface} {address}/{prefix_length(netmask)}"


def host_facts() -> dict[str, str | None]:
    return {"hostname": socket.gethostname(), "default_route": default_route()}
