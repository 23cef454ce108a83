"""A step kind and a family of kinds: how a YAML key becomes something that runs.

`StepKind(spec=RunSpec, run=run_container)` pairs a spec class (its YAML key is
`RunSpec.kind`) with the function that runs it; mypy checks that the function
takes that spec. A `Family` bundles the kinds of one module with what the family
does around the steps: `setup` before the first step, `teardown` before the
runner's label sweep, `teardown_after_sweep` after it (each returns leftovers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from harness.model.specs.base import StepSpec

if TYPE_CHECKING:
    from harness.steps.context import StepContext

S = TypeVar("S", bound=StepSpec)
Teardown = Callable[["StepContext"], list[str]]


@dataclass(frozen=True)
class StepKind(Generic[S]):
    spec: type[S]
    run: Callable[[StepContext, S], None]

    @property
    def name(self) -> str:
        """The YAML key, as the spec declares it."""
        return self.spec.kind


@dataclass(frozen=True)
class Family:
    name: str
    kinds: tuple[StepKind[Any], ...]
    setup: Callable[[StepContext], None] | None = None
    teardown: Teardown | None = None
    teardown_after_sweep: Teardown | None = None
