"""`.env` and `env_file:` files: KEY=VALUE lines, and whether a value was quoted.

docker-compose strips surrounding quotes, `podman --env-file` keeps them, so the
raw quoting matters as much as the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import Location, ScenarioError


@dataclass(frozen=True)
class EnvEntry:
    key: str
    value: str  # as docker-compose reads it: surrounding quotes removed
    raw: str  # as written after the `=`
    quote: str | None  # '"' or "'" when the whole value is quoted
    location: Location


def parse_env(text: str, path: str) -> list[EnvEntry]:
    """Entries in order; comments and blank lines skipped; `export ` prefixes allowed."""
    entries: list[EnvEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export ") :].lstrip()
        key, sep, raw = stripped.partition("=")
        column = len(line) - len(line.lstrip()) + 1
        if not key.strip() or " " in key.strip():
            raise ScenarioError(Location(path, number, column), f"not a KEY=VALUE line: {line!r}")
        quote = raw[0] if len(raw) >= 2 and raw[0] in "\"'" and raw[-1] == raw[0] else None
        value = raw[1:-1] if quote else raw
        if not sep:
            value = raw = ""
        entries.append(EnvEntry(key.strip(), value, raw, quote, Location(path, number, column)))
    return entries


def read_env(path: str) -> list[EnvEntry]:
    try:
        with open(path, encoding="utf-8") as handle:
            return parse_env(handle.read(), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Location(path), f"cannot read: {exc}") from None
