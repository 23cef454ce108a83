"""Inline suppression: `# harness: ignore[PM101]` or `# harness: ignore[PM101, PM102]`.

A comment silences the listed rules on its own line (trailing comments in compose
files) and on the line below it (Dockerfile comments stand on their own line).
"""

from __future__ import annotations

import functools

MARKER = "harness: ignore["


def _parse(line: str) -> set[str]:
    found: set[str] = set()
    start = line.find(MARKER)
    while start >= 0 and "#" in line[:start]:
        end = line.find("]", start)
        if end < 0:
            break
        found |= {part.strip().upper() for part in line[start + len(MARKER) : end].split(",")}
        start = line.find(MARKER, end)
    return found


@functools.lru_cache(maxsize=512)
def suppressions(path: str) -> dict[int, frozenset[str]]:
    """Line number -> rule ids suppressed there, for one file (cached per lint run)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return {}
    table: dict[int, set[str]] = {}
    for number, line in enumerate(lines, start=1):
        if MARKER in line:
            ids = _parse(line)
            table.setdefault(number, set()).update(ids)
            table.setdefault(number + 1, set()).update(ids)
    return {k: frozenset(v) for k, v in table.items()}


def is_suppressed(path: str, line: int, rule_id: str) -> bool:
    return rule_id in suppressions(path).get(line, frozenset())
