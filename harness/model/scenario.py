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
    "same_as",
    "differs_from",
    "between",
)
# Matchers whose argument names another observation (STEP.FIELD) of the same engine.
KEY_MATCHERS = {"same_as": "equals", "differs_from": "not_equals"}

Name = Annotated[str, Field(pattern=NAME)]
Seconds = Annotated[float, Field(gt=0, le=3600)]


class Model(BaseModel):
    """Strict base: unknown keys are errors, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


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


class Mount(Model):
    """A volume, bind or tmpfs mount for one container.

    A `volume` source names a scenario volume (or is omitted: an anonymous
    volume). A `bind` source is a path relative to the scenario's directory or
    under `{{ tmp }}`, the per-run temporary directory the runner creates (with
    the scenario's `host_files`) and deletes at teardown; nothing else is allowed.
    """

    type: Literal["volume", "bind", "tmpfs"]
    target: str
    source: str | None = None
    read_only: bool = False
    options: dict[str, str] = {}


class RunSpec(Model):
    """Create and start a container through the engine's API (never `run`, never pull)."""

    name: Name
    image: str | None = None
    image_ref: str | None = None
    same_name_as: Name | None = None
    auto_remove: bool = False
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
    memory: Annotated[str, Field(pattern=r"^\d+(\.\d+)?\s*[bkmgtBKMGT]?$")] | None = None
    cpus: Annotated[float, Field(gt=0, le=1024)] | None = None
    pids_limit: Annotated[int, Field(ge=-1, le=4_194_304)] | None = None  # Linux pid_max
    pid_mode: str | None = None
    ipc_mode: str | None = None
    read_only: bool = False
    privileged: bool = False  # refused at load time unless the user allows it
    cap_add: list[str] = []
    cap_drop: list[str] = []
    stop_signal: str | None = None
    stop_timeout: Annotated[int, Field(ge=0, le=600)] | None = None
    restart: str | None = None
    healthcheck: dict[str, Any] | None = None
    detach: bool = False
    timeout: Seconds = 30.0

    @model_validator(mode="after")
    def _one_image(self) -> RunSpec:
        if (self.image is None) == (self.image_ref is None):
            raise ValueError(
                "give exactly one of 'image' (a scenario image) or 'image_ref' "
                "(a reference that must not exist locally; it is never pulled)"
            )
        return self


class CliSpec(Model):
    """Run `<engine cli> run --pull never … IMAGE ARGS` and observe what a user sees.

    `options` and `args` may use `{{ tmp }}`, `{{ volumes.NAME }}` and
    `{{ networks.NAME }}`. `image_ref` is a reference that is not built (and
    never pulled: the CLI gets `--pull never`).
    """

    name: Name
    image: str | None = None
    image_ref: str | None = None
    args: list[str] = []
    options: list[str] = []
    timeout: Seconds = 30.0

    @model_validator(mode="after")
    def _one_image(self) -> CliSpec:
        if (self.image is None) == (self.image_ref is None):
            raise ValueError("give exactly one of 'image' or 'image_ref'")
        return self


class ExecSpec(Model):
    """Run a command inside a running container.

    The command may use `{{ containers.STEP }}` (the real, per-run name of an
    earlier step's container: what another container resolves on a user network)
    and `{{ networks.NAME }}`.
    """

    name: Name
    container: Name
    command: list[str]
    user: str | None = None
    workdir: str | None = None
    env: dict[str, str] = {}
    timeout: Seconds = 30.0


class ContainerStep(Model):
    """A step acting on the container of an earlier `run` step (`container`)."""

    name: Name
    container: Name


class ReadFileSpec(ContainerStep):
    """Read a file in a running container (exec `cat`) -> `STEP.content`, `STEP.exit_code`."""

    path: str


class WaitSpec(ContainerStep):
    """Poll until a condition holds or `timeout` passes -> `STEP.reached`, `STEP.waited_s`.

    `for`: exited | running | removed | healthy | unhealthy | log (a regex on
    stdout+stderr, `pattern`) | port (a TCP connect to the host port published
    for `port`, on 127.0.0.1). Never hangs: a wait that times out records
    `reached: false` and the last status seen (`STEP.last`). For health,
    `STEP.checks_run` counts the checks the engine has run by itself.
    """

    for_: Literal["exited", "running", "removed", "healthy", "unhealthy", "log", "port"] = Field(
        alias="for"
    )
    pattern: str | None = None
    port: str | None = None
    timeout: Seconds = 10.0

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _argument(self) -> WaitSpec:
        if (self.for_ == "log") != (self.pattern is not None):
            raise ValueError("'pattern' is given exactly when waiting 'for: log'")
        if (self.for_ == "port") != (self.port is not None):
            raise ValueError("'port' is given exactly when waiting 'for: port'")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern: {exc}") from None
        return self


class StopSpec(ContainerStep):
    """Stop (engine's stop signal, then SIGKILL after `timeout` s) -> exit code, `duration_s`."""

    timeout: Annotated[int, Field(ge=0, le=600)] | None = None


class KillSpec(ContainerStep):
    """Send a signal -> `STEP.error` if the engine refuses."""

    signal: str = "SIGKILL"


class StartSpec(ContainerStep):
    """Start a created or stopped container again -> `STEP.error`."""


class RestartSpec(ContainerStep):
    """Restart -> `STEP.error`, `STEP.duration_s`."""

    timeout: Annotated[int, Field(ge=0, le=600)] | None = None


class RemoveSpec(ContainerStep):
    """Remove a container (`force` kills a running one first) -> `STEP.removed`, `STEP.error`."""

    force: bool = False


class InspectSpec(ContainerStep):
    """Inspect again: `STEP.inspect.PATH`, `STEP.state.*`, logs as they are now."""


class HealthcheckRunSpec(ContainerStep):
    """Run the container's healthcheck once, now (libpod's endpoint) -> `STEP.status`.

    An engine with no such operation makes the scenario `unsupported` there.
    """


class ProbeSpec(ContainerStep):
    """Connect to the host port published for `port`, on 127.0.0.1 only -> `STEP.ok`.

    With `http` (a path), send a GET and record `STEP.status` and `STEP.body`.
    """

    port: str
    http: str | None = None
    timeout: Annotated[float, Field(gt=0, le=30)] = 2.0


class VolumeRmSpec(Model):
    """Remove a scenario volume (perhaps while in use) -> `STEP.removed`, `STEP.error`."""

    name: Name
    volume: Name
    force: bool = False


class NetworkRmSpec(Model):
    """Remove a scenario network (perhaps while in use) -> `STEP.removed`, `STEP.error`."""

    name: Name
    network: Name


class AnonymousVolume(Model):
    """The anonymous volume an earlier `run` step's container has at `target`."""

    container: Name
    target: str


class VolumeInspectSpec(Model):
    """Inspect a volume -> `STEP.exists`, `STEP.driver`, `STEP.scope`, `STEP.labels`,
    `STEP.mountpoint_present`, `STEP.inspect.PATH`; `STEP.error` when it is gone.

    Exactly one of `volume` (a scenario volume) or `anonymous`.
    """

    name: Name
    volume: Name | None = None
    anonymous: AnonymousVolume | None = None

    @model_validator(mode="after")
    def _one(self) -> VolumeInspectSpec:
        if (self.volume is None) == (self.anonymous is None):
            raise ValueError("give exactly one of 'volume' or 'anonymous'")
        return self


class PruneVolumesSpec(Model):
    """Prune unused volumes, filtered to this run, scenario and engine only (one label).

    Records `STEP.removed` (the scenario names of the volumes removed) and
    `STEP.foreign` (how many removed volumes were not this scenario's: must be 0).
    """

    name: Name


class VolumeLsSpec(Model):
    """The engine's own volume listing filtered by `labels` (every pair a `label`
    filter, as `volume ls --filter label=K=V ...` sends them). Nothing is removed.

    Records `STEP.volumes` (the scenario names of this scenario's volumes in the
    answer, sorted) and `STEP.error`; volumes of anything else that carry the labels
    are left out, since what else is on the host is no expectation's business.
    """

    name: Name
    labels: dict[str, str] = Field(min_length=1)


class HostSpec(Model):
    """Facts about a host path under `{{ tmp }}`: `STEP.exists`, `STEP.is_dir`,
    `STEP.mode` (octal text), `STEP.uid`, `STEP.content` (a file's text)."""

    name: Name
    path: Annotated[str, Field(pattern=r"^\{\{ ?tmp ?\}\}(/|$)")]


class HostNsSpec(Model):
    """The harness host's own namespace `ns` (readlink /proc/self/ns/NS) -> `STEP.link`.

    Compared with what a container prints (`same_as`/`differs_from`), it shows
    whether a `host` namespace mode really is the host's, whatever the host's own
    namespaces are (a VM, a container). It assumes the harness runs in the engine's
    host namespaces, as it does with a local socket.
    """

    name: Name
    ns: Literal["ipc", "pid", "uts", "net", "mnt", "user", "cgroup"]


class HostFactsSpec(Model):
    """Facts about the host itself, to compare a container's view with (host networking):
    `STEP.hostname` and `STEP.default_route` ("IFACE ADDRESS/PREFIX" of the interface
    holding the IPv4 default route, the same text the scenarios print with `ip`)."""

    name: Name


RepoRef = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")
]


class TagSpec(Model):
    """Tag a scenario image (or an earlier `pull`) as `as` (REPO[:TAG]) in the local
    registry, under a namespace unique to the run, scenario and engine -> `STEP.error`."""

    name: Name
    image: str
    as_: RepoRef = Field(alias="as")

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


class PushSpec(Model):
    """Push a tagged REPO[:TAG] to the local registry -> `STEP.pushed`, `STEP.error`, and
    what the registry then serves: `STEP.digest`, `STEP.media_type`. With
    `same_digest_as` (an earlier push step), `STEP.same_digest`."""

    name: Name
    ref: RepoRef
    same_digest_as: Name | None = None


class PullSpec(Model):
    """Pull REPO[:TAG] back from the local registry (by the digest an earlier push step
    recorded, with `by_digest_of`) -> `STEP.pulled`, `STEP.error`,
    `STEP.digest_preserved` (the local image lists the registry's digest) and
    `STEP.same_id` (the same image id as the one tagged). Later steps may use the
    step's name as an `image`."""

    name: Name
    ref: RepoRef
    by_digest_of: Name | None = None


class ImageRmSpec(Model):
    """Remove an image locally: a scenario image (`image`) or a registry tag (`ref`)
    -> `STEP.removed`, `STEP.error`, `STEP.gone` (no local image has its id any more)."""

    name: Name
    image: str | None = None
    ref: RepoRef | None = None

    @model_validator(mode="after")
    def _one(self) -> ImageRmSpec:
        if (self.image is None) == (self.ref is None):
            raise ValueError("give exactly one of 'image' or 'ref'")
        return self


class StatsSpec(ContainerStep):
    """Read a running container's resource usage through the engine's API, twice,
    `interval` s apart -> `STEP.memory_usage`, `STEP.memory_limit` (bytes), `STEP.pids`,
    `STEP.cpu_percent` (from the two cpu-time readings, 100 = one core),
    `STEP.engine_cpu_percent` (the engine's own figure), `STEP.fields` (which of these
    the engine gave), `STEP.raw_keys` (the shape of the engine's document)."""

    interval: Annotated[float, Field(gt=0, le=30)] = 2.0


class ComposeUpSpec(Model):
    """`<compose> up -d` with a compose file from the scenario's directory.

    The file may name only `{{ base }}` and `{{ images.NAME }}` images (nothing is
    built or pulled by compose); the harness adds its labels to every service,
    volume and network. Records `STEP.exit_code`, `STEP.stdout/stderr`,
    `STEP.services`, `STEP.running`, `STEP.start_order`, `STEP.health.SVC` and
    `STEP.gated.SVC` (for `depends_on: {condition: service_healthy}`: did SVC start
    only after each such dependency had passed a health check). Each service's
    container is `STEP-SVC` for later steps.
    """

    name: Name
    file: str
    timeout: Seconds = 120.0


class ComposeDownSpec(Model):
    """`<compose> down` (`volumes: true` adds -v) of the scenario's compose project
    -> `STEP.exit_code`, `STEP.containers_left`, `STEP.volumes_left`, `STEP.networks_left`
    (the project's resources still there, found by the project label)."""

    name: Name
    volumes: bool = False
    # `down -t N`: seconds each container gets between SIGTERM and SIGKILL; None keeps
    # the tool's default (10 s), which a PID 1 that ignores SIGTERM always waits out.
    stop_timeout: Annotated[int, Field(ge=0, le=300)] | None = None
    timeout: Seconds = 120.0


class Step(Model):
    """One step: a mapping with exactly one key naming its kind."""

    run: RunSpec | None = None
    cli: CliSpec | None = None
    exec: ExecSpec | None = None
    read_file: ReadFileSpec | None = None
    wait: WaitSpec | None = None
    stop: StopSpec | None = None
    kill: KillSpec | None = None
    start: StartSpec | None = None
    restart: RestartSpec | None = None
    remove: RemoveSpec | None = None
    inspect: InspectSpec | None = None
    healthcheck_run: HealthcheckRunSpec | None = None
    probe: ProbeSpec | None = None
    volume_rm: VolumeRmSpec | None = None
    network_rm: NetworkRmSpec | None = None
    volume_inspect: VolumeInspectSpec | None = None
    prune_volumes: PruneVolumesSpec | None = None
    volume_ls: VolumeLsSpec | None = None
    host: HostSpec | None = None
    host_ns: HostNsSpec | None = None
    host_facts: HostFactsSpec | None = None
    tag: TagSpec | None = None
    push: PushSpec | None = None
    pull: PullSpec | None = None
    image_rm: ImageRmSpec | None = None
    stats: StatsSpec | None = None
    compose_up: ComposeUpSpec | None = None
    compose_down: ComposeDownSpec | None = None

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
    def spec(self) -> Any:
        value = getattr(self, self.kind)
        assert value is not None
        return value


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
