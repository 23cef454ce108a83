"""Engines that misbehave: the adapters against fake engine sockets.

Each fake is a Unix socket server in a thread that answers `/version` and `/_ping`
as a daemon would (so docker-py's connection handshake passes when the test wants
it to) and misbehaves on the paths under test: silent (accepts, never answers),
slow drip (a byte at a time, forever), huge (an endless document or log stream),
garbage (bytes that are not HTTP). Time bounds are generous upper bounds (the
adapters promise 10 s; these are behaviour checks, not benchmarks); memory is
measured in a subprocess with resource.getrusage.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.engines import create_engine
from harness.engines.base import captured_logs
from harness.errors import EngineUnavailable

ADAPTERS = ("docker", "podman", "podman-docker-api")
VERSION = {"ApiVersion": "1.41", "Version": "20.10.24", "Components": []}
UNAVAILABLE_WITHIN_S = 20  # the adapters' deadline is 10 s; this only catches "unbounded"
MAX_RSS_MB = 300
REPO = Path(__file__).resolve().parents[2]

Behaviour = Callable[[socket.socket, str], None]


def _json_answer(conn: socket.socket, doc: object) -> None:
    body = json.dumps(doc).encode()
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    conn.sendall(head.encode() + body)


def silent(conn: socket.socket, path: str) -> None:
    """Accept the request and never answer (until the client gives up)."""
    while conn.recv(65536):
        pass


def drip(conn: socket.socket, path: str) -> None:
    """A valid answer, one byte every 50 ms, that never ends."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    answer += b"Content-Length: 99999999\r\n\r\n["
    for byte in answer:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)
    while True:
        conn.sendall(b" ")
        time.sleep(0.05)


def huge_json(conn: socket.socket, path: str) -> None:
    """An endless JSON document, as fast as the client reads it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    conn.sendall(b'{"Id": "abc", "Padding": ["')
    block = b"x" * (1 << 20)
    while True:
        conn.sendall(block)


def huge_logs(conn: socket.socket, path: str) -> None:
    """A framed log stream of 600 MiB on stdout and 1 KiB on stderr."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n")
    conn.sendall(b"Connection: close\r\n\r\n")
    payload = b"y" * (1 << 20)
    frame = b"\x01\0\0\0" + len(payload).to_bytes(4, "big") + payload
    conn.sendall(b"\x02\0\0\0" + (1024).to_bytes(4, "big") + b"e" * 1024)
    for _ in range(600):
        conn.sendall(frame)


def garbage(conn: socket.socket, path: str) -> None:
    conn.sendall(b"\x00\xff\xfe not HTTP at all \r\n\r\n" * 4)


class FakeEngine:
    """A Unix socket server: `/version` and `/_ping` answered well unless
    `handshake` is False, every other path by `behaviour`."""

    def __init__(self, behaviour: Behaviour, handshake: bool = True) -> None:
        self.behaviour, self.handshake = behaviour, handshake
        self.dir = tempfile.mkdtemp(prefix="harness-fake-")
        self.path = os.path.join(self.dir, "engine.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(16)
        self.url = f"unix://{self.path}"
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1] if request.count(" ") >= 2 else ""
                if self.handshake and path.split("?")[0].endswith(("/version", "/_ping")):
                    _json_answer(conn, VERSION)
                else:
                    self.behaviour(conn, path)
            except OSError:
                return  # the client hung up: that is what the adapters should do

    def close(self) -> None:
        self.closed = True
        self.server.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
            os.rmdir(self.dir)


@pytest.fixture
def fake() -> Iterator[Callable[..., FakeEngine]]:
    made: list[FakeEngine] = []

    def start(behaviour: Behaviour, handshake: bool = True) -> FakeEngine:
        made.append(FakeEngine(behaviour, handshake))
        return made[-1]

    yield start
    for server in made:
        server.close()


def _timed_info(name: str, url: str) -> tuple[float, bool, str]:
    engine = create_engine(name, url)
    started = time.monotonic()
    info = engine.info()
    elapsed = time.monotonic() - started
    engine.close()
    return elapsed, info.available, info.error or ""


@pytest.mark.parametrize("name", ADAPTERS)
def test_silent_engine_is_unavailable_with_the_reason(
    fake: Callable[..., FakeEngine], name: str
) -> None:
    server = fake(silent, handshake=False)
    elapsed, available, error = _timed_info(name, server.url)
    assert not available
    assert "no complete answer within 10 s" in error
    assert elapsed < UNAVAILABLE_WITHIN_S


@pytest.mark.parametrize("name", ADAPTERS)
def test_an_engine_that_pings_gets_the_ordinary_deadline_for_its_fingerprint(
    fake: Callable[..., FakeEngine], name: str
) -> None:
    """Alive (it answers /_ping) but slow on /info, as a busy Podman is: not cut off
    at the ping's deadline, but still bounded by the ordinary one."""
    server = fake(silent, handshake=True)
    engine = create_engine(name, server.url)
    engine.call_deadline = 3.0  # type: ignore[attr-defined]
    info = engine.info()
    assert not info.available
    assert "no complete answer within 3 s" in (info.error or "")
    engine.close()


@pytest.mark.parametrize("name", ADAPTERS)
def test_slow_drip_engine_is_unavailable_with_the_reason(
    fake: Callable[..., FakeEngine], name: str
) -> None:
    server = fake(drip, handshake=False)
    elapsed, available, error = _timed_info(name, server.url)
    assert not available
    assert "no complete answer within" in error
    assert elapsed < UNAVAILABLE_WITHIN_S


@pytest.mark.parametrize("name", ADAPTERS)
def test_garbage_answer_is_unavailable(fake: Callable[..., FakeEngine], name: str) -> None:
    server = fake(garbage, handshake=False)
    elapsed, available, error = _timed_info(name, server.url)
    assert not available and error
    assert elapsed < UNAVAILABLE_WITHIN_S


@pytest.mark.parametrize("name", ["docker", "podman"])
def test_a_call_mid_run_has_a_deadline(fake: Callable[..., FakeEngine], name: str) -> None:
    server = fake(drip)
    engine = create_engine(name, server.url)
    engine.call_deadline = 3.0  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(EngineUnavailable, match="no complete answer within 3 s"):
        engine.inspect_container("abc")
    assert time.monotonic() - started < UNAVAILABLE_WITHIN_S
    engine.close()


# Run in a subprocess so the peak RSS is this one read's, not the test session's.
_MEASURE = """
import resource, sys, time
from tests.engines.test_misbehaving_sockets import FakeEngine, huge_json, huge_logs
from harness.engines import create_engine
from harness.engines.base import captured_logs
from harness.errors import EngineError, EngineUnavailable
name, what = sys.argv[1], sys.argv[2]
server = FakeEngine(huge_logs if what == "logs" else huge_json, handshake=what != "info")
engine = create_engine(name, server.url)
if what == "info":
    info = engine.info()
    result = f"available={info.available} error={info.error}"
elif what == "inspect":
    try:
        engine.inspect_container("abc")
        result = "answered"
    except (EngineError, EngineUnavailable) as exc:
        result = f"{type(exc).__name__}: {exc}"
else:
    logs = captured_logs(engine, "abc")
    result = f"sizes={logs.stdout_size},{logs.stderr_size} kept={len(logs.stdout)}"
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{peak_mb}|{result}")
"""


def _measure(name: str, what: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, name, what],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    peak, _, result = done.stdout.strip().rpartition("\n")[2].partition("|")
    return int(peak), result


@pytest.mark.parametrize("name", ADAPTERS)
def test_huge_fingerprint_is_capped(name: str) -> None:
    peak_mb, result = _measure(name, "info")
    assert "available=False" in result and "answer larger than" in result
    assert peak_mb < MAX_RSS_MB, result


@pytest.mark.parametrize("name", ["docker", "podman"])
def test_huge_inspect_is_capped(name: str) -> None:
    peak_mb, result = _measure(name, "inspect")
    assert result.startswith("EngineUnavailable") and "answer larger than" in result
    assert peak_mb < MAX_RSS_MB, result


@pytest.mark.parametrize("name", ["docker", "podman"])
def test_huge_logs_keep_head_and_tail_with_sizes(name: str) -> None:
    peak_mb, result = _measure(name, "logs")
    assert f"sizes={600 << 20},1024" in result
    kept = int(result.rsplit("kept=", 1)[1])
    assert kept < 16 << 20
    assert peak_mb < MAX_RSS_MB, result


def test_captured_logs_of_an_adapter_without_sizes_are_its_lengths() -> None:
    class Plain:
        name = "plain"

        def logs(self, container_id: str) -> tuple[bytes, bytes]:
            return b"out", b"errors"

    logs = captured_logs(Plain(), "x")  # type: ignore[arg-type]
    assert (logs.stdout_size, logs.stderr_size, logs.truncated) == (3, 6, False)
