"""Temporary directories named after the process that made them
(`harness-KIND-PID.START-…`), so that the next run or `harness clean` can remove what a
killed process left, and never what a live one uses. Ground layer: any layer may make one.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness.labels import process_start_time

TEMP_PREFIX = "harness-"


def temp_dir(kind: str, parent: Path | None = None) -> Path:
    """A temporary directory named after this process (`harness-KIND-PID.START-…`), so
    that the next run or `harness clean` can sweep it if this process is killed; in
    `parent` (a version surface's shared scratch) or the system's temporary directory."""
    pid = os.getpid()
    tag = f"{TEMP_PREFIX}{kind}-{pid}.{process_start_time(pid) or 0}-"
    return Path(tempfile.mkdtemp(prefix=tag, dir=parent))


def _dead_owner(name: str) -> bool:
    """`harness-KIND-PID.START-xxxx` of a process that no longer exists on this host."""
    found = re.match(rf"^{TEMP_PREFIX}[a-z-]+-(\d+)\.(\d+)-", name)
    if not found:
        return False
    pid, start = int(found.group(1)), found.group(2)
    return process_start_time(pid) != start


def sweep_temp(root: Path | None = None) -> int:
    """Remove the temporary directories of dead harness processes; how many."""
    base = root or Path(tempfile.gettempdir())
    removed = 0
    for path in base.glob(f"{TEMP_PREFIX}*"):
        if path.is_dir() and not path.is_symlink() and _dead_owner(path.name):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@contextlib.contextmanager
def scratch(kind: str, parent: Path | None = None) -> Iterator[Path]:
    """`temp_dir` for the length of a `with` block."""
    path = temp_dir(kind, parent)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
