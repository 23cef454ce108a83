"""SIGINT and SIGTERM during a run: stop at once, but never half-way through cleanup.

The first signal raises KeyboardInterrupt in the main thread, which the runner
turns into teardown, a sweep of the run's labels and a partial results.json
marked incomplete. Later signals are only acknowledged, so an impatient second
Ctrl-C cannot leave containers behind; SIGKILL remains the hammer, and the
next run (or `harness clean`) sweeps what it leaves.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class InterruptOnce:
    """A signal handler that raises KeyboardInterrupt the first time only."""

    def __init__(self) -> None:
        self.received: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        print(f"harness: {name} again; still cleaning up (SIGKILL skips cleanup)", file=sys.stderr)


@contextlib.contextmanager
def interrupt_once() -> Iterator[InterruptOnce]:
    """Install the handler for SIGINT and SIGTERM; restore the previous ones on exit."""
    handler = InterruptOnce()
    previous = {sig: signal.signal(sig, handler) for sig in HANDLED}
    try:
        yield handler
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
