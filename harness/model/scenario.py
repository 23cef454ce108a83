"""The scenario format (schema 1) as typed models.

A scenario is declarative: images to build, steps to run, expectations on what
the steps observed, and the divergences already known. Models forbid unknown
keys and coerce nothing, so a typo is an error rather than a silent default.
`scenario_json_schema()` publishes the format for editors.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

from harness.model.specs import SPECS
from harness.model.specs.base import NAME, Model, Name, Seconds, StepSpec
from harness.model.versions import in_range, parse_range, surface_kind

SCENARIO_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"
MATCHERS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "regex",
    "one_of",
    "gt",
    "ge",
    "lt",
    "le",
    "present",
    "same_as",
    "differs_from",
    "between",
)
# Matchers whose argument names another observation (STEP.FIELD) of the same engine.
KEY_MATCHERS = {"same_as": "equals", "differs_from": "not_equals"}

__all__ = ["NAME", "Name", "Scenario", "Seconds", "Step"]


class StepBase(Model):
    """One step: a mapping with exactly one key naming its kind (fields: `SPECS`)."""

    @model_validator(mode="after")
    def _exactly_one(self) -> StepBase:
        kinds = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a step has exactly one kind of {sorted(type(self).model_fields)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)

    @property
    def spec(self) -> StepSpec:
        value = getattr(self, self.kind)
        assert isinstance(value, StepSpec)
        return value


if TYPE_CHECKING:
    Step = StepBase
else:
    # One optional field per registered kind, named by its YAML key.
    Step = create_model(
        "Step",
        __base__=StepBase,
        **{kind: (spec | None, None) for kind, spec in SPECS.items()},
    )


class ImageSpec(Model):
    """An image built locally for this scenario (never pulled).

    Exactly one of `containerfile` (inline text) or `context` (a directory
    relative to the scenario file, inside its directory; `file` names the
    Containerfile there, and the context's .dockerignore/.containerignore go to the
    engine as they are) is given. `{{ base }}` and `{{ images.NAME }}` in the
    Containerfile name the harness base image and this scenario's other images.
    `target` stops at a named stage; `build_args` are --build-arg values.
    `format` is the build-format axis: `default` (the engine's own: Docker format
    on Docker, OCI on Podman), `docker` or `oci`; an engine that cannot write the
    format makes the scenario `unsupported` there. `image.NAME.format` records it.
    """

    containerfile: str | None = None
    context: str | None = None
    file: str = "Containerfile"
    build_args: dict[str, str] = {}
    target: str | None = None
    format: Literal["default", "docker", "oci"] = "default"
    labels: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_source(self) -> ImageSpec:
        if (self.containerfile is None) == (self.context is None):
            raise ValueError("give exactly one of 'containerfile' or 'context'")
        return self


class VolumeSpec(Model):
    """A named volume the runner creates before the steps (labelled, removed at teardown).

    Steps refer to it by its scenario name: a `volume` mount's `source`, the
    `volume` of `volume_rm`/`volume_inspect`, or `{{ volumes.NAME }}` in a `cli`
    step's options. The real name is unique per run, scenario and engine.
    """

    options: dict[str, str] = {}
    labels: dict[str, str] = {}


class NetworkSpec(Model):
    """A bridge network the runner creates before the steps (labelled, removed at teardown)."""

    internal: bool = False


class KnownDivergence(Model):
    """A disagreement already understood: which engine, which observation, why, where upstream."""

    engine: str
    key: str
    why: str = Field(min_length=1)
    link: str | None = None
    observed: Any = None
    # The engine shows it only sometimes (a race inside the engine): a run that does not
    # see it is not a stale declaration, and the pytest item's xfail is not strict.
    intermittent: bool = False
    # The engine versions it applies to (PEP 440, e.g. "<4.6"); outside them it does not
    # apply, and an engine that no longer shows it reports it as fixed in its version.
    versions: str | None = None

    @field_validator("versions")
    @classmethod
    def _range(cls, value: str | None) -> str | None:
        if value is not None:
            parse_range(value)
        return value

    def applies_to(self, column: str, version: str | None) -> bool:
        """Whether this declaration covers an engine column at a version."""
        return surface_kind(column) == self.engine and in_range(self.versions, version)


class Scenario(Model):
    """One scenario file.

    Before the steps the runner builds `images`, creates `volumes` and
    `networks` (unique names, harness labels) and a temporary directory `{{ tmp }}`
    holding `host_files` (relative path -> text); it removes all of them at
    teardown. Several `run` steps with `detach: true` give several containers
    that later steps (`exec`, `wait`, `stop`, ...) name by step name.
    """

    schema_: Literal[1] = Field(alias="schema")
    id: Annotated[str, Field(pattern=SCENARIO_ID, max_length=120)]
    area: Name
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    refs: list[Annotated[str, Field(pattern=r"^https?://")]] = Field(min_length=1)
    images: dict[Name, ImageSpec] = {}
    volumes: dict[Name, VolumeSpec] = {}
    networks: dict[Name, NetworkSpec] = {}
    host_files: dict[str, str] = {}
    steps: list[Step] = Field(min_length=1)
    expect: dict[str, Any] = {}
    compare: list[str] = []
    known_divergences: list[KnownDivergence] = []
    timeout: Seconds = 300.0
    # Host-wide things this scenario holds alone (fixed host ports are found by
    # themselves); scenarios sharing one never run at the same time (harness.run.schedule).
    exclusive: list[Name] = []

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @field_validator("expect")
    @classmethod
    def _matchers(cls, value: dict[str, Any]) -> dict[str, Any]:
        for key, expected in value.items():
            if isinstance(expected, dict):
                unknown = sorted(set(expected) - set(MATCHERS))
                if unknown or len(expected) != 1:
                    raise ValueError(
                        f"expectation {key!r}: a mapping is a matcher with exactly one of "
                        f"{', '.join(MATCHERS)} (use 'equals' to compare a mapping)"
                    )
                for op in set(expected) & set(KEY_MATCHERS):
                    if not isinstance(expected[op], str) or "." not in expected[op]:
                        raise ValueError(
                            f"expectation {key!r}: {op!r} names another observation, STEP.FIELD"
                        )
                between = expected.get("between")
                if "between" in expected and not (
                    isinstance(between, list)
                    and len(between) == 2
                    and all(isinstance(x, int | float) for x in between)
                ):
                    raise ValueError(f"expectation {key!r}: between takes [low, high]")
                if "regex" in expected:
                    try:
                        re.compile(expected["regex"])
                    except (re.error, TypeError) as exc:
                        raise ValueError(f"expectation {key!r}: bad regex: {exc}") from None
        return value

    @property
    def step_names(self) -> list[str]:
        return [s.spec.name for s in self.steps]


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors (yaml-language-server)."""
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$id"] = "https://harness.invalid/schemas/scenario-1.json"
    schema["title"] = "harness scenario (schema 1)"
    return schema
