"""What `harness check` reports for a user's own project: the host access a compose
file or a `docker|podman run` command line would grant, and which of it the user's
`--allow-*` flags allow. Pure: nothing is run, no engine is touched."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.errors import Location
from harness.model.access import FLAGS, Concern
from harness.model.compose_access import concerns_of_file
from harness.model.host_access import docker_run_argv
from harness.model.security import Policy, refusal


@dataclass(frozen=True)
class Grant:
    """One concern and the user's answer to it."""

    concern: Concern
    allowed: bool

    def line(self) -> str:
        where = f"{self.concern.at}: " if self.concern.at else ""
        if self.allowed:
            flag = FLAGS.get(self.concern.kind, "always allowed")
            return f"{where}{self.concern.kind}: {self.concern.detail} (granted: {flag})"
        return f"{where}{self.concern.kind}: {refusal(self.concern)}"


def classify_compose_file(path: Path, base: Path | None = None) -> list[Concern]:
    """Host access of a compose file, each at file:line:col."""
    return concerns_of_file(path, base or path.parent)


def classify_run_argv(argv: list[str], source: str = "<command line>") -> list[Concern]:
    """Host access of a `docker|podman run|create ...` command line; the column is
    where the offending argument starts in the space-joined line."""
    starts, col = [], 1
    for arg in argv:
        starts.append(col)
        col += len(arg) + 1
    out = []
    for index, kind, detail in docker_run_argv(argv):
        column = starts[index] if index < len(starts) else col
        out.append(Concern((index,), kind, detail, Location(source, 1, column)))
    return out


def grants(concerns: list[Concern], policy: Policy) -> list[Grant]:
    return [Grant(c, policy.allows(c.kind)) for c in concerns]


def refused(concerns: list[Concern], policy: Policy) -> list[Concern]:
    """What `harness check` should fail on (exit 2) under the user's flags."""
    return [g.concern for g in grants(concerns, policy) if not g.allowed]
