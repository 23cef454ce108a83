"""Podman adapter: podman-py against the libpod API of `podman system service`.

The base URL is always explicit: podman-py's from_env() falls back to
DOCKER_HOST, which may point at Docker. Nothing here pulls.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import podman
import podman.errors
import requests

from harness.engines._util import (
    healthcheck_config,
    label_filter,
    parse_size,
    restart_policy,
)
from harness.engines.base import (
    BuildRequest,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    WaitResult,
)
from harness.errors import EngineError, EngineUnavailable, ImageMissing

DEFAULT_URL = "unix:///run/podman/podman.sock"
FORMATS = {
    "oci": "application/vnd.oci.image.manifest.v1+json",
    "docker": "application/vnd.docker.distribution.manifest.v2+json",
}
_ERRORS = (podman.errors.APIError, podman.errors.PodmanError, requests.RequestException)


def _explain(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    return str(explanation or exc)


def _frames(data: Any) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    return b"".join(data)


class PodmanEngine:
    """Podman's libpod API through podman-py."""

    name = "podman"
    default_build_format = "oci"

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        self.url = url or os.environ.get("CONTAINER_HOST") or DEFAULT_URL
        if name:
            self.name = name
        self._client: podman.PodmanClient | None = None

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
            return bool(self.client.images.exists(ref))
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def build(self, request: BuildRequest) -> str:
        fmt = self.default_build_format if request.format == "default" else request.format
        if fmt not in FORMATS:
            raise EngineError(f"{self.name} cannot build {request.format!r} format images")
        try:
            image, _log = self.client.images.build(
                path=str(request.context),
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

    def remove_image(self, ref: str) -> None:
        with contextlib.suppress(podman.errors.ImageNotFound):
            self.client.images.remove(ref, force=True)

    # -- containers ----------------------------------------------------------------
    def _mounts(self, spec: ContainerSpec) -> list[dict[str, Any]]:
        mounts = []
        for m in spec.mounts:
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

    def create_container(self, spec: ContainerSpec) -> str:
        if not self.image_exists(spec.image):
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
            "ports": {p: ("127.0.0.1", h) for p, h in spec.ports.items()} or None,
            "mem_limit": parse_size(spec.memory) if spec.memory else None,
            "nano_cpus": int(spec.cpus * 1e9) if spec.cpus else None,
            "pids_limit": spec.pids_limit,
            "pid_mode": spec.pid_mode,
            "ipc_mode": spec.ipc_mode,
            "read_only": spec.read_only or None,
            "cap_add": list(spec.cap_add) or None,
            "cap_drop": list(spec.cap_drop) or None,
            "stop_signal": spec.stop_signal,
            "stop_timeout": spec.stop_timeout,
            "restart_policy": restart_policy(spec.restart),
            "healthcheck": healthcheck_config(spec.healthcheck),
        }
        # `podman run --entrypoint ""` sends an empty list: the image's is reset.
        if spec.entrypoint == "":
            kwargs["entrypoint"] = []
        elif spec.entrypoint is not None:
            kwargs["entrypoint"] = spec.entrypoint
        if spec.network in ("host", "none", "bridge") or (spec.network or "").startswith(
            "container:"
        ):
            kwargs["network_mode"] = spec.network
        elif spec.network:
            kwargs["networks"] = {spec.network: {"aliases": list(spec.aliases)}}
        try:
            container = self.client.containers.create(
                **{k: v for k, v in kwargs.items() if v is not None}
            )
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return str(container.id)

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
            raise EngineError(_explain(exc)) from None
        return WaitResult(exit_code=int(response.json()))

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        try:
            self._container(container_id).kill(signal=signal)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def logs(self, container_id: str) -> tuple[bytes, bytes]:
        container = self._container(container_id)
        out = _frames(container.logs(stdout=True, stderr=False))
        err = _frames(container.logs(stdout=False, stderr=True))
        return out, err

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        try:
            response = self.client.api.get(f"/containers/{container_id}/json")
            response.raise_for_status()
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
        return dict(response.json())

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

    def remove_container(self, container_id: str) -> None:
        try:
            self.client.api.delete(
                f"/containers/{container_id}", params={"force": True, "v": True, "timeout": 0}
            )
        except podman.errors.NotFound:
            pass
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    # -- labelled resources --------------------------------------------------------
    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        flt = {"label": label_filter(labels)}
        try:
            return {
                "containers": [c.id for c in self.client.containers.list(all=True, filters=flt)],
                "volumes": [v.name for v in self.client.volumes.list(filters=flt)],
                "networks": [n.name for n in self.client.networks.list(filters=flt)],
            }
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def remove_labelled(self, labels: dict[str, str]) -> int:
        # One by one, never prune: podman-py's prune ignores its filters.
        found = self.list_labelled(labels)
        for cid in found["containers"]:
            self.remove_container(cid)
        for net in found["networks"]:
            self.client.api.delete(f"/networks/{net}", params={"force": True})
        for vol in found["volumes"]:
            self.client.api.delete(f"/volumes/{vol}", params={"force": True})
        return sum(len(v) for v in found.values())

    # -- volumes and networks ------------------------------------------------------
    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        try:
            return str(
                self.client.volumes.create(name, labels=labels, options=options or None).name
            )
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def remove_volume(self, name: str, force: bool = False) -> None:
        try:
            self.client.volumes.remove(name, force=force)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        try:
            return str(
                self.client.networks.create(
                    name, labels=labels, internal=internal, driver="bridge"
                ).id
            )
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None

    def remove_network(self, name: str) -> None:
        try:
            self.client.networks.remove(name)
        except _ERRORS as exc:
            raise EngineError(_explain(exc)) from None
