"""The scenario format (schema 1) as typed models.

A scenario is declarative: images to build, steps to run, expectations on what
the steps observed, and the divergences already known. Models forbid unknown
keys and coerce nothing, so a typo is an error rather than a silent default.
`scenario_json_schema()` publishes the format for editors.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
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
)

Name = Annotated[str, Field(pattern=NAME)]
Seconds = Annotated[float, Field(gt=0, le=3600)]


class Model(BaseModel):
    """Strict base: unknown keys are errors, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ImageSpec(Model):
    """An image built locally for this scenario (never pulled).

    Exactly one of `containerfile` (inline text) or `context` (a directory
    relative to the scenario file) is given. `{{ base }}` and
    `{{ images.NAME }}` in the Containerfile name the harness base image and
    this scenario's other images.
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


class Mount(Model):
    """A volume, bind or tmpfs mount for one container."""

    type: Literal["volume", "bind", "tmpfs"]
    target: str
    source: str | None = None
    read_only: bool = False
    options: dict[str, str] = {}


class RunSpec(Model):
    """Create and start a container through the engine's API (never `run`, never pull)."""

    name: Name
    image: str
    command: list[str] | None = None
    entrypoint: list[str] | Literal[""] | None = None
    env: dict[str, str] = {}
    user: str | None = None
    workdir: str | None = None
    hostname: str | None = None
    labels: dict[str, str] = {}
    mounts: list[Mount] = []
    network: str | None = None
    aliases: list[str] = []
    ports: dict[str, int] = {}
    memory: str | None = None
    cpus: Annotated[float, Field(gt=0, le=1024)] | None = None
    pids_limit: Annotated[int, Field(ge=-1)] | None = None
    pid_mode: str | None = None
    ipc_mode: str | None = None
    read_only: bool = False
    cap_add: list[str] = []
    cap_drop: list[str] = []
    stop_signal: str | None = None
    stop_timeout: Annotated[int, Field(ge=0, le=600)] | None = None
    restart: str | None = None
    healthcheck: dict[str, Any] | None = None
    detach: bool = False
    timeout: Seconds = 30.0


class CliSpec(Model):
    """Run `<engine cli> run --pull never … IMAGE ARGS` and observe what a user sees."""

    name: Name
    image: str
    args: list[str] = []
    options: list[str] = []
    timeout: Seconds = 30.0


class ExecSpec(Model):
    """Run a command inside a running container."""

    name: Name
    container: Name
    command: list[str]
    user: str | None = None
    workdir: str | None = None
    env: dict[str, str] = {}
    timeout: Seconds = 30.0


class Step(Model):
    """One step: a mapping with exactly one key naming its kind."""

    run: RunSpec | None = None
    cli: CliSpec | None = None
    exec: ExecSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        kinds = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a step has exactly one kind of {sorted(type(self).model_fields)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)

    @property
    def spec(self) -> RunSpec | CliSpec | ExecSpec:
        value = getattr(self, self.kind)
        assert value is not None
        return value  # type: ignore[no-any-return]


class KnownDivergence(Model):
    """A disagreement already understood: which engine, which observation, why, where upstream."""

    engine: str
    key: str
    why: str = Field(min_length=1)
    link: str | None = None
    observed: Any = None


class Scenario(Model):
    """One scenario file."""

    schema_: Literal[1] = Field(alias="schema")
    id: Annotated[str, Field(pattern=SCENARIO_ID, max_length=120)]
    area: Name
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    refs: list[Annotated[str, Field(pattern=r"^https?://")]] = Field(min_length=1)
    images: dict[Name, ImageSpec] = {}
    steps: list[Step] = Field(min_length=1)
    expect: dict[str, Any] = {}
    compare: list[str] = []
    known_divergences: list[KnownDivergence] = []
    timeout: Seconds = 300.0

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
