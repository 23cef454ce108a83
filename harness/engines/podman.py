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
from pathlib import Path
from typing import Any

import podman
import podman.api
import podman.errors
import requests

from harness import local_registry as registry
from harness.engines._util import (
    demux,
    for_each_concurrently,
    has_labels,
    healthcheck_config,
    label_filter,
    parse_size,
    restart_policy,
    split_ref,
)
from harness.engines.base import (
    BuildRequest,
    ComposeCli,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    HealthResult,
    LabelledResource,
    StatsSample,
    Unsupported,
    WaitResult,
)
from harness.errors import EngineError, EngineUnavailable, ImageMissing

DEFAULT_URL = "unix:///run/podman/podman.sock"
FORMATS = {
    "oci": "application/vnd.oci.image.manifest.v1+json",
    "docker": "application/vnd.docker.distribution.manifest.v2+json",
}
CFS_PERIOD_US = 100_000
_ERRORS = (podman.errors.APIError, podman.errors.PodmanError, requests.RequestException)


def _explain(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc)


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


class PodmanEngine:
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

    @property
    def client(self) -> podman.PodmanClient:
        if self._client is None:
            try:
                self._client = podman.PodmanClient(base_url=self.url, timeout=120)
            except _ERRORS as exc:
                raise EngineUnavailable(f"{self.name}: cannot reach {self.url}: {exc}") from None
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[no-untyped-call]
            self._client = None

    # -- fingerprint ---------------------------------------------------------------
    def info(self) -> EngineInfo:
        try:
            info = self.client.info()  # type: ignore[no-untyped-call]
        except (EngineUnavailable, *_ERRORS) as exc:
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
        try:
            exists = bool(self.client.images.exists(ref))
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        if exists:
            self._present.add(ref)
        return exists

    def build(self, request: BuildRequest) -> str:
        fmt = self.default_build_format if request.format == "default" else request.format
        if fmt not in FORMATS:
            raise EngineError(f"{self.name} cannot build {request.format!r} format images")
        try:
            image, _log = self.client.images.build(
                fileobj=context_tar(request.context),
                custom_context=True,
                dockerfile=request.containerfile,
                tag=request.tag,
                labels=request.labels,
                buildargs=request.build_args or None,
                target=request.target,
                outputformat=FORMATS[fmt],
                rm=True,
                forcerm=True,
            )
        except podman.errors.BuildError as exc:
            lines = [
                str(c.get("stream", c.get("error", ""))) if isinstance(c, dict) else str(c)
                for c in (exc.build_log or [])
            ]
            raise EngineError(f"build failed: {exc.msg} {''.join(lines)[-2000:]}") from None
        except _ERRORS as exc:
            raise EngineError(f"build failed: {_explain(exc)}") from None
        return str(image.id)

    def inspect_image(self, ref: str) -> dict[str, Any]:
        try:
            return dict(self.client.images.get(ref).attrs)
        except podman.errors.ImageNotFound:
            raise ImageMissing(f"no local image {ref!r}") from None
        except _ERRORS as exc:  # 4.3 answers a 500 when the image goes away mid-inspect
            raise EngineError(_explain(exc)) from None

    def remove_image(self, ref: str) -> None:
        self._present.discard(ref)
        with contextlib.suppress(podman.errors.ImageNotFound):
            self.client.images.remove(ref, force=True)

    def tag_image(self, ref: str, target: str) -> None:
        repo, tag = split_ref(target)
        self._post(f"/images/{ref}/tag", {"repo": repo, "tag": tag or "latest"}, 60)

    def _stream(self, path: str, params: dict[str, Any], what: str) -> list[dict[str, Any]]:
        """POST a libpod endpoint that streams JSON lines; an `error` line is a failure."""
        response = self._post(path, params, 300)
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
        data = self._get("/containers/stats", {"containers": container_id, "stream": "false"})
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

    def create_container(self, spec: ContainerSpec) -> str:
        if spec.image not in self._present and not self.image_exists(spec.image):
            raise ImageMissing(f"no local image {spec.image!r} (the harness never pulls)")
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
            kwargs["networks"] = {spec.network: {"aliases": list(spec.aliases)}}
        try:
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
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return str(response.json()["Id"])

    def _container(self, container_id: str) -> Any:
        try:
            return self.client.containers.get(container_id)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def start(self, container_id: str) -> None:
        try:
            self.client.api.post(f"/containers/{container_id}/start").raise_for_status()
        except podman.errors.APIError as exc:
            raise EngineError(_explain(exc)) from None
        except requests.HTTPError as exc:
            raise EngineError(_explain(exc)) from None

    def wait(self, container_id: str, timeout: float) -> WaitResult:
        try:
            response = self.client.api.post(
                f"/containers/{container_id}/wait",
                params={"condition": ["stopped", "exited"]},
                timeout=timeout,
            )
            response.raise_for_status()
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
            return WaitResult(exit_code=None, timed_out=True)
        except _ERRORS as exc:
            # podman-py wraps the read timeout in APIError("POST operation failed").
            if isinstance(exc.__cause__ or exc.__context__, requests.exceptions.Timeout):
                return WaitResult(exit_code=None, timed_out=True)
            raise EngineError(_explain(exc)) from None
        return WaitResult(exit_code=int(response.json()))

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        try:
            self._container(container_id).kill(signal=signal)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def logs(self, container_id: str) -> tuple[bytes, bytes]:
        # One request for both streams (podman-py fetches the container, then one per stream).
        try:
            response = self.client.api.get(
                f"/containers/{container_id}/logs", params={"stdout": True, "stderr": True}
            )
            response.raise_for_status()
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return demux(response.content)

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        return dict(self._get(f"/containers/{container_id}/json"))

    def exec(
        self,
        container_id: str,
        command: list[str],
        user: str | None = None,
        workdir: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        try:
            code, output = self._container(container_id).exec_run(
                command, user=user or "", workdir=workdir, environment=env or None, demux=True
            )
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        out, err = output if isinstance(output, tuple) else (output, b"")
        return ExecResult(exit_code=code, stdout=out or b"", stderr=err or b"")

    def _remove_quietly(self, container_id: str) -> None:
        """Teardown's removal: a refusal is left for the leak audit to record."""
        with contextlib.suppress(EngineError):
            self.remove_container(container_id)

    def remove_container(self, container_id: str, force: bool = True) -> None:
        params: dict[str, Any] = {"force": force, "v": True}
        if force:
            params["timeout"] = 0
        try:
            self.client.api.delete(f"/containers/{container_id}", params=params).raise_for_status()
        except podman.errors.NotFound:
            if not force:
                raise EngineError(f"no such container: {container_id}") from None
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def _post(self, path: str, params: dict[str, Any], timeout: float) -> Any:
        try:
            response = self.client.api.post(path, params=params, timeout=timeout)
            response.raise_for_status()
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return response

    def stop(self, container_id: str, timeout: int | None = None) -> None:
        params = {} if timeout is None else {"timeout": timeout}
        self._post(f"/containers/{container_id}/stop", params, 120 + (timeout or 0))

    def restart(self, container_id: str, timeout: int | None = None) -> None:
        params = {} if timeout is None else {"t": timeout}
        self._post(f"/containers/{container_id}/restart", params, 120 + (timeout or 0))

    def healthcheck_run(self, container_id: str) -> HealthResult:
        """libpod `GET /containers/{id}/healthcheck`: run the check once, now."""
        data = self._get(f"/containers/{container_id}/healthcheck")
        log = data.get("Log") or []
        if not log:  # 4.3 answers "Log": null; the run is in the container's health log
            state = self.inspect_container(container_id).get("State") or {}
            log = (state.get("Health") or state.get("Healthcheck") or {}).get("Log") or []
        last = log[-1] if log else {}
        return HealthResult(
            status=str(data.get("Status", "")),
            exit_code=last.get("ExitCode"),
            output=str(last.get("Output", "")),
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET a libpod endpoint and decode its JSON; SDK failures become EngineError."""
        try:
            response = self.client.api.get(path, params=params)
            response.raise_for_status()
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
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

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"containers": [], "volumes": [], "networks": []}
        for resource in self.labelled_resources(labels):
            found[f"{resource.kind}s"].append(resource.id)
        return found

    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]:
        containers = self._list_retrying("/containers/json", labels, 3, all=True)
        volumes = self._list_retrying("/volumes/json", labels, 3)
        networks = self._list_retrying("/networks/json", labels, 3)
        return [
            *(
                LabelledResource("container", str(c["Id"]), dict(c.get("Labels") or {}))
                for c in containers
            ),
            *(
                LabelledResource("volume", str(v["Name"]), dict(v.get("Labels") or {}))
                for v in volumes
            ),
            *(
                LabelledResource("network", str(n["name"]), dict(n.get("labels") or {}))
                for n in networks
            ),
        ]

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
                with contextlib.suppress(*_ERRORS):
                    response = self.client.api.delete(f"/images/{ref}", params={"force": False})
                    if response.ok:
                        removed.append(str(ref))
        return removed

    def remove_labelled(self, labels: dict[str, str]) -> int:
        # One by one, never prune: podman-py's prune ignores its filters.
        # Each removal is tried even if one fails; the leak audit lists what stayed.
        found = self.list_labelled(labels)
        for_each_concurrently(self._remove_quietly, found["containers"])
        try:
            for net in found["networks"]:
                self.client.api.delete(f"/networks/{net}", params={"force": True})
            for vol in found["volumes"]:
                self.client.api.delete(f"/volumes/{vol}", params={"force": True})
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return sum(len(v) for v in found.values())

    # -- volumes and networks ------------------------------------------------------
    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        try:
            return str(
                # podman-py reads `driver_opts`; an `options` keyword is silently dropped.
                self.client.volumes.create(name, labels=labels, driver_opts=options or None).name
            )
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def remove_volume(self, name: str, force: bool = False) -> None:
        try:
            self.client.volumes.remove(name, force=force)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def inspect_volume(self, name: str) -> dict[str, Any]:
        return dict(self._get(f"/volumes/{name}/json"))

    def list_volumes(self, labels: dict[str, str]) -> list[str]:
        return sorted(str(v["Name"]) for v in self._list_as_answered("/volumes/json", labels))

    def prune_volumes(self, labels: dict[str, str]) -> list[str]:
        """libpod `POST /volumes/prune` with label filters (never podman-py's prune,
        which ignores its filters and removes every unused volume on the host)."""
        if not labels:
            raise EngineError("refusing to prune volumes without a label filter")
        params = {"filters": json.dumps({"label": label_filter(labels)})}
        response = self._post("/volumes/prune", params, 120)
        return sorted(str(r["Id"]) for r in response.json() or [] if not r.get("Err"))

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        # `podman network create` enables DNS (aardvark-dns) by default, as Docker's user
        # networks always have their embedded DNS; libpod's API defaults it to off.
        for attempt in (1, 2):
            try:
                return str(
                    self.client.networks.create(
                        name, labels=labels, internal=internal, driver="bridge", dns_enabled=True
                    ).id
                )
            except _ERRORS as exc:
                # 4.3 lists the host's interfaces to pick a free subnet; one vanishing
                # meanwhile (another session's bridge) fails the call: that is worth one retry.
                if attempt == 1 and "no such network interface" in _explain(exc):
                    continue
                raise EngineError(_explain(exc)) from None
        raise AssertionError("unreachable")

    def remove_network(self, name: str) -> None:
        try:
            self.client.networks.remove(name)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
