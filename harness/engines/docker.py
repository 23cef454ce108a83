"""Docker adapter: docker-py against a Docker Engine API socket.

Never calls `containers.run` or any pull: create+start only, and the image
must already be local (`ImageMissing` otherwise).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import Any

import docker
import docker.constants
import docker.errors
import docker.types
import requests

from harness import local_registry as registry
from harness.engines._errors import CALL_DEADLINE, check_alive, engine_call
from harness.engines._labels import LabelTeardown, Owned, matching, resources
from harness.engines._logs import capture
from harness.engines._transport import (
    MAX_STREAM,
    GuardedUnixAdapter,
    MiB,
    budget,
    cut_short,
    unix_socket_path,
)
from harness.engines._util import (
    healthcheck_config,
    label_filter,
    parse_size,
    restart_policy,
    split_ref,
    timestamp_ns,
)
from harness.engines.base import (
    BuildRequest,
    CapturedLogs,
    ComposeCli,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    HealthResult,
    LabelledResource,
    NotFound,
    StatsSample,
    Unsupported,
    Vanished,
    WaitResult,
)
from harness.errors import EngineError, EngineUnavailable, ImageMissing

DEFAULT_URL = "unix:///var/run/docker.sock"
BUILD_DEADLINE = 1800.0
TRANSFER_DEADLINE = 600.0


def _is_podman(version: dict[str, Any]) -> bool:
    return any(c.get("Name") == "Podman Engine" for c in version.get("Components") or [])


def _cpu_percent(cpu: dict[str, Any], pre: dict[str, Any]) -> float | None:
    """The docker CLI's formula: container cpu delta over system cpu delta, times cpus."""
    try:
        used = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
        system = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
        cpus = cpu.get("online_cpus") or len(cpu["cpu_usage"].get("percpu_usage") or []) or 1
    except (KeyError, TypeError):
        return None
    return round(used / system * cpus * 100, 1) if system > 0 else None


class DockerEngine(LabelTeardown):
    """The Docker Engine API through docker-py."""

    name = "docker"
    default_url_env = "DOCKER_HOST"
    build_formats: tuple[str, ...] = ("docker",)

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        self.url = url or os.environ.get(self.default_url_env) or DEFAULT_URL
        if name:
            self.name = name
        self._client: docker.DockerClient | None = None
        # Images this adapter has seen present: create_container skips re-asking for
        # them (a lookup per container costs 0.1-0.4 s on a busy Podman). Safe: the
        # create endpoints never pull, so a vanished image is a plain 404.
        self._present: set[str] = set()
        self._owned = Owned()
        self._warnings: dict[str, list[str]] = {}  # container id -> its create's Warnings
        self.call_deadline = CALL_DEADLINE

    def _call(self, what: str, **kwargs: Any) -> contextlib.AbstractContextManager[None]:
        """One API call: deadline, size cap and SDK errors translated (see `_errors`)."""
        kwargs.setdefault("seconds", self.call_deadline)
        return engine_call(self.name, what, **kwargs)

    def _gone(self, kind: str, ref: str) -> str | None:
        return self._owned.describe(kind, ref)

    @property
    def api(self) -> docker.APIClient:
        if self._client is None:
            self._client = self._connect()
        return self._client.api

    def _connect(self) -> docker.DockerClient:
        """The client, its transport guarded, and the API version the daemon speaks
        (docker-py asks for it in its constructor, before a transport can be swapped)."""
        reach = f"{self.name}: cannot reach {self.url}"
        try:
            client = docker.DockerClient(
                base_url=self.url, version=docker.constants.DEFAULT_DOCKER_API_VERSION, timeout=120
            )
        except (docker.errors.DockerException, requests.RequestException) as exc:
            raise EngineUnavailable(f"{reach}: {exc}") from None
        path = unix_socket_path(self.url)
        if path is not None:
            adapter = GuardedUnixAdapter(path)
            client.api.mount("http+docker://", adapter)
            client.api._custom_adapter = adapter
        check_alive(reach, lambda: self._ping(client.api))
        with budget(f"connect to {self.url}", self.call_deadline) as spent:
            try:
                client.api._version = client.api._retrieve_server_version()
            except (docker.errors.DockerException, requests.RequestException) as exc:
                raise EngineUnavailable(f"{reach}: {spent.tripped or exc}") from None
        return client

    @staticmethod
    def _ping(api: docker.APIClient) -> None:
        """Unversioned `GET /_ping` (docker-py's ping() adds its own API version, which a
        daemon older than the library refuses)."""
        api._raise_for_status(api._get(api.base_url + "/_ping"))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # -- fingerprint ---------------------------------------------------------------
    def info(self) -> EngineInfo:
        # A silent or dripping engine fails the ping (connecting pings too), within
        # PING_DEADLINE; a busy one gets the ordinary deadline for the rest.
        what = f"fingerprint of {self.url}"
        try:
            check_alive(f"{self.name}: {what}", lambda: self._ping(self.api))
            with self._call(what, explain=str):
                version = self.api.version()
                info = self.api.info()
        except (EngineUnavailable, EngineError) as exc:
            return EngineInfo(name=self.name, available=False, url=self.url, error=str(exc))
        mismatch = self._identity_mismatch(version)
        if mismatch:
            return EngineInfo(name=self.name, available=False, url=self.url, error=mismatch)
        return EngineInfo(
            name=self.name,
            available=True,
            version=str(version.get("Version", "")),
            api_version=str(version.get("ApiVersion", "")),
            runtime=str(info.get("DefaultRuntime", "")),
            cgroup_version=str(info.get("CgroupVersion", "")),
            cgroup_driver=str(info.get("CgroupDriver", "")),
            storage_driver=str(info.get("Driver", "")),
            network_backend=self._network_backend(version),
            rootless=self._rootless(info),
            default_build_format=self.build_formats[0],
            build_formats=self.build_formats,
            url=self.url,
            os=str(info.get("OperatingSystem", "")),
            kernel=str(info.get("KernelVersion", "")),
            settings=self._settings(),
        )

    def _identity_mismatch(self, version: dict[str, Any]) -> str | None:
        """Why the daemon at `url` is not the engine this adapter compares (None if it is).

        DOCKER_HOST pointed at Podman would silently turn the docker column into Podman;
        that surface has its own adapter, `podman-docker-api`.
        """
        if _is_podman(version):
            return f"{self.url} is Podman's Docker-compatible API, not dockerd"
        return None

    def _rootless(self, info: dict[str, Any]) -> bool:
        return "rootless" in " ".join(info.get("SecurityOptions") or [])

    def _settings(self) -> dict[str, str]:
        return {}

    def _network_backend(self, version: dict[str, Any]) -> str:
        return "libnetwork"

    def cli(self) -> list[str]:
        return ["docker", "-H", self.url]

    # -- images --------------------------------------------------------------------
    def image_ref(self, tag: str) -> str:
        return tag

    def image_exists(self, ref: str) -> bool:
        try:
            with self._call("inspect image"):
                self.api.inspect_image(ref)
        except NotFound:
            return False
        self._present.add(ref)
        return True

    def build(self, request: BuildRequest) -> str:
        if request.format not in ("default", *self.build_formats):
            raise Unsupported(
                f"{self.name}: the Engine API's build (classic builder, no BuildKit exporter) "
                f"writes only {', '.join(self.build_formats)} format images, "
                f"not {request.format!r}"
            )
        with self._call(
            "build", seconds=BUILD_DEADLINE, max_bytes=MAX_STREAM, prefix="build failed: "
        ):
            stream = self.api.build(
                path=str(request.context),
                dockerfile=request.containerfile,
                tag=request.tag,
                labels=request.labels,
                buildargs=request.build_args or None,
                target=request.target,
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            )
            # A daemon that restarts mid-build breaks the stream (urllib3 raises it raw).
            for chunk in stream:
                if "error" in chunk:
                    raise EngineError(f"build failed: {chunk['error'].strip()}")
        return str(self.inspect_image(request.tag)["Id"])

    def inspect_image(self, ref: str) -> dict[str, Any]:
        try:
            with self._call("inspect image", prefix=f"inspect image {ref}: ", explain=str):
                return dict(self.api.inspect_image(ref))
        except NotFound:
            raise ImageMissing(f"no local image {ref!r}") from None

    def remove_image(self, ref: str) -> None:
        self._present.discard(ref)
        with contextlib.suppress(NotFound), self._call("remove image"):
            self.api.remove_image(ref, force=True)

    def remove_image_plain(self, ref: str) -> None:
        """An `image_rm` step: not forced, so an image a container uses is refused."""
        self._present.discard(ref)
        with self._call("remove image"):
            self.api.remove_image(ref)

    def tag_image(self, ref: str, target: str) -> None:
        repo, tag = split_ref(target)
        with self._call("tag image"):
            self.api.tag(ref, repo, tag)

    def _stream(self, chunks: Any, what: str) -> None:
        for chunk in chunks:
            if isinstance(chunk, dict) and chunk.get("error"):
                raise EngineError(f"{what} failed: {str(chunk['error']).strip()}")

    def push_image(self, ref: str) -> None:
        """Push to the local registry only (dockerd treats 127.0.0.0/8 as insecure)."""
        repo, tag = split_ref(registry.require_local(ref))
        with self._call(
            "push", seconds=TRANSFER_DEADLINE, max_bytes=MAX_STREAM, prefix="push failed: "
        ):
            self._stream(self.api.push(repo, tag=tag, stream=True, decode=True), "push")

    def pull_image(self, ref: str) -> str:
        """Pull from the local registry only; the local image id afterwards."""
        repo, tag = split_ref(registry.require_local(ref))
        with self._call(
            "pull", seconds=TRANSFER_DEADLINE, max_bytes=MAX_STREAM, prefix="pull failed: "
        ):
            self._stream(self.api.pull(repo, tag=tag, stream=True, decode=True), "pull")
        return str(self.inspect_image(ref)["Id"])

    def compose_cli(self) -> ComposeCli:
        if shutil.which("docker-compose") is None:
            raise Unsupported(f"{self.name}: docker-compose is not installed")
        return ComposeCli(("docker-compose",), {"DOCKER_HOST": self.url})

    def stats(self, container_id: str) -> StatsSample:
        """`GET /containers/{id}/stats?stream=false`: one reading in Docker's shape."""
        with self._call("stats", vanished=self._gone("container", container_id)):
            raw = dict(self.api.stats(container_id, stream=False))
        memory = raw.get("memory_stats") or {}
        cpu = raw.get("cpu_stats") or {}
        pre = raw.get("precpu_stats") or {}
        total = (cpu.get("cpu_usage") or {}).get("total_usage")
        return StatsSample(
            memory_usage=memory.get("usage"),
            memory_limit=memory.get("limit"),
            cpu_total_ns=total,
            pids=(raw.get("pids_stats") or {}).get("current"),
            engine_cpu_percent=_cpu_percent(cpu, pre),
            taken_ns=timestamp_ns(str(raw.get("read") or "")),
            raw=raw,
        )

    # -- containers ----------------------------------------------------------------
    def _entrypoint(self, entrypoint: list[str] | str | None) -> list[str] | None:
        # `docker run --entrypoint ""` sends [""]: the daemon then resets the image's.
        if entrypoint == "":
            return [""]
        return entrypoint if isinstance(entrypoint, list) or entrypoint is None else [entrypoint]

    def _host_config(self, spec: ContainerSpec) -> dict[str, Any]:
        mounts = [
            docker.types.Mount(
                target=m.target,
                source=m.source or "",
                type=m.type,
                read_only=m.read_only,
                tmpfs_size=parse_size(m.options["size"]) if "size" in m.options else None,
                tmpfs_mode=int(m.options["mode"], 8) if "mode" in m.options else None,
            )
            for m in spec.mounts
        ]
        return dict(
            self.api.create_host_config(
                mounts=mounts or None,
                network_mode=spec.network,
                # Host port 0 means "any free port", on 127.0.0.1 only.
                port_bindings={p: ("127.0.0.1", h or None) for p, h in spec.ports.items()} or None,
                auto_remove=spec.auto_remove or None,
                mem_limit=parse_size(spec.memory) if spec.memory else None,
                nano_cpus=int(spec.cpus * 1e9) if spec.cpus else None,
                pids_limit=spec.pids_limit,
                pid_mode=spec.pid_mode,
                ipc_mode=spec.ipc_mode,
                read_only=spec.read_only or None,
                privileged=spec.privileged,
                cap_add=list(spec.cap_add) or None,
                cap_drop=list(spec.cap_drop) or None,
                restart_policy=restart_policy(spec.restart),
            )
        )

    def create_container(self, spec: ContainerSpec) -> str:
        if spec.image not in self._present and not self.image_exists(spec.image):
            raise ImageMissing(f"no local image {spec.image!r} (the harness never pulls)")
        networking = None
        if spec.network and spec.aliases:
            networking = self.api.create_networking_config(
                {spec.network: self.api.create_endpoint_config(aliases=list(spec.aliases))}
            )
        health = healthcheck_config(spec.healthcheck)
        with self._call("create container"):
            created = self.api.create_container(
                image=spec.image,
                name=spec.name,
                command=spec.command,
                entrypoint=self._entrypoint(spec.entrypoint),
                environment=spec.env or None,
                user=spec.user,
                working_dir=spec.workdir,
                hostname=spec.hostname,
                labels=spec.labels,
                # docker-py appends "/tcp" to a plain string: pass (port, proto) pairs.
                ports=[tuple(p.split("/", 1)) if "/" in p else p for p in spec.ports] or None,
                host_config=self._host_config(spec),
                networking_config=networking,
                stop_signal=spec.stop_signal,
                stop_timeout=spec.stop_timeout,
                healthcheck=docker.types.Healthcheck(**health) if health else None,
                detach=True,
            )
        if not spec.auto_remove:  # an auto-removed container may vanish on its own
            self._owned.add("container", str(created["Id"]), spec.name)
        self._warnings[str(created["Id"])] = [str(w) for w in created.get("Warnings") or []]
        return str(created["Id"])

    def create_warnings(self, container_id: str) -> list[str]:
        return list(self._warnings.get(container_id, []))

    def start(self, container_id: str) -> None:
        with self._call("start", vanished=self._gone("container", container_id)):
            self.api.start(container_id)

    def wait(self, container_id: str, timeout: float) -> WaitResult:
        vanished = self._gone("container", container_id)
        with self._call("wait", seconds=timeout + 30, vanished=vanished):
            try:
                result = self.api.wait(container_id, timeout=timeout)
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                if cut_short():
                    raise
                return WaitResult(exit_code=None, timed_out=True)
        return WaitResult(exit_code=int(result["StatusCode"]))

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        with self._call("kill", vanished=self._gone("container", container_id)):
            self.api.kill(container_id, signal=signal)

    def logs(self, container_id: str) -> tuple[bytes, bytes]:
        captured = self.captured_logs(container_id)
        return captured.stdout, captured.stderr

    def captured_logs(self, container_id: str) -> CapturedLogs:
        """Both streams in one request (docker-py's logs() takes one per stream and
        inspects the container before each), read as a stream and capped."""
        vanished = self._gone("container", container_id)
        with self._call("logs", max_bytes=None, vanished=vanished):
            response = self.api._get(
                self.api._url("/containers/{0}/logs", container_id),
                params={"stdout": 1, "stderr": 1},
                stream=True,
            )
            with contextlib.closing(response):
                self.api._raise_for_status(response)
                return capture(response.iter_content(MiB))

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        with self._call("inspect container", vanished=self._gone("container", container_id)):
            return dict(self.api.inspect_container(container_id))

    def exec(
        self,
        container_id: str,
        command: list[str],
        user: str | None = None,
        workdir: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        # docker-py polls the exec stream without a timeout: the watchdog bounds it.
        vanished = self._gone("container", container_id)
        with self._call("exec", vanished=vanished, watchdog=True):
            created = self.api.exec_create(
                container_id, command, user=user or "", workdir=workdir, environment=env or None
            )
            out, err = self.api.exec_start(created["Id"], demux=True)
            code = self.api.exec_inspect(created["Id"]).get("ExitCode")
        return ExecResult(exit_code=code, stdout=out or b"", stderr=err or b"")

    def remove_container(self, container_id: str, force: bool = True) -> None:
        """Teardown's removal: anonymous volumes go with the container (`v`)."""
        self._remove(container_id, force, volumes=True)

    def remove_container_plain(self, container_id: str, force: bool = False) -> None:
        """A `remove` step: the engine's defaults (anonymous volumes stay)."""
        self._remove(container_id, force, volumes=False)

    def _remove(self, container_id: str, force: bool, volumes: bool) -> None:
        try:
            with self._call("remove container", vanished=self._gone("container", container_id)):
                self.api.remove_container(container_id, force=force, v=volumes)
        except NotFound as exc:
            if not force:
                if isinstance(exc, Vanished):
                    raise
                raise EngineError(f"no such container: {container_id}") from None
        except EngineError as exc:
            if not force or "already in progress" not in str(exc):
                raise
        self._owned.drop("container", container_id)

    def stop(self, container_id: str, timeout: int | None = None) -> None:
        vanished = self._gone("container", container_id)
        with self._call("stop", seconds=self.call_deadline + (timeout or 10), vanished=vanished):
            self.api.stop(container_id, timeout=timeout)

    def restart(self, container_id: str, timeout: int | None = None) -> None:
        vanished = self._gone("container", container_id)
        with self._call("restart", seconds=self.call_deadline + (timeout or 10), vanished=vanished):
            # docker-py's restart() always sends `t` (10 by default), which overrides the
            # container's StopTimeout: without a timeout, send none (the engine's default).
            params = {} if timeout is None else {"t": timeout}
            url = self.api._url("/containers/{0}/restart", container_id)
            self.api._raise_for_status(self.api._post(url, params=params, timeout=None))

    def healthcheck_run(self, container_id: str) -> HealthResult:
        raise Unsupported(
            f"{self.name}: the Docker Engine API has no endpoint to run a healthcheck on demand "
            "(checks run only on the daemon's own schedule)"
        )

    # -- labelled resources --------------------------------------------------------
    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]:
        flt = {"label": label_filter(labels)}
        with self._call("list labelled resources"):
            containers = self.api.containers(all=True, filters=flt)
            volumes = self.api.volumes(filters=flt).get("Volumes") or []
            networks = self.api.networks(filters=flt)
        found = [
            *resources("container", containers, "Id"),
            *resources("volume", volumes, "Name"),
            *resources("network", networks, "Id"),
        ]
        return matching(found, labels)

    def _remove_listed(self, kind: str, ref: str) -> None:
        with contextlib.suppress(NotFound), self._call(f"remove {kind}"):
            if kind == "network":
                self.api.remove_network(ref)
            else:
                self.api.remove_volume(ref, force=True)

    def remove_cache_images(self, label: str) -> list[str]:
        """Remove images carrying `label` (a label filter) that no container uses;
        the references removed."""
        with self._call("list cache images"):
            images = self.api.images(filters={"label": label})
        removed = []
        # Children first: an image built FROM another cache image blocks its parent.
        for image in sorted(images, key=lambda i: -int(i.get("Created") or 0)):
            # By tag (an image may carry several); never forced, so an image in use stays.
            for ref in image.get("RepoTags") or [image["Id"]]:
                with contextlib.suppress(EngineError), self._call("remove cache image"):
                    self.api.remove_image(ref, force=False, noprune=False)
                    removed.append(str(ref))
        return removed

    # -- volumes and networks ------------------------------------------------------
    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        with self._call("create volume"):
            created = str(
                self.api.create_volume(name, driver_opts=options or None, labels=labels)["Name"]
            )
        self._owned.add("volume", created, name)
        return created

    def remove_volume(self, name: str, force: bool = False) -> None:
        with self._call("remove volume", vanished=self._gone("volume", name)):
            self.api.remove_volume(name, force=force)
        self._owned.drop("volume", name)

    def inspect_volume(self, name: str) -> dict[str, Any]:
        with self._call("inspect volume", vanished=self._gone("volume", name)):
            return dict(self.api.inspect_volume(name))

    def list_volumes(self, labels: dict[str, str]) -> list[str]:
        with self._call("list volumes"):
            found = self.api.volumes(filters={"label": label_filter(labels)})
        return sorted(str(v["Name"]) for v in found.get("Volumes") or [])

    def prune_volumes(self, labels: dict[str, str]) -> list[str]:
        """`POST /volumes/prune` restricted by label filters; the names removed."""
        if not labels:
            raise EngineError("refusing to prune volumes without a label filter")
        with self._call("prune volumes"):
            result = self.api.prune_volumes(filters={"label": label_filter(labels)})
        pruned = sorted(result.get("VolumesDeleted") or [])
        for name in pruned:
            self._owned.drop("volume", name)
        return pruned

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        with self._call("create network"):
            # docker-py happily creates a second network with the same name: refuse it here.
            if self.api.networks(names=[name]):
                raise EngineError(f"network with name {name} already exists")
            created = str(
                self.api.create_network(
                    name, driver="bridge", labels=labels, internal=internal, check_duplicate=True
                )["Id"]
            )
        self._owned.add("network", created, name)
        return created

    def remove_network(self, name: str) -> None:
        with self._call("remove network", vanished=self._gone("network", name)):
            self.api.remove_network(name)
        self._owned.drop("network", name)
