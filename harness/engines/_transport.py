"""Deadlines and size caps on every answer an engine gives over its Unix socket.

The SDKs only bound each single socket read (docker-py and podman-py pass one
`timeout` to requests): an engine that accepts and never answers holds a call
for that long, one that answers a byte at a time holds it forever, and one that
answers a huge document is read whole into memory. Here each adapter call runs
under a `Budget` (a total deadline and a byte cap, held in a context variable
so concurrent teardown threads each have their own), and the sockets the SDKs
read through are `GuardedSocket`s that consult it on every read.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import requests
import urllib3.connection
import urllib3.connectionpool
from requests.adapters import HTTPAdapter

MiB = 1024 * 1024
# JSON answers (inspect, listings, info) are kilobytes; a listing of thousands of
# resources a few MiB. Past this the answer is not read on: the engine misbehaves.
MAX_ANSWER = 32 * MiB
# Streamed answers read as they come (build output, push and pull progress).
MAX_STREAM = 64 * MiB


@dataclass
class Budget:
    """One adapter call's allowance: wall-clock deadline and bytes to read."""

    what: str
    seconds: float
    max_bytes: int | None = MAX_ANSWER
    deadline: float = 0.0
    read: int = 0
    tripped: str | None = None
    sockets: list[socket.socket] = field(default_factory=list)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def trip(self, reason: str) -> None:
        """Record why the call is cut short and stop every socket it reads from."""
        if self.tripped is None:
            self.tripped = reason
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def expire(self) -> None:
        self.trip(f"no complete answer within {self.seconds:g} s")

    def count(self, n: int) -> None:
        self.read += n
        if self.max_bytes is not None and self.read > self.max_bytes:
            self.trip(f"answer larger than {self.max_bytes // MiB} MiB (not read further)")
            raise ConnectionAbortedError(self.tripped)


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "harness_engine_budget", default=None
)


def current() -> Budget | None:
    return _CURRENT.get()


def cut_short() -> bool:
    """Whether the current call's budget ran out (so a timeout is not the caller's)."""
    spent = _CURRENT.get()
    return spent is not None and spent.tripped is not None


@contextlib.contextmanager
def budget(
    what: str, seconds: float, max_bytes: int | None = MAX_ANSWER, watchdog: bool = False
) -> Iterator[Budget]:
    """Run the body under a budget; a nested one never outlives its parent.

    `watchdog` also arms a timer that shuts the call's sockets at the deadline, for
    SDK paths that wait in poll() before reading (docker-py's exec output).
    """
    outer = _CURRENT.get()
    deadline = time.monotonic() + seconds
    if outer is not None:
        deadline = min(deadline, outer.deadline)
    current_budget = Budget(what, seconds, max_bytes, deadline=deadline)
    token = _CURRENT.set(current_budget)
    timer = None
    if watchdog:
        timer = threading.Timer(max(current_budget.remaining(), 0.0), current_budget.expire)
        timer.daemon = True
        timer.start()
    try:
        yield current_budget
    finally:
        if timer is not None:
            timer.cancel()
        _CURRENT.reset(token)


class GuardedSocket(socket.socket):
    """A socket whose reads and writes stop at the current budget's deadline and cap."""

    _base_timeout: float | None = None

    def settimeout(self, value: float | None) -> None:
        self._base_timeout = value
        super().settimeout(value)

    def _arm(self) -> Budget | None:
        spent = _CURRENT.get()
        if spent is None:
            return None
        if self not in spent.sockets:
            spent.sockets.append(self)
        left = spent.remaining()
        if spent.tripped or left <= 0:
            spent.expire()
            raise TimeoutError(spent.tripped)
        base = self._base_timeout
        super().settimeout(left if base is None else min(base, left))
        return spent

    def _expired(self, spent: Budget | None) -> None:
        if spent is not None and spent.remaining() <= 0:
            spent.expire()

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        spent = self._arm()
        try:
            n = super().recv_into(buffer, nbytes, flags)
        except TimeoutError:
            self._expired(spent)
            raise
        if spent is not None:
            spent.count(n)
        return n

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        spent = self._arm()
        try:
            data = super().recv(bufsize, flags)
        except TimeoutError:
            self._expired(spent)
            raise
        if spent is not None:
            spent.count(len(data))
        return data

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._arm()
        super().sendall(data, flags)


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


class GuardedUnixConnection(urllib3.connection.HTTPConnection):
    """urllib3's HTTP connection over a Unix socket, through a `GuardedSocket`."""

    def __init__(self, *args: Any, socket_path: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = GuardedSocket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(_seconds(self.timeout))
        spent = sock._arm()
        try:
            sock.connect(self.socket_path)
        except TimeoutError:
            sock._expired(spent)
            sock.close()
            raise
        except OSError:
            sock.close()
            raise
        sock.settimeout(_seconds(self.timeout))
        self.sock = sock


class _GuardedPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = GuardedUnixConnection


class GuardedUnixAdapter(HTTPAdapter):
    """A requests transport for one Unix socket; replaces each SDK's own."""

    def __init__(self, socket_path: str, maxsize: int = 10) -> None:
        super().__init__(pool_connections=1, pool_maxsize=maxsize)
        self.socket_path = socket_path
        self._pool = _GuardedPool("localhost", maxsize=maxsize, socket_path=socket_path)

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> urllib3.connectionpool.HTTPConnectionPool:
        return self._pool

    def request_url(self, request: requests.PreparedRequest, proxies: Any) -> str:
        return str(request.path_url)

    def close(self) -> None:
        self._pool.close()
        super().close()


def unix_socket_path(url: str) -> str | None:
    """'unix:///run/x.sock' (or 'http+unix://%2Frun%2Fx.sock') -> '/run/x.sock'; None otherwise."""
    parsed = urlparse(url)
    if parsed.scheme not in ("unix", "http+unix"):
        return None
    path = unquote(parsed.netloc) + parsed.path
    return path if path.startswith("/") else f"/{path}"
