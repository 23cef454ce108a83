"""Units the scenario format and the adapters share: sizes as `docker run` reads them.

Ground layer: imports nothing of harness, so the model can use it without engine code.
"""

from __future__ import annotations

import re
from pathlib import Path

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """'64m' -> bytes, the way `docker run --memory` reads it (binary units)."""
    m = _SIZE.match(text.strip())
    if not m:
        raise ValueError(f"invalid size {text!r}; expected a number with b, k, m or g")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def host_memory_bytes() -> int | None:
    """MemTotal of this host, or None where /proc/meminfo cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None
