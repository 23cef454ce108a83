"""Host-wide file locks (xdist workers, parallel runs) that do not pile up.

A lock file exists only while someone holds or waits for it: the holder removes
it before releasing, and a waiter that then gets the lock on the removed file
sees that the path no longer names it and tries again. A SIGKILL while holding
leaves the file (the kernel releases the lock); `sweep_locks` removes such files
when nobody holds them, with the same check.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def lock_dir() -> Path:
    return Path(os.environ.get("HARNESS_LOCK_DIR", tempfile.gettempdir())) / "harness-locks"


def _still_named(handle: IO[str], path: Path) -> bool:
    """Whether `path` still names the file `handle` holds (not removed, not replaced)."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def file_lock(key: str) -> Iterator[None]:
    """An exclusive lock shared by every process on the host, by key."""
    directory = lock_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.lock"
    while True:
        handle = open(path, "a")  # noqa: SIM115 - closed below, after the unlock
        fcntl.flock(handle, fcntl.LOCK_EX)
        if _still_named(handle, path):
            break
        handle.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def sweep_locks() -> int:
    """Remove lock files nobody holds (left by a killed holder); how many."""
    removed = 0
    directory = lock_dir()
    if not directory.is_dir():
        return 0
    for path in directory.glob("*.lock"):
        try:
            handle = open(path, "a")  # noqa: SIM115 - closed in finally
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _still_named(handle, path):
                path.unlink(missing_ok=True)
                removed += 1
            fcntl.flock(handle, fcntl.LOCK_UN)
        except OSError:
            pass  # held by a live process
        finally:
            handle.close()
    return removed
