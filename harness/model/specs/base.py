"""What every step spec is and may declare, so the loader, the security policy,
redaction and the scheduler are generic loops over specs rather than lists of kinds.

A spec class names its YAML key once (`class RunSpec(StepSpec, kind="run")`) and
registers itself; `harness.model.specs.SPECS` is built from those registrations,
and `harness.steps.KINDS` pairs each with the function that runs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

# Concern (one way to reach the host) and its kinds live in harness.model.access.
from harness.model.access import Concern as Concern
from harness.model.access import Where as Where

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
PLACEHOLDER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
BASE_IMAGE = "base"

Name = Annotated[str, Field(pattern=NAME)]
Seconds = Annotated[float, Field(gt=0, le=3600)]

# What a step may name, and what an earlier step (or the scenario) provides:
# image (built or pulled), container (any `run`), running (a detached `run`),
# volume, network (scenario resources), push (a `push` step).
RefKind = Literal["image", "container", "running", "volume", "network", "push"]


class Model(BaseModel):
    """Strict base: unknown keys are errors, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


@dataclass(frozen=True)
class Ref:
    """A name a step uses that must exist by then; `path` is where, inside the step."""

    kind: RefKind
    name: str
    path: Where

    def problem(self, known: set[str]) -> str:
        if self.kind == "container":
            return f"{self.name!r} is not an earlier 'run' step"
        if self.kind == "running":
            return f"{self.name!r} is not an earlier detached 'run' step"
        if self.kind == "push":
            return f"{self.name!r} is not an earlier 'push' step"
        return f"unknown {self.kind} {self.name!r}; expected one of {sorted(known)}"


@dataclass
class LoadContext:
    """What a spec's load-time checks may look at: the scenario's own names, its
    directory, and the names provided by earlier steps (updated as steps are read)."""

    base: Path
    images: frozenset[str]
    volumes: frozenset[str]
    networks: frozenset[str]
    known: dict[str, set[str]] = field(default_factory=dict)

    def names(self, kind: str) -> set[str]:
        return self.known.setdefault(kind, set())


class StepSpec(Model):
    """Base of every step's spec. Subclasses give their YAML key as `kind=`.

    The declaration methods default to "nothing": a spec overrides the ones that
    apply to it. Paths they return are relative to the step's spec mapping.
    """

    kind: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[StepSpec]]] = {}

    name: Name

    def __init_subclass__(cls, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind:
            if kind in StepSpec.registry:
                raise TypeError(f"step kind {kind!r} is declared twice")
            cls.kind = kind
            StepSpec.registry[kind] = cls

    def refs(self) -> Iterable[Ref]:
        """Names this step uses, which the scenario or an earlier step must provide."""
        return ()

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        """Names this step makes available to later steps."""
        return ()

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        """Load-time problems beyond names: placeholders, files, limits."""
        return ()

    def host_access(self, base: Path) -> Iterable[Concern]:
        """Every way this step reaches the host (refused unless the user allows it)."""
        return ()

    def secret_pairs(self) -> Iterable[tuple[str, str]]:
        """(key, value) pairs of environment-like settings; secret-looking keys are redacted."""
        return ()

    def exclusive(self) -> Iterable[str]:
        """Host-wide things this step holds alone (a fixed host port)."""
        return ()

    def exclusive_in_files(self, base: Path) -> Iterable[str]:
        """What the files this step reads from the scenario's directory `base` hold
        alone (a kube file's hostPort): two scenarios playing one file collide too."""
        return ()


class ContainerStep(StepSpec):
    """A step acting on the container of an earlier `run` step (`container`)."""

    container: Name
    needs_running: ClassVar[bool] = False

    def refs(self) -> Iterable[Ref]:
        kind: RefKind = "running" if self.needs_running else "container"
        return (Ref(kind, self.container, ("container",)),)
