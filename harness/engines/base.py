"""The engine protocol and the harness's own types that cross it.

Adapters return these types, never SDK objects, so the runner works the same
on every engine. Engine differences (socket, image naming, build format,
inspect shape) stay inside the adapters and are made visible in `EngineInfo`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from harness.errors import EngineError


class Unsupported(EngineError):
    """The engine has no way to do this operation (probed, not assumed).

    The runner turns it into the `unsupported` engine status, with this message
    as the reason, rather than an error.
    """


class NotFound(EngineError):
    """The engine answered 404: the named container, image, volume or network is not
    there. Adapters raise it so their callers can tell absence from refusal."""


class Vanished(NotFound):
    """A resource this adapter created, and has not removed, is gone (404 where it must
    exist): another process removed it under a live step (`harness clean --all`).

    Not an observation of the engine: the runner makes the outcome `error`.
    """


@dataclass(frozen=True)
class EngineInfo:
    """Fingerprint of an engine: what a reader needs to reproduce a result."""

    name: str
    available: bool
    version: str = ""
    api_version: str = ""
    runtime: str = ""
    cgroup_version: str = ""
    cgroup_driver: str = ""
    storage_driver: str = ""
    network_backend: str = ""
    rootless: bool = False
    default_build_format: str = ""
    build_formats: tuple[str, ...] = ()
    url: str = ""
    os: str = ""
    kernel: str = ""
    settings: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    # The program a user types for this surface (`docker` for Podman's Docker API too):
    # what the report's reproducer lines start with.
    cli: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["build_formats"] = list(self.build_formats)
        return data


@dataclass(frozen=True)
class BuildRequest:
    """Build a context directory into a tagged image."""

    context: Path
    containerfile: str
    tag: str
    labels: dict[str, str]
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    format: str = "default"


@dataclass(frozen=True)
class MountSpec:
    type: str
    target: str
    source: str | None = None
    read_only: bool = False
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContainerSpec:
    """Everything needed to create one container; None means 'engine default'."""

    image: str
    name: str
    labels: dict[str, str]
    command: list[str] | None = None
    entrypoint: list[str] | str | None = None
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    workdir: str | None = None
    hostname: str | None = None
    mounts: tuple[MountSpec, ...] = ()
    network: str | None = None
    aliases: tuple[str, ...] = ()
    ports: dict[str, int] = field(default_factory=dict)
    memory: str | None = None
    cpus: float | None = None
    pids_limit: int | None = None
    pid_mode: str | None = None
    ipc_mode: str | None = None
    read_only: bool = False
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    stop_signal: str | None = None
    stop_timeout: int | None = None
    restart: str | None = None
    healthcheck: dict[str, Any] | None = None
    auto_remove: bool = False


@dataclass(frozen=True)
class ExecResult:
    exit_code: int | None
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class WaitResult:
    """How a wait for a container's exit ended."""

    exit_code: int | None
    timed_out: bool = False


@dataclass(frozen=True)
class HealthResult:
    """One healthcheck run by hand: the resulting status and the check's own exit code."""

    status: str
    exit_code: int | None = None
    output: str = ""


@dataclass(frozen=True)
class CapturedLogs:
    """A container's output as kept: each stream capped to its head and tail (with a
    marker where the middle was left out), and each stream's size as the engine sent it."""

    stdout: bytes
    stderr: bytes
    stdout_size: int
    stderr_size: int

    @property
    def truncated(self) -> bool:
        return self.stdout_size > len(self.stdout) or self.stderr_size > len(self.stderr)


@dataclass(frozen=True)
class LabelledResource:
    """A container, volume or network (kind) found by label, with all its labels."""

    kind: str
    id: str
    labels: dict[str, str]


@dataclass(frozen=True)
class StatsSample:
    """One reading of a container's resource usage, in the harness's units.

    `raw` is the engine's own document (its shape differs: Docker's stats vs
    libpod's); the other fields are read from it, None where the engine gives none.
    `taken_ns` is when the engine took the reading (its own clock, nanoseconds).
    """

    memory_usage: int | None
    memory_limit: int | None
    cpu_total_ns: int | None
    pids: int | None
    engine_cpu_percent: float | None
    taken_ns: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComposeCli:
    """How to run this engine's compose implementation: argv prefix and extra environment."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class Engine(Protocol):
    """What an adapter provides. All ids are the engine's full ids, as strings."""

    name: str

    def info(self) -> EngineInfo: ...
    def close(self) -> None: ...
    def cli(self) -> list[str]: ...

    def image_ref(self, tag: str) -> str: ...
    def image_exists(self, ref: str) -> bool: ...
    def build(self, request: BuildRequest) -> str: ...
    def inspect_image(self, ref: str) -> dict[str, Any]: ...
    def remove_image(self, ref: str) -> None: ...

    def create_container(self, spec: ContainerSpec) -> str: ...
    def start(self, container_id: str) -> None: ...
    def wait(self, container_id: str, timeout: float) -> WaitResult: ...
    def kill(self, container_id: str, signal: str = "SIGKILL") -> None: ...
    def logs(self, container_id: str) -> tuple[bytes, bytes]: ...
    def inspect_container(self, container_id: str) -> dict[str, Any]: ...
    def exec(
        self,
        container_id: str,
        command: list[str],
        user: str | None = None,
        workdir: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult: ...
    def remove_container(self, container_id: str, force: bool = True) -> None: ...
    def stop(self, container_id: str, timeout: int | None = None) -> None: ...
    def restart(self, container_id: str, timeout: int | None = None) -> None: ...
    def healthcheck_run(self, container_id: str) -> HealthResult: ...

    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str: ...
    def remove_volume(self, name: str, force: bool = False) -> None: ...
    def inspect_volume(self, name: str) -> dict[str, Any]: ...
    def prune_volumes(self, labels: dict[str, str]) -> list[str]: ...
    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str: ...
    def remove_network(self, name: str) -> None: ...

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]: ...
    def remove_labelled(self, labels: dict[str, str]) -> int: ...


@runtime_checkable
class LabelLister(Protocol):
    """Optional: list labelled resources with their labels, so a sweep can tell a
    dead run's leftovers (by owner) from a live run's. Adapters without it are
    never swept; their own teardown by label still runs."""

    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]: ...


@runtime_checkable
class LogCapturer(Protocol):
    """Optional: logs with the streams' original sizes. `logs()` returns the same
    capped bytes; this says whether (and how much) was left out."""

    def captured_logs(self, container_id: str) -> CapturedLogs: ...


@runtime_checkable
class PlainRemover(Protocol):
    """Optional: remove a container with the engine's own defaults (a forced removal
    keeps its grace period, anonymous volumes stay), as a `remove` step asks, and an
    image without force, as an `image_rm` step asks.

    `remove_container` and `remove_image` stay teardown's fast paths (no grace period,
    volumes too; forced); an adapter without this has the steps use them.
    """

    def remove_container_plain(self, container_id: str, force: bool = False) -> None: ...
    def remove_image_plain(self, ref: str) -> None:
        """An `image_rm` step: not forced (`remove_image` forces, for teardown)."""


@runtime_checkable
class CreateWarnings(Protocol):
    """Optional: the warnings the engine answered a container's create with (both APIs
    return `Warnings`): an engine that accepts a spec but ignores part of it says so
    there (rootless Podman on cgroup v1 and resource limits), and that is observed."""

    def create_warnings(self, container_id: str) -> list[str]: ...


@runtime_checkable
class HostDirOwner(Protocol):
    """Optional: the host uid and gid an engine's containers need to own a scenario's
    `{{ tmp }}` to bind it (a rootless engine runs as another user, and a root-only 0700
    directory is "permission denied" to it)."""

    def host_dir_owner(self) -> tuple[int, int] | None: ...


@runtime_checkable
class SharedScratch(Protocol):
    """Optional: an engine that resolves paths in its own root (`sees_host_paths =
    False`) but sees one host directory at the same path (a version surface's shared
    scratch). Scenario files under it reach the engine's CLI and binds; None when the
    engine has none."""

    def scratch_parent(self) -> Path | None: ...


def scratch_parent(engine: object) -> Path | None:
    """Where files the engine must read go: its shared scratch, or None (the system's
    temporary directory, which every engine in the host's root sees)."""
    return engine.scratch_parent() if isinstance(engine, SharedScratch) else None


def sees_path(engine: object, path: Path | str) -> bool:
    """Whether `engine` finds this host path at the same path: every engine that
    resolves paths in the host's root, and an engine in its own root for the paths
    under its shared scratch."""
    if getattr(engine, "sees_host_paths", True):
        return True
    parent = scratch_parent(engine)
    return parent is not None and Path(os.path.realpath(path)).is_relative_to(
        os.path.realpath(parent)
    )


@runtime_checkable
class CacheCleaner(Protocol):
    """Optional: remove cached images (by label filter) that no container uses."""

    def remove_cache_images(self, label: str) -> list[str]: ...


@runtime_checkable
class VolumeLister(Protocol):
    """Optional: the engine's own label-filtered volume listing, exactly as the engine
    answers it (no filtering by the harness: that answer is the observation)."""

    def list_volumes(self, labels: dict[str, str]) -> list[str]: ...


@runtime_checkable
class RegistryClient(Protocol):
    """Optional: tag, push to and pull from the local registry (127.0.0.1 only)."""

    def tag_image(self, ref: str, target: str) -> None: ...
    def push_image(self, ref: str) -> None: ...
    def pull_image(self, ref: str) -> str: ...


@runtime_checkable
class ComposeProvider(Protocol):
    """Optional: the compose implementation that goes with this engine."""

    def compose_cli(self) -> ComposeCli: ...


@runtime_checkable
class StatsReader(Protocol):
    """Optional: one resource-usage sample of a running container."""

    def stats(self, container_id: str) -> StatsSample: ...


def _missing(engine: Engine, what: str) -> Unsupported:
    return Unsupported(f"the {engine.name} adapter does not provide {what}")


# Optional protocols keep the core contract small: a third-party adapter without
# them still runs every other scenario, and these steps report `unsupported`.
def registry_client(engine: Engine) -> RegistryClient:
    if isinstance(engine, RegistryClient):
        return engine
    raise _missing(engine, "registry operations (tag_image, push_image, pull_image)")


def compose_provider(engine: Engine) -> ComposeProvider:
    if isinstance(engine, ComposeProvider):
        return engine
    raise _missing(engine, "a compose tool (compose_cli)")


def volume_lister(engine: Engine) -> VolumeLister:
    if isinstance(engine, VolumeLister):
        return engine
    raise _missing(engine, "a filtered volume listing (list_volumes)")


def captured_logs(engine: Engine, container_id: str) -> CapturedLogs:
    """Logs with sizes from any adapter: uncapped adapters' sizes are their lengths."""
    if isinstance(engine, LogCapturer):
        return engine.captured_logs(container_id)
    out, err = engine.logs(container_id)
    return CapturedLogs(out, err, len(out), len(err))


def stats_reader(engine: Engine) -> StatsReader:
    if isinstance(engine, StatsReader):
        return engine
    raise _missing(engine, "container stats (stats)")
