"""Step specs, one module per family. Importing this package registers every spec;
`SPECS` maps each YAML key to its spec class, and `Step` is built from it.

Adding a step kind: write its spec in its family's module here (a `StepSpec`
subclass with `kind="…"` and the declarations that apply: refs, provides,
problems, host_access, secret_pairs, exclusive), and its run function in the
family module of the same name under harness/steps/. Nothing else changes.
"""

from __future__ import annotations

from harness.model.specs import (  # noqa: F401  (imported to register their specs)
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
from harness.model.specs.base import StepSpec

SPECS: dict[str, type[StepSpec]] = dict(StepSpec.registry)

__all__ = ["SPECS", "StepSpec"]
