"""Run host-side probes inside another network namespace.

Version surfaces (scripts/versions.sh) live in their own network namespace: their
published ports and container addresses exist only there, so a probe from the host's
namespace would miss them (or, worse, reach one of the host's engines on the same
port). Network namespaces are per thread in Linux, so a short-lived thread that joins
the namespace runs the probe there and leaves the rest of the process where it was.
A socket keeps the namespace it was created in, so a connected socket made in that
thread is usable from any thread afterwards.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

CLONE_NEWNET = 0x40000000


def _libc_setns(fd: int, nstype: int) -> None:
    """setns(2) through libc, for Pythons before 3.12 (no os.setns)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.setns(fd, nstype) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def setns(fd: int, nstype: int) -> None:
    """Join the namespace open at `fd` (this thread only, for a network namespace)."""
    native = getattr(os, "setns", None)
    if native is not None:
        native(fd, nstype)
    else:
        _libc_setns(fd, nstype)


def run_in_netns(netns: str | Path, fn: Callable[[], T], timeout: float = 60.0) -> T:
    """Call `fn` in a fresh thread that first joins the network namespace at `netns`.

    `netns` is a namespace file: /proc/PID/ns/net or /run/netns/NAME. The calling
    thread's namespace never changes; the worker thread ends with the call.
    """
    result: list[T] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            fd = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                setns(fd, CLONE_NEWNET)
            finally:
                os.close(fd)
            result.append(fn())
        except BaseException as exc:  # handed back to the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=worker, name=f"netns:{netns}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"probe in {netns} did not finish within {timeout} s")
    if errors:
        raise errors[0]
    return result[0]


def connect(netns: str | Path, host: str, port: int, timeout: float = 5.0) -> socket.socket:
    """A TCP connection made inside `netns`; the caller owns (and closes) the socket."""
    return run_in_netns(
        netns, lambda: socket.create_connection((host, port), timeout=timeout), timeout + 5
    )


def can_connect(netns: str | Path, host: str, port: int, timeout: float = 5.0) -> bool:
    """Whether something accepts TCP connections at host:port, seen from inside `netns`."""
    try:
        connect(netns, host, port, timeout).close()
    except OSError:
        return False
    return True


def interfaces(netns: str | Path) -> list[str]:
    """The network interface names inside `netns` (what a host_facts probe would see)."""
    return run_in_netns(netns, lambda: [name for _, name in socket.if_nameindex()])
