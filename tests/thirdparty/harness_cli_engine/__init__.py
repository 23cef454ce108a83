"""A third-party harness engine: the `docker` CLI, driven through subprocess.

It exists to prove the `harness.engines` entry-point contract (docs/engines.md)
from outside the harness package: it imports only the public types in
`harness.engines.base` and `harness.errors`, and is registered by the entry point
in its own pyproject.toml. Point it at any Docker-API socket with
`--url docker-cli=unix:///...` (dockerd by default).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from harness.engines.base import (
    BuildRequest,
    ContainerSpec,
    EngineInfo,
    ExecResult,
    HealthResult,
    Unsupported,
    WaitResult,
)
from harness.errors import EngineError, EngineUnavailable, ImageMissing

from ._argv import create_argv

DEFAULT_URL = "unix:///var/run/docker.sock"
TIMEOUT = 300.0


class CliEngine:
    """Every protocol method is one or two `docker -H URL ...` commands."""

    name = "docker-cli"

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        self.url = url or DEFAULT_URL
        if name:
            self.name = name

    # -- plumbing ----------------------------------------------------------------
    def cli(self) -> list[str]:
        return ["docker", "-H", self.url]

    def _run(
        self, *args: str, check: bool = True, timeout: float = TIMEOUT
    ) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "DOCKER_BUILDKIT": "0", "DOCKER_CLI_HINTS": "false"}
        try:
            done = subprocess.run(
                [*self.cli(), *args], capture_output=True, timeout=timeout, env=env, check=False
            )
        except FileNotFoundError:
            raise EngineUnavailable(f"{self.name}: no `docker` CLI on PATH") from None
        if check and done.returncode != 0:
            raise EngineError(
                done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
            )
        return done

    def _json(self, *args: str) -> Any:
        return json.loads(self._run(*args).stdout)

    def close(self) -> None:
        """Nothing to close: every call is its own process."""

    # -- fingerprint ---------------------------------------------------------------
    def info(self) -> EngineInfo:
        try:
            version = self._json("version", "--format", "{{json .Server}}")
            info = self._json("info", "--format", "{{json .}}")
        except (EngineError, EngineUnavailable, ValueError, subprocess.TimeoutExpired) as exc:
            return EngineInfo(name=self.name, available=False, url=self.url, error=str(exc))
        return EngineInfo(
            name=self.name,
            available=True,
            version=str(version.get("Version", "")),
            api_version=str(version.get("ApiVersion", "")),
            runtime=str(info.get("DefaultRuntime", "")),
            cgroup_version=str(info.get("CgroupVersion", "")),
            cgroup_driver=str(info.get("CgroupDriver", "")),
            storage_driver=str(info.get("Driver", "")),
            network_backend="libnetwork",
            rootless="rootless" in " ".join(info.get("SecurityOptions") or []),
            default_build_format="docker",
            build_formats=("docker",),
            url=self.url,
            os=str(info.get("OperatingSystem", "")),
            kernel=str(info.get("KernelVersion", "")),
            settings={"adapter": "docker CLI via subprocess (third-party test adapter)"},
        )

    # -- images --------------------------------------------------------------------
    def image_ref(self, tag: str) -> str:
        return tag

    def image_exists(self, ref: str) -> bool:
        return self._run("image", "inspect", ref, check=False).returncode == 0

    def build(self, request: BuildRequest) -> str:
        if request.format not in ("default", "docker"):
            raise Unsupported(f"{self.name} builds only docker-format images")
        dockerfile = str(request.context / request.containerfile)  # the CLI reads -f from cwd
        argv = ["build", "-q", "--rm", "--force-rm", "-f", dockerfile, "-t", request.tag]
        argv += [a for k, v in request.labels.items() for a in ("--label", f"{k}={v}")]
        argv += [a for k, v in request.build_args.items() for a in ("--build-arg", f"{k}={v}")]
        argv += ["--target", request.target] if request.target else []
        try:
            self._run(*argv, str(request.context))
        except EngineError as exc:
            raise EngineError(f"build failed: {exc}") from None
        return str(self.inspect_image(request.tag)["Id"])

    def inspect_image(self, ref: str) -> dict[str, Any]:
        done = self._run("image", "inspect", ref, check=False)
        if done.returncode != 0:
            raise ImageMissing(f"no local image {ref!r}")
        return dict(json.loads(done.stdout)[0])

    def remove_image(self, ref: str) -> None:
        self._run("rmi", "-f", ref, check=False)

    # -- containers ----------------------------------------------------------------
    def create_container(self, spec: ContainerSpec) -> str:
        if not self.image_exists(spec.image):
            raise ImageMissing(f"no local image {spec.image!r} (the harness never pulls)")
        return self._run(*create_argv(spec)).stdout.decode().strip()

    def start(self, container_id: str) -> None:
        self._run("start", container_id)

    def wait(self, container_id: str, timeout: float) -> WaitResult:
        try:
            done = self._run("wait", container_id, timeout=timeout)
        except subprocess.TimeoutExpired:
            return WaitResult(exit_code=None, timed_out=True)
        return WaitResult(exit_code=int(done.stdout.split()[-1]))

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        self._run("kill", "--signal", signal, container_id)

    def logs(self, container_id: str) -> tuple[bytes, bytes]:
        done = self._run("logs", container_id)
        return done.stdout, done.stderr

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        return dict(self._json("container", "inspect", container_id)[0])

    def exec(
        self,
        container_id: str,
        command: list[str],
        user: str | None = None,
        workdir: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ExecResult:
        argv = ["exec"]
        argv += ["--user", user] if user else []
        argv += ["--workdir", workdir] if workdir else []
        argv += [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
        done = self._run(*argv, container_id, *command, check=False)
        return ExecResult(exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr)

    def remove_container(self, container_id: str, force: bool = True) -> None:
        done = self._run("rm", *(["-f"] if force else []), "-v", container_id, check=False)
        gone = b"no such container" in done.stderr.lower()
        if done.returncode != 0 and not (force and gone):
            raise EngineError(done.stderr.decode(errors="replace").strip())

    def stop(self, container_id: str, timeout: int | None = None) -> None:
        self._run("stop", *(["-t", str(timeout)] if timeout is not None else []), container_id)

    def restart(self, container_id: str, timeout: int | None = None) -> None:
        self._run("restart", *(["-t", str(timeout)] if timeout is not None else []), container_id)

    def healthcheck_run(self, container_id: str) -> HealthResult:
        raise Unsupported(f"{self.name}: the docker CLI has no command to run a healthcheck now")

    # -- volumes and networks ------------------------------------------------------
    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        argv = ["volume", "create"]
        argv += [a for k, v in labels.items() for a in ("--label", f"{k}={v}")]
        argv += [a for k, v in (options or {}).items() for a in ("--opt", f"{k}={v}")]
        return self._run(*argv, name).stdout.decode().strip()

    def remove_volume(self, name: str, force: bool = False) -> None:
        self._run("volume", "rm", *(["-f"] if force else []), name)

    def inspect_volume(self, name: str) -> dict[str, Any]:
        return dict(self._json("volume", "inspect", name)[0])

    def prune_volumes(self, labels: dict[str, str]) -> list[str]:
        if not labels:
            raise EngineError("refusing to prune volumes without a label filter")
        before = set(self._ids(labels, "volume", "ls"))
        self._run("volume", "prune", "-f", *self._filters(labels))
        return sorted(before - set(self._ids(labels, "volume", "ls")))

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        if self._run("network", "inspect", name, check=False).returncode == 0:
            raise EngineError(f"network with name {name} already exists")
        argv = ["network", "create", "--driver", "bridge", *(["--internal"] if internal else [])]
        argv += [a for k, v in labels.items() for a in ("--label", f"{k}={v}")]
        return self._run(*argv, name).stdout.decode().strip()

    def remove_network(self, name: str) -> None:
        self._run("network", "rm", name)

    # -- labelled resources --------------------------------------------------------
    @staticmethod
    def _filters(labels: dict[str, str]) -> list[str]:
        return [
            a
            for k, v in labels.items()
            for a in ("--filter", f"label={k}={v}" if v else f"label={k}")
        ]

    def _ids(self, labels: dict[str, str], *command: str) -> list[str]:
        full_ids = [] if command[0] == "volume" else ["--no-trunc"]
        out = self._run(*command, "-q", *full_ids, *self._filters(labels))
        return out.stdout.decode().split()

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        return {
            "containers": self._ids(labels, "ps", "-a"),
            "volumes": self._ids(labels, "volume", "ls"),
            "networks": self._ids(labels, "network", "ls"),
        }

    def remove_labelled(self, labels: dict[str, str]) -> int:
        found = self.list_labelled(labels)
        for cid in found["containers"]:
            self.remove_container(cid)
        for net in found["networks"]:
            self._run("network", "rm", net, check=False)
        for vol in found["volumes"]:
            self._run("volume", "rm", "-f", vol, check=False)
        return sum(len(v) for v in found.values())
