"""A scenario's build context, checked before anything is copied or hashed: a FIFO or
device file would never end (the copy and the content hash read it forever), a symlink
out of the context would send host files to the engine, and the context's size is
bounded so a stray directory cannot fill the disk with temporary copies.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_CONTEXT_BYTES = 64 * 1024 * 1024
MAX_CONTEXT_ENTRIES = 10_000
_SPECIAL = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def context_problems(root: Path) -> list[str]:
    """What makes `root` unsafe to send to an engine as a build context (empty if fine)."""
    problems: list[str] = []
    total = entries = 0
    real_root = root.resolve()
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            entries += 1
            info = path.lstat()
            kind = _SPECIAL.get(stat.S_IFMT(info.st_mode))
            rel = path.relative_to(root)
            if kind:
                problems.append(f"{rel} in the build context is {kind}; only files and dirs")
            elif stat.S_ISLNK(info.st_mode) and not path.resolve().is_relative_to(real_root):
                problems.append(f"{rel} in the build context links outside it")
            elif stat.S_ISREG(info.st_mode):
                total += info.st_size
        if entries > MAX_CONTEXT_ENTRIES or total > MAX_CONTEXT_BYTES:
            problems.append(
                f"the build context is larger than {MAX_CONTEXT_BYTES // 2**20} MiB or "
                f"{MAX_CONTEXT_ENTRIES} entries"
            )
            break
    return problems
