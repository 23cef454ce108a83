"""The engines file (`harness run --engines FILE`): remote engines a CI job can carry.

```yaml
engines:
  - name: podman-laptop          # the report's column
    kind: podman                 # docker | podman | podman-docker-api
    url: ssh://core@127.0.0.1:2222/run/podman/podman.sock
    identity: keys/id_ed25519    # optional; relative to this file
    known_hosts: keys/known_hosts
```

Checked like a scenario file: YAML with positions, then pydantic, and every problem
reported at file:line:col in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.errors import ScenarioError, ScenarioErrors
from harness.model.loader import read_validated

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"


class EngineEntry(BaseModel):
    """One engine: a column name, the adapter kind, and where its API is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    kind: Literal["docker", "podman", "podman-docker-api"]
    url: str
    identity: str | None = None
    known_hosts: str | None = None

    @field_validator("url")
    @classmethod
    def _ssh_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "ssh" or not parts.hostname:
            raise ValueError("expected ssh://[user@]host[:port][/path/to/engine.sock]")
        if parts.query:
            raise ValueError("give identity and known_hosts as keys of the entry, not in the URL")
        return url


class EnginesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    engines: list[EngineEntry] = Field(min_length=1)


def _relative(entry: EngineEntry, base: Path) -> EngineEntry:
    """identity and known_hosts relative to the file's directory, `~` expanded."""

    def resolve(value: str | None) -> str | None:
        if value is None:
            return None
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else (base / path).resolve())

    return entry.model_copy(
        update={"identity": resolve(entry.identity), "known_hosts": resolve(entry.known_hosts)}
    )


def load_engines_file(path: Path) -> list[EngineEntry]:
    """The entries of an engines file; ScenarioErrors at file:line:col otherwise."""
    file = str(path)
    _text, doc, parsed = read_validated(path, EnginesFile, "engines: [...]")
    seen: set[str] = set()
    errors = []
    for i, entry in enumerate(parsed.engines):
        if entry.name in seen:
            where = doc.locate(file, ("engines", i, "name"))
            errors.append(ScenarioError(where, f"engine name {entry.name!r} given twice"))
        seen.add(entry.name)
    if errors:
        raise ScenarioErrors(errors)
    return [_relative(e, path.parent) for e in parsed.engines]


__all__ = ["EngineEntry", "load_engines_file"]
