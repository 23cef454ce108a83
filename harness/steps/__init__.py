"""Step kinds as plugins: each family module declares its kinds (`StepKind`: spec
class and run function) and what it does around the steps (`Family`); this list
names the families once, as pytest names its default plugins.

The runner dispatches through `KINDS` only, so it never names a family. Adding a
step kind touches its spec (harness/model/specs/FAMILY.py) and its family module
here; a new family is one more line in `FAMILIES`.
"""

from __future__ import annotations

from typing import Any

from harness.steps import (
    cli,
    compose,
    containers,
    distribution,
    host,
    netdrivers,
    orchestration,
    resources,
    sdk,
    stats,
)
from harness.steps.context import StateKey, StepContext
from harness.steps.kinds import Family, StepKind

FAMILIES: tuple[Family, ...] = (
    resources.FAMILY,
    containers.FAMILY,
    cli.FAMILY,
    host.FAMILY,
    distribution.FAMILY,
    compose.FAMILY,
    stats.FAMILY,
    netdrivers.FAMILY,
    orchestration.FAMILY,
    sdk.FAMILY,
)
KINDS: dict[str, StepKind[Any]] = {kind.name: kind for f in FAMILIES for kind in f.kinds}

__all__ = ["FAMILIES", "KINDS", "Family", "StateKey", "StepContext", "StepKind"]
