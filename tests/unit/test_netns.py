"""harness.engines.netns against a real network namespace this test creates and removes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from harness.engines import netns

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None,
    reason="creating a network namespace needs root, unshare and ip",
)


@pytest.fixture
def ns_path() -> Iterator[str]:
    """A fresh netns with only lo up, held by a sleep this fixture owns and kills by PID."""
    holder = subprocess.Popen(
        ["unshare", "--net", "sh", "-c", "ip link set lo up && exec sleep 300"],
        stdout=subprocess.DEVNULL,
    )
    path = f"/proc/{holder.pid}/ns/net"
    try:
        deadline = time.monotonic() + 10
        while os.readlink(path) == os.readlink("/proc/self/ns/net") or not _lo_up(path):
            assert time.monotonic() < deadline, "the namespace did not come up"
            time.sleep(0.05)
        yield path
    finally:
        holder.kill()
        holder.wait()


def _lo_up(path: str) -> bool:
    try:
        return netns.run_in_netns(path, _loopback_accepts)
    except OSError:
        return False


def _loopback_accepts() -> bool:
    """A connection over lo: binding 127.0.0.1 succeeds while lo is still down."""
    try:
        with socket.create_server(("127.0.0.1", 0)) as server:
            socket.create_connection(server.getsockname(), timeout=1).close()
    except OSError:
        return False
    return True


def _serve_token(path: str, token: bytes) -> tuple[int, threading.Thread]:
    listener = netns.run_in_netns(path, lambda: socket.create_server(("127.0.0.1", 0)))
    port = listener.getsockname()[1]

    def serve() -> None:
        with listener:
            listener.settimeout(10)
            conn, _ = listener.accept()
            with conn:
                conn.sendall(token)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return port, thread


def test_only_loopback_inside_and_caller_thread_stays_home(ns_path: str) -> None:
    home = os.readlink("/proc/thread-self/ns/net")
    assert netns.interfaces(ns_path) == ["lo"]
    assert os.readlink("/proc/thread-self/ns/net") == home
    inside = netns.run_in_netns(ns_path, lambda: os.readlink("/proc/thread-self/ns/net"))
    assert inside == os.readlink(ns_path) != home


def test_connect_reaches_a_listener_that_exists_only_in_the_namespace(ns_path: str) -> None:
    token = os.urandom(8).hex().encode()
    port, server = _serve_token(ns_path, token)
    with netns.connect(ns_path, "127.0.0.1", port) as conn:
        conn.settimeout(5)
        assert conn.recv(64) == token
    server.join(5)
    # The same port from the host's namespace is someone else's, or nobody's.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as other:
            other.settimeout(2)
            assert other.recv(64) != token
    except OSError:
        pass


def test_can_connect_is_false_where_nothing_listens(ns_path: str) -> None:
    probe = netns.run_in_netns(ns_path, lambda: socket.create_server(("127.0.0.1", 0)))
    port = probe.getsockname()[1]
    probe.close()
    assert netns.can_connect(ns_path, "127.0.0.1", port, timeout=2) is False


def test_errors_come_back_to_the_caller(ns_path: str) -> None:
    def boom() -> None:
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        netns.run_in_netns(ns_path, boom)
    with pytest.raises(OSError):  # a mount namespace is not a network namespace
        netns.run_in_netns("/proc/self/ns/mnt", lambda: None)
    with pytest.raises(FileNotFoundError):
        netns.run_in_netns("/proc/0/ns/net", lambda: None)


def test_libc_fallback_joins_like_os_setns(ns_path: str) -> None:
    def via_libc() -> str:
        fd = os.open(ns_path, os.O_RDONLY)
        try:
            netns._libc_setns(fd, netns.CLONE_NEWNET)
        finally:
            os.close(fd)
        return os.readlink("/proc/thread-self/ns/net")

    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(via_libc()))
    worker.start()
    worker.join(10)
    assert result == [os.readlink(ns_path)]
