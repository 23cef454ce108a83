"""Run an engine's own command-line tool (a `cli` step, a compose tool) with bounded
memory and time: each output stream keeps its head and tail (the cut is marked and the
sizes recorded), and the process group is killed at the step's timeout or as soon as
the run is interrupted or the scenario's own deadline passes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.engines._logs import CappedStream
from harness.engines._util import text
from harness.errors import EngineError

POLL_S = 0.2


@dataclass(frozen=True)
class Finished:
    """How the process ended: its exit code (None when it was killed), output as kept."""

    exit_code: int | None
    stdout: str
    stderr: str
    stdout_size: int
    stderr_size: int
    timed_out: bool
    truncated: bool


def _drain(pipe: IO[bytes], into: CappedStream) -> None:
    for chunk in iter(lambda: pipe.read(65536), b""):
        into.add(chunk)
    pipe.close()


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def run_bounded(
    argv: list[str],
    timeout: float,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Finished:
    """`argv` to completion, the timeout, or `stop()`; never holds more than the caps."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,  # its own process group: a kill reaches its children
        )
    except FileNotFoundError as exc:
        raise EngineError(f"command not found: {exc}") from None
    assert process.stdout is not None and process.stderr is not None
    out, err = CappedStream(), CappedStream()
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, out), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout
    timed_out = False
    while process.poll() is None:
        if time.monotonic() >= deadline or stop():
            timed_out = True
            _kill(process)
            break
        # Not a plain sleep: wait() returns as soon as the tool exits (within Python's
        # own few-ms waitpid backoff), where a sleep cost each of the library's ~1000
        # CLI and compose calls of a full report 0.1 s on average.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL_S)
    code = process.wait()
    for reader in readers:
        reader.join(5)
    kept_out, kept_err = out.kept(), err.kept()
    return Finished(
        None if timed_out else code,
        text(kept_out),
        text(kept_err),
        out.size,
        err.size,
        timed_out,
        any(s.size > s.head_limit + s.tail_limit for s in (out, err)),
    )
