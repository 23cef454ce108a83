"""Podman adapter: podman-py against the libpod API of `podman system service`.

The base URL is always explicit: podman-py's from_env() falls back to
DOCKER_HOST, which may point at Docker. Nothing here pulls.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import podman
import podman.api
import podman.errors
import requests

from harness import local_registry as registry
from harness.engines._errors import CALL_DEADLINE, check_alive, engine_call
from harness.engines._labels import LabelTeardown, Owned, matching, resources
from harness.engines._logs import capture
from harness.engines._transport import (
    MAX_ANSWER,
    MAX_STREAM,
    GuardedUnixAdapter,
    MiB,
    cut_short,
    unix_socket_path,
)
from harness.engines._util import (
    has_labels,
    healthcheck_config,
    label_filter,
    parse_size,
    restart_policy,
    split_ref,
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
from harness.verdict.observe import health_doc

DEFAULT_URL = "unix:///run/podman/podman.sock"
T = TypeVar("T")
FORMATS = {
    "oci": "application/vnd.oci.image.manifest.v1+json",
    "docker": "application/vnd.docker.distribution.manifest.v2+json",
}
CFS_PERIOD_US = 100_000
BUILD_DEADLINE = 1800.0
TRANSFER_DEADLINE = 600.0
# Podman's shared storage: a build's layer-cache lookup walks every image, and one
# removed meanwhile (another item's `image_rm` step) fails it with this.
_LAYER_RACE = "layer not known"
# An image inspect works out the image's Parent by walking every image in that store
# too: one removed meanwhile (an `image_rm` step, a `cli` rmi) fails the inspect of
# another with a 500 naming the removed one ("reading image X: locating image with ID
# X: image not known"). A missing image itself is a 404, never retried. Podman 4.3's
# libpod handler (GetImage, images.go:97) then dereferences the inspect it did not get:
# a recovered panic, answered as a 500 "runtime error: invalid memory address or nil
# pointer dereference" (seen in the service's log), also at the end of a build, when
# podman-py fetches the image it built.
_PANIC = "invalid memory address or nil pointer dereference"
_INSPECT_RACES = (_LAYER_RACE, "locating image with ID", _PANIC)
# Picking a free subnet for a new network, Podman 4.3 reads the host's interfaces and
# addresses with Go's net.InterfaceAddrs, which fails ("route ip+net: no such network
# interface") when an interface appears or vanishes between its two netlink dumps: any
# bridge or veth another run makes meanwhile (golang/go#51934, fixed in Go 1.24). The
# network is not created; both Podman surfaces meet it.
_INTERFACE_RACE = "no such network interface"


def _signal_number(name: str | None) -> int | None:
    """libpod's spec wants a number ('SIGUSR1', 'USR1' or '10' -> 10)."""
    if name is None:
        return None
    if name.isdigit():
        return int(name)
    upper = name.upper()
    return int(signal.Signals[upper if upper.startswith("SIG") else f"SIG{upper}"])


def context_tar(root: Path) -> io.BytesIO:
    """The whole build context as a tar, ignore files included and nothing left out.

    podman-py's own `path=` upload filters files with fnmatch first ("FIXME Not
    compatible, support !, **"), dropping files a `!` line re-includes; the service
    applies .containerignore/.dockerignore itself, as `podman build` does.
    """
    buffer = io.BytesIO()

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(root.iterdir()):
            tar.add(path, arcname=path.name, filter=owned_by_root)
    buffer.seek(0)
    return buffer


_HEALTH_FIELDS = {
    "test": "Test",
    "interval": "Interval",
    "timeout": "Timeout",
    "start_period": "StartPeriod",
    "retries": "Retries",
}


def _libpod_healthcheck(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """libpod's `healthconfig` wants the Go field names: Go's JSON decoding matches
    'interval' to Interval regardless of case, but 'start_period' matches nothing and
    the start period was silently dropped."""
    if config is None:
        return None
    return {_HEALTH_FIELDS.get(k, k): v for k, v in config.items()}


def retry_store_race(call: Callable[[], T], races: tuple[str, ...] = (_LAYER_RACE,)) -> T:
    """Run a call, up to four more times after one of Podman's shared-storage races
    (both Podman surfaces share the storage, so both need this). Backing off 0.5 to 4 s:
    while several runs remove images at once, three quick tries were not enough."""
    for attempt in (1, 2, 3, 4, 5):
        try:
            return call()
        except EngineError as exc:
            if attempt == 5 or not any(race in str(exc) for race in races):
                raise
            time.sleep(0.5 * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def retry_layer_race(build: Callable[[], str]) -> str:
    """A build, retried after the layer-cache race or the inspect panic at its end."""
    return retry_store_race(build, (_LAYER_RACE, _PANIC))


def retry_inspect_race(inspect: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """An image inspect, retried after the parent-walk race."""
    return retry_store_race(inspect, _INSPECT_RACES)


def retry_interface_race(create: Callable[[], str]) -> str:
    """A network creation, retried after the host-interface race."""
    return retry_store_race(create, (_INTERFACE_RACE,))


class PodmanEngine(LabelTeardown):
    """Podman's libpod API through podman-py."""

    name = "podman"
    default_build_format = "oci"

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        self.url = url or os.environ.get("CONTAINER_HOST") or DEFAULT_URL
        if name:
            self.name = name
        self._client: podman.PodmanClient | None = None
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
    def client(self) -> podman.PodmanClient:
        if self._client is None:
            try:  # no request yet: podman-py connects on the first call
                client = podman.PodmanClient(base_url=self.url, timeout=120)
            except (podman.errors.APIError, podman.errors.PodmanError, ValueError) as exc:
                raise EngineUnavailable(f"{self.name}: cannot reach {self.url}: {exc}") from None
            path = unix_socket_path(self.url)
            if path is not None:  # podman-py mounts its socket adapter on both schemes
                adapter = GuardedUnixAdapter(path)
                client.api.mount("http://", adapter)
                client.api.mount("https://", adapter)
            self._client = client
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[no-untyped-call]
            self._client = None

    # -- fingerprint ---------------------------------------------------------------
    def info(self) -> EngineInfo:
        # A silent or dripping engine fails the ping within PING_DEADLINE; a busy one
        # gets the ordinary deadline for /info.
        what = f"fingerprint of {self.url}"
        try:
            check_alive(f"{self.name}: {what}", lambda: self.client.api.get("/_ping"))
            with self._call(what, explain=str):
                info = self.client.info()  # type: ignore[no-untyped-call]
        except (EngineUnavailable, EngineError) as exc:
            return EngineInfo(name=self.name, available=False, url=self.url, error=str(exc))
        host = info.get("host", {})
        version = info.get("version", {})
        settings = {}
        conf = os.environ.get("CONTAINERS_CONF") or "/var/lib/harness/containers.conf"
        if os.path.exists(conf):
            settings["containers_conf"] = conf
        return EngineInfo(
            name=self.name,
            available=True,
            version=str(version.get("Version", "")),
            api_version=str(version.get("APIVersion", "")),
            runtime=str(host.get("ociRuntime", {}).get("name", "")),
            cgroup_version=str(host.get("cgroupVersion", "")).lstrip("v"),
            cgroup_driver=str(host.get("cgroupManager", "")),
            storage_driver=str(info.get("store", {}).get("graphDriverName", "")),
            network_backend=str(host.get("networkBackend", "")),
            rootless=bool(host.get("security", {}).get("rootless", False)),
            default_build_format=self.default_build_format,
            build_formats=("oci", "docker"),
            url=self.url,
            os=str(host.get("distribution", {}).get("distribution", "")),
            kernel=str(host.get("kernel", "")),
            settings=settings,
        )

    def cli(self) -> list[str]:
        return ["podman", "--url", self.url]

    # -- images --------------------------------------------------------------------
    def image_ref(self, tag: str) -> str:
        first = tag.split("/", 1)[0]
        if "/" in tag and ("." in first or ":" in first or first == "localhost"):
            return tag
        return f"localhost/{tag}"

    def image_exists(self, ref: str) -> bool:
        with self._call("image exists"):
            exists = bool(self.client.images.exists(ref))
        if exists:
            self._present.add(ref)
        return exists

    def build(self, request: BuildRequest) -> str:
        """Build; again after Podman's shared-storage race ("layer not known": an image
        removed by another item while the layer cache was looked up), which is not a
        property of the build."""
        fmt = self.default_build_format if request.format == "default" else request.format
        if fmt not in FORMATS:
            raise EngineError(f"{self.name} cannot build {request.format!r} format images")
        return retry_layer_race(lambda: self._build_once(request, fmt))

    def _build_once(self, request: BuildRequest, fmt: str) -> str:
        with self._call(
            "build", seconds=BUILD_DEADLINE, max_bytes=MAX_STREAM, prefix="build failed: "
        ):
            # Only what the request sets: podman-py sends `buildargs=null` for a None.
            asked: dict[str, Any] = {"buildargs": request.build_args, "target": request.target}
            try:
                image, _log = self.client.images.build(
                    fileobj=context_tar(request.context),
                    custom_context=True,
                    dockerfile=request.containerfile,
                    tag=request.tag,
                    labels=request.labels,
                    outputformat=FORMATS[fmt],
                    rm=True,
                    forcerm=True,
                    **{k: v for k, v in asked.items() if v},
                )
            except podman.errors.BuildError as exc:
                lines = [
                    str(c.get("stream", c.get("error", ""))) if isinstance(c, dict) else str(c)
                    for c in (exc.build_log or [])
                ]
                raise EngineError(f"build failed: {exc.msg} {''.join(lines)[-2000:]}") from None
        return str(image.id)

    def inspect_image(self, ref: str) -> dict[str, Any]:
        return retry_inspect_race(lambda: self._inspect_image_once(ref))

    def _inspect_image_once(self, ref: str) -> dict[str, Any]:
        try:
            # 4.3 answers a 500 when the image goes away mid-inspect: an EngineError.
            with self._call("inspect image"):
                return dict(self.client.images.get(ref).attrs)
        except NotFound:
            raise ImageMissing(f"no local image {ref!r}") from None

    def remove_image(self, ref: str) -> None:
        self._present.discard(ref)
        with contextlib.suppress(NotFound), self._call("remove image"):
            self.client.images.remove(ref, force=True)

    def remove_image_plain(self, ref: str) -> None:
        """An `image_rm` step: not forced (`podman rmi -f` also removes the containers
        that use the image)."""
        self._present.discard(ref)
        with self._call("remove image"):
            self.client.api.delete(f"/images/{ref}").raise_for_status()

    def tag_image(self, ref: str, target: str) -> None:
        repo, tag = split_ref(target)
        self._post(f"/images/{ref}/tag", {"repo": repo, "tag": tag or "latest"}, 60)

    def _stream(self, path: str, params: dict[str, Any], what: str) -> list[dict[str, Any]]:
        """POST a libpod endpoint that streams JSON lines; an `error` line is a failure."""
        with self._call(what, seconds=TRANSFER_DEADLINE, max_bytes=MAX_STREAM):
            response = self._post(path, params, 300, max_bytes=MAX_STREAM)
            lines = [json.loads(line) for line in response.iter_lines() if line.strip()]
        for line in lines:
            if isinstance(line, dict) and line.get("error"):
                raise EngineError(f"{what} failed: {str(line['error']).strip()}")
        return lines

    def push_image(self, ref: str) -> None:
        """Push to the local registry only. Plain HTTP is asked for per request
        (tlsVerify=false), as Docker does for 127.0.0.0/8, so the push does not depend on
        the service having been started with the harness registries.conf."""
        registry.require_local(ref)
        self._stream(f"/images/{ref}/push", {"tlsVerify": "false", "quiet": "false"}, "push")

    def pull_image(self, ref: str) -> str:
        """Pull from the local registry only; the local image id afterwards."""
        registry.require_local(ref)
        params = {"reference": ref, "tlsVerify": "false", "quiet": "false"}
        lines = self._stream("/images/pull", params, "pull")
        ids = [str(line["id"]) for line in lines if isinstance(line, dict) and line.get("id")]
        return ids[-1] if ids else str(self.inspect_image(ref)["Id"])

    def compose_cli(self) -> ComposeCli:
        """podman-compose drives the `podman` CLI, pointed at this service (remote mode)."""
        if shutil.which("podman-compose") is None:
            raise Unsupported(f"{self.name}: podman-compose is not installed")
        env = {"CONTAINER_HOST": self.url}
        conf = os.environ.get("CONTAINERS_CONF") or "/var/lib/harness/containers.conf"
        if os.path.exists(conf):
            env["CONTAINERS_CONF"] = conf
        return ComposeCli(("podman-compose",), env)

    def stats(self, container_id: str) -> StatsSample:
        """libpod `GET /containers/stats?stream=false`: one reading in libpod's shape."""
        vanished = self._gone("container", container_id)
        params = {"containers": container_id, "stream": "false"}
        data = self._get("/containers/stats", params, vanished=vanished)
        if data.get("Error"):
            raise EngineError(str(data["Error"]))
        found = data.get("Stats") or []
        if not found:
            raise EngineError(f"no stats for {container_id}")
        raw = dict(found[0])
        cpu = raw.get("CPU")
        return StatsSample(
            memory_usage=raw.get("MemUsage"),
            memory_limit=raw.get("MemLimit"),
            cpu_total_ns=raw.get("CPUNano"),
            pids=raw.get("PIDs"),
            engine_cpu_percent=round(float(cpu), 1) if cpu is not None else None,
            taken_ns=raw.get("SystemNano"),
            raw=raw,
        )

    # -- containers ----------------------------------------------------------------
    def _mounts(self, spec: ContainerSpec) -> list[dict[str, Any]]:
        """Bind and tmpfs mounts (libpod `mounts`); volumes go to `_volumes`."""
        mounts = []
        for m in spec.mounts:
            if m.type == "volume":
                continue
            item: dict[str, Any] = {"type": m.type, "target": m.target, "read_only": m.read_only}
            if m.source:
                item["source"] = m.source
            if m.type == "tmpfs":
                item["source"] = "tmpfs"
                if "size" in m.options:
                    item["size"] = m.options["size"]
                if "mode" in m.options:
                    item["mode"] = m.options["mode"]
            mounts.append(item)
        return mounts

    def _volumes(self, spec: ContainerSpec) -> list[dict[str, Any]]:
        """libpod `volumes`: named volumes, and anonymous ones (an empty Name)."""
        return [
            {"Name": m.source or "", "Dest": m.target, "Options": ["ro"] if m.read_only else []}
            for m in spec.mounts
            if m.type == "volume"
        ]

    def _create_kwargs(self, spec: ContainerSpec) -> dict[str, Any]:
        """podman-py's create() keywords for a spec (its payload renderer takes these)."""
        kwargs: dict[str, Any] = {
            "image": spec.image,
            "name": spec.name,
            "labels": spec.labels,
            "command": spec.command,
            "environment": spec.env or None,
            "user": spec.user,
            "working_dir": spec.workdir,
            "hostname": spec.hostname,
            "mounts": self._mounts(spec) or None,
            # Host port 0 means "any free port", on 127.0.0.1 only.
            "ports": {
                p: {"ip": "127.0.0.1", **({"port": h} if h else {})} for p, h in spec.ports.items()
            }
            or None,
            "auto_remove": spec.auto_remove or None,
            "mem_limit": parse_size(spec.memory) if spec.memory else None,
            # podman-py silently drops nano_cpus: send what `podman run --cpus` sends,
            # a CFS quota over the default 100 ms period.
            "cpu_period": CFS_PERIOD_US if spec.cpus else None,
            "cpu_quota": round(spec.cpus * CFS_PERIOD_US) if spec.cpus else None,
            "pids_limit": spec.pids_limit,
            "pid_mode": spec.pid_mode,
            "ipc_mode": spec.ipc_mode,
            "read_only": spec.read_only or None,
            "privileged": spec.privileged or None,
            "cap_add": list(spec.cap_add) or None,
            "cap_drop": list(spec.cap_drop) or None,
            "stop_signal": _signal_number(spec.stop_signal),
            "stop_timeout": spec.stop_timeout,
            "restart_policy": restart_policy(spec.restart),
            "healthcheck": _libpod_healthcheck(healthcheck_config(spec.healthcheck)),
        }
        # `podman run --entrypoint ""` sends an empty list: the image's is reset.
        if spec.entrypoint == "":
            # podman-py drops an empty list from the body; [""] resets it as on Docker.
            kwargs["entrypoint"] = [""]
        elif spec.entrypoint is not None:
            kwargs["entrypoint"] = spec.entrypoint
        if spec.network in ("host", "none", "bridge") or (spec.network or "").startswith(
            "container:"
        ):
            kwargs["network_mode"] = spec.network
        elif spec.network:
            # Bridge mode with that network, as `podman run --network NAME` asks: rootless
            # Podman's default mode is slirp4netns, which refuses named networks ("networks
            # and static ip/mac address can only be used with Bridge mode networking").
            kwargs["network_mode"] = "bridge"
            kwargs["networks"] = {spec.network: {"aliases": list(spec.aliases)}}
        return kwargs

    def create_container(self, spec: ContainerSpec) -> str:
        if spec.image not in self._present and not self.image_exists(spec.image):
            raise ImageMissing(f"no local image {spec.image!r} (the harness never pulls)")
        kwargs = self._create_kwargs(spec)
        with self._call("create container"):
            # podman-py's create() sends a `volume` mount as a bind of a path named like the
            # volume and cannot express anonymous volumes: render its payload, add libpod's
            # `volumes` list, and post it ourselves.
            payload = self.client.containers._render_payload(
                {k: v for k, v in kwargs.items() if v is not None}
            )
            body = json.loads(podman.api.prepare_body(payload))
            body["volumes"] = self._volumes(spec)
            response = self.client.api.post(
                "/containers/create",
                headers={"content-type": "application/json"},
                data=json.dumps(body),
            )
            response.raise_for_status(not_found=podman.errors.ImageNotFound)
            answer = response.json()
            created = str(answer["Id"])
        if not spec.auto_remove:  # an auto-removed container may vanish on its own
            self._owned.add("container", created, spec.name)
        self._warnings[created] = [str(w) for w in answer.get("Warnings") or []]
        return created

    def create_warnings(self, container_id: str) -> list[str]:
        return list(self._warnings.get(container_id, []))

    def start(self, container_id: str) -> None:
        with self._call("start", vanished=self._gone("container", container_id)):
            self.client.api.post(f"/containers/{container_id}/start").raise_for_status()

    def wait(self, container_id: str, timeout: float) -> WaitResult:
        vanished = self._gone("container", container_id)
        with self._call("wait", seconds=timeout + 30, vanished=vanished):
            try:
                response = self.client.api.post(
                    f"/containers/{container_id}/wait",
                    params={"condition": ["stopped", "exited"]},
                    timeout=timeout,
                )
                response.raise_for_status()
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                if cut_short():
                    raise
                return WaitResult(exit_code=None, timed_out=True)
            except podman.errors.APIError as exc:
                # podman-py wraps the read timeout in APIError("POST operation failed").
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, requests.exceptions.Timeout) and not cut_short():
                    return WaitResult(exit_code=None, timed_out=True)
                raise
            return WaitResult(exit_code=int(response.json()))

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        with self._call("kill", vanished=self._gone("container", container_id)):
            self.client.containers.get(container_id).kill(signal=signal)

    def logs(self, container_id: str) -> tuple[bytes, bytes]:
        captured = self.captured_logs(container_id)
        return captured.stdout, captured.stderr

    def captured_logs(self, container_id: str) -> CapturedLogs:
        """Both streams in one request (podman-py fetches the container, then one per
        stream), read as a stream and capped."""
        vanished = self._gone("container", container_id)
        with self._call("logs", max_bytes=None, vanished=vanished):
            response = self.client.api.get(
                f"/containers/{container_id}/logs",
                params={"stdout": True, "stderr": True},
                stream=True,
            )
            with contextlib.closing(response):
                response.raise_for_status()
                return capture(response.iter_content(MiB))

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        vanished = self._gone("container", container_id)
        return dict(self._get(f"/containers/{container_id}/json", vanished=vanished))

    def exec(
        self,
        container_id: str,
        command: list[str],
        user: str | None = None,
        workdir: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        vanished = self._gone("container", container_id)
        with self._call("exec", vanished=vanished, watchdog=True):
            container: Any = self.client.containers.get(container_id)
            code, output = container.exec_run(
                command, user=user or "", workdir=workdir, environment=env or None, demux=True
            )
        out, err = output if isinstance(output, tuple) else (output, b"")
        return ExecResult(exit_code=code, stdout=out or b"", stderr=err or b"")

    def remove_container(self, container_id: str, force: bool = True) -> None:
        """Teardown's removal: no grace period (`timeout=0`), anonymous volumes too."""
        params: dict[str, Any] = {"force": force, "v": True}
        if force:
            params["timeout"] = 0
        self._remove(container_id, force, params)

    def remove_container_plain(self, container_id: str, force: bool = False) -> None:
        """A `remove` step: the engine's defaults (a forced removal stops the container
        with its own stop timeout first; anonymous volumes stay)."""
        self._remove(container_id, force, {"force": True} if force else {})

    def _remove(self, container_id: str, force: bool, params: dict[str, Any]) -> None:
        vanished = self._gone("container", container_id)
        try:
            with self._call("remove container", vanished=vanished):
                response = self.client.api.delete(f"/containers/{container_id}", params=params)
                response.raise_for_status()
        except NotFound as exc:
            if not force:
                if isinstance(exc, Vanished):
                    raise
                raise EngineError(f"no such container: {container_id}") from None
        self._owned.drop("container", container_id)

    def _post(
        self,
        path: str,
        params: dict[str, Any],
        timeout: float,
        vanished: str | None = None,
        max_bytes: int | None = MAX_ANSWER,
    ) -> Any:
        """POST a libpod endpoint; `timeout` bounds each read, the call gets that much more."""
        seconds = self.call_deadline + timeout
        with self._call(f"POST {path}", seconds=seconds, vanished=vanished, max_bytes=max_bytes):
            response = self.client.api.post(path, params=params, timeout=timeout)
            response.raise_for_status()
        return response

    def stop(self, container_id: str, timeout: int | None = None) -> None:
        params = {} if timeout is None else {"timeout": timeout}
        vanished = self._gone("container", container_id)
        self._post(f"/containers/{container_id}/stop", params, 120 + (timeout or 0), vanished)

    def restart(self, container_id: str, timeout: int | None = None) -> None:
        params = {} if timeout is None else {"t": timeout}
        vanished = self._gone("container", container_id)
        self._post(f"/containers/{container_id}/restart", params, 120 + (timeout or 0), vanished)

    def healthcheck_run(self, container_id: str) -> HealthResult:
        """libpod `GET /containers/{id}/healthcheck`: run the check once, now."""
        vanished = self._gone("container", container_id)
        data = self._get(f"/containers/{container_id}/healthcheck", vanished=vanished)
        log = data.get("Log") or []
        if not log:  # 4.3 answers "Log": null; the run is in the container's health log
            state = self.inspect_container(container_id).get("State") or {}
            log = health_doc(state).get("Log") or []
        last = log[-1] if log else {}
        return HealthResult(
            status=str(data.get("Status", "")),
            exit_code=last.get("ExitCode"),
            output=str(last.get("Output", "")),
        )

    def _get(
        self, path: str, params: dict[str, Any] | None = None, vanished: str | None = None
    ) -> Any:
        """GET a libpod endpoint and decode its JSON; SDK failures become EngineError."""
        with self._call(f"GET {path}", vanished=vanished):
            response = self.client.api.get(path, params=params)
            response.raise_for_status()
            return response.json()

    # -- labelled resources --------------------------------------------------------
    def _list_as_answered(
        self, path: str, labels: dict[str, str], **params: Any
    ) -> list[dict[str, Any]]:
        """The engine's own label-filtered listing, unchecked."""
        # Raw API: podman-py's list(filters={"label": [...]}) str()s the list and matches nothing.
        params["filters"] = json.dumps({"label": label_filter(labels)})
        return list(self._get(path, params) or [])

    def _list(self, path: str, labels: dict[str, str], **params: Any) -> list[dict[str, Any]]:
        found = self._list_as_answered(path, labels, **params)
        return [r for r in found if has_labels(r.get("Labels", r.get("labels")), labels)]

    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]:
        containers = self._list_retrying("/containers/json", labels, 3, all=True)
        volumes = self._list_retrying("/volumes/json", labels, 3)
        networks = self._list_retrying("/networks/json", labels, 3)
        found = [
            *resources("container", containers, "Id"),
            *resources("volume", volumes, "Name"),
            *resources("network", networks, "name", "labels"),
        ]
        return matching(found, labels)

    def _list_retrying(
        self, path: str, labels: dict[str, str], attempts: int = 10, **params: Any
    ) -> list[dict[str, Any]]:
        """Podman 4.3 fails a whole listing when an image or volume vanishes while it
        lists ("image not known", "no such volume"), as happens when another process
        removes one: retry."""
        for attempt in range(attempts):
            try:
                return self._list(path, labels, **params)
            except EngineError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)
        return []

    def remove_cache_images(self, label: str) -> list[str]:
        """Remove images carrying `label` (a label filter) that no container uses;
        the references removed."""
        key, _, value = label.partition("=")
        images = self._list_retrying("/images/json", {key: value})
        removed = []
        # Children first: an image built FROM another cache image blocks its parent.
        for image in sorted(images, key=lambda i: -int(i.get("Created") or 0)):
            # By tag (an image may carry several); never forced, so an image in use stays.
            for ref in image.get("RepoTags") or [image["Id"]]:
                with contextlib.suppress(EngineError), self._call("remove cache image"):
                    response = self.client.api.delete(f"/images/{ref}", params={"force": False})
                    if response.ok:
                        removed.append(str(ref))
        return removed

    def _remove_listed(self, kind: str, ref: str) -> None:
        with contextlib.suppress(NotFound), self._call(f"remove {kind}"):
            self.client.api.delete(f"/{kind}s/{ref}", params={"force": True}).raise_for_status()

    # -- volumes and networks ------------------------------------------------------
    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        with self._call("create volume"):
            # podman-py reads `driver_opts`; an `options` keyword is silently dropped.
            volume = self.client.volumes.create(name, labels=labels, driver_opts=options or None)
        self._owned.add("volume", str(volume.name), name)
        return str(volume.name)

    def remove_volume(self, name: str, force: bool = False) -> None:
        with self._call("remove volume", vanished=self._gone("volume", name)):
            self.client.volumes.remove(name, force=force)
        self._owned.drop("volume", name)

    def inspect_volume(self, name: str) -> dict[str, Any]:
        return dict(self._get(f"/volumes/{name}/json", vanished=self._gone("volume", name)))

    def list_volumes(self, labels: dict[str, str]) -> list[str]:
        return sorted(str(v["Name"]) for v in self._list_as_answered("/volumes/json", labels))

    def prune_volumes(self, labels: dict[str, str]) -> list[str]:
        """libpod `POST /volumes/prune` with label filters (never podman-py's prune,
        which ignores its filters and removes every unused volume on the host)."""
        if not labels:
            raise EngineError("refusing to prune volumes without a label filter")
        params = {"filters": json.dumps({"label": label_filter(labels)})}
        response = self._post("/volumes/prune", params, 120)
        pruned = sorted(str(r["Id"]) for r in response.json() or [] if not r.get("Err"))
        for name in pruned:
            self._owned.drop("volume", name)
        return pruned

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        return retry_interface_race(lambda: self._create_network_once(name, labels, internal))

    def _create_network_once(self, name: str, labels: dict[str, str], internal: bool) -> str:
        # `podman network create` enables DNS (aardvark-dns) by default, as Docker's user
        # networks always have their embedded DNS; libpod's API defaults it to off.
        with self._call("create network"):
            network = self.client.networks.create(
                name, labels=labels, internal=internal, driver="bridge", dns_enabled=True
            )
        self._owned.add("network", str(network.id), name)
        return str(network.id)

    def remove_network(self, name: str) -> None:
        with self._call("remove network", vanished=self._gone("network", name)):
            self.client.networks.remove(name)
        self._owned.drop("network", name)
