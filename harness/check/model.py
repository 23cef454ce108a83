"""What a check is made of: the artifacts (images to build) and what each engine showed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import Location
from harness.verdict.enums import Status


@dataclass(frozen=True)
class Artifact:
    """One image the project builds: a Dockerfile (with target and args) in a context.

    `services` are the compose services (file, name) that build it; a Dockerfile no
    compose file names is an artifact of its own, run with its default command.
    """

    id: str
    dockerfile: str
    context: str
    target: str | None = None
    args: tuple[tuple[str, str], ...] = ()
    services: tuple[tuple[str, str], ...] = ()
    location: Location | None = None


@dataclass
class Difference:
    """Engines disagree on `key`; where in the user's files it comes from, and proof."""

    artifact: str
    key: str
    values: dict[str, Any]
    location: Location | None = None
    cause: str = ""
    fix: str = ""
    scenarios: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        where = self.location
        return {
            "artifact": self.artifact,
            "key": self.key,
            "values": self.values,
            "location": (
                {"file": where.file, "line": where.line, "column": where.column} if where else None
            ),
            "cause": self.cause,
            "fix": self.fix,
            "scenarios": list(self.scenarios),
            "note": self.note,
        }


@dataclass
class EngineResult:
    """Everything observed for one artifact on one engine."""

    status: str = Status.PASS
    reason: str = ""
    fix: str = ""
    duration_s: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    base_ids: list[str] = field(default_factory=list)  # for rebuilding the same cache tag
