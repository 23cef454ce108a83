"""What a scenario may do to the host: refused by default, allowed only on request.

Two things reach outside a container: bind mounts of host paths other than the
scenario's own directory and its `{{ tmp }}`, and privileged containers. A
scenario file is code from someone else's pull request, so both are load-time
errors unless the user passes `--allow-host-binds` / `--allow-privileged`; when
allowed they are flagged on the scenario in every report. Each step spec says
how it reaches the host (`StepSpec.host_access`); this module only applies the
user's policy to what they declare.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.model.scenario import Scenario
from harness.model.specs.base import HOST_BIND, PRIVILEGED, Concern, Where, inside

FLAGS = {HOST_BIND: "--allow-host-binds", PRIVILEGED: "--allow-privileged"}

__all__ = ["FLAGS", "HOST_BIND", "PRIVILEGED", "Concern", "Policy", "concerns", "inside", "refusal"]


@dataclass(frozen=True)
class Policy:
    """What the user allowed on the command line."""

    allow_host_binds: bool = False
    allow_privileged: bool = False

    def allows(self, kind: str) -> bool:
        return self.allow_host_binds if kind == HOST_BIND else self.allow_privileged


def refusal(concern: Concern) -> str:
    return f"{concern.detail} is refused; pass {FLAGS[concern.kind]} to allow it"


def concerns(scenario: Scenario, base: Path) -> list[Concern]:
    """Every host-reaching request in a scenario, allowed or not, at its place in the file."""
    out: list[Concern] = []
    for i, step in enumerate(scenario.steps):
        where: Where = ("steps", i, step.kind)
        for concern in step.spec.host_access(base):
            out.append(Concern((*where, *concern.where), concern.kind, concern.detail))
    return out
