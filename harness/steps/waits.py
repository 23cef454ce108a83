"""Pure logic behind the `wait` and `probe` steps: polling, conditions, loopback probes.

Nothing here knows a scenario or an SDK: conditions read an inspect document
(or None when the container is gone), `poll` retries with a short backoff
until a deadline, and the probes only ever connect to 127.0.0.1.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from harness.verdict.observe import health_doc

LOOPBACK = "127.0.0.1"
EXITED = ("exited", "dead", "stopped")
# A change is noticed at most MAX_DELAY (plus one inspect) after it happens; an
# inspect costs a few ms, so polling at 10 Hz is cheap next to a container's life.
FIRST_DELAY = 0.025
MAX_DELAY = 0.1
T = TypeVar("T")


@dataclass(frozen=True)
class PollResult:
    reached: bool
    waited_s: float
    last: Any


def poll(
    check: Callable[[], tuple[bool, Any]],
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    stop: Callable[[], bool] = lambda: False,
) -> PollResult:
    """Call `check` until it says True or `timeout` seconds pass (or `stop()`, when
    the run is interrupted); never hangs."""
    start = clock()
    delay = first_delay
    while True:
        ok, last = check()
        elapsed = clock() - start
        if ok:
            return PollResult(True, round(elapsed, 2), last)
        if elapsed >= timeout or stop():
            return PollResult(False, round(elapsed, 2), last)
        sleep(max(0.0, min(delay, timeout - elapsed)))
        delay = min(delay * 2, max_delay)


def status(inspect: dict[str, Any] | None) -> str:
    """The container's state, or 'removed' when it no longer exists."""
    if inspect is None:
        return "removed"
    return str((inspect.get("State") or {}).get("Status") or "unknown")


def health(inspect: dict[str, Any] | None) -> tuple[str | None, int]:
    """(health status, number of checks the engine has run) from an inspect document."""
    state = (inspect or {}).get("State") or {}
    doc = health_doc(state)
    return (doc.get("Status") or None), len(doc.get("Log") or [])


def state_condition(condition: str, inspect: dict[str, Any] | None) -> tuple[bool, str | None]:
    """Does an inspect document satisfy exited/running/removed/healthy/unhealthy?"""
    if condition in ("healthy", "unhealthy"):
        current, _ = health(inspect)
        return current == condition, current
    current_status = status(inspect)
    if condition == "exited":
        return current_status in EXITED, current_status
    return current_status == condition, current_status


def log_condition(pattern: str, stdout: str, stderr: str) -> bool:
    return re.search(pattern, stdout + stderr) is not None


def host_port(inspect: dict[str, Any] | None, port: str) -> int | None:
    """The host port published for `port` ('8080/tcp'), as both inspect shapes give it."""
    if "/" not in port:
        port = f"{port}/tcp"
    ports = ((inspect or {}).get("NetworkSettings") or {}).get("Ports") or {}
    for binding in ports.get(port) or []:
        text = str(binding.get("HostPort") or "")
        if text.isdigit() and int(text) > 0:
            return int(text)
    return None


def tcp_open(port: int, timeout: float = 0.5) -> bool:
    """Can a TCP connection to 127.0.0.1:port be made? (loopback only, by construction)"""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_get(port: int, path: str, timeout: float) -> tuple[int, str]:
    """GET http://127.0.0.1:port/path -> (status, body text, at most 64 KiB)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path if path.startswith("/") else f"/{path}")
        response = conn.getresponse()
        body = response.read(65536).decode("utf-8", errors="replace")
        return response.status, body
    finally:
        conn.close()


def within(call: Callable[[], T], timeout: float) -> T | None:
    """`call()`'s result, or None if it has not returned after `timeout` seconds.

    The call keeps running in a daemon thread (an SDK call cannot be cancelled);
    the caller ends it by removing what it waits on. Exceptions are re-raised here.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="harness-step", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])
