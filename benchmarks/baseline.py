"""The floor: the fixed scenario set's engine work, done with the SDKs directly.

Same containers (image, command, labels), same waits, same reads as the
harness makes for `benchmarks.scenarios.fixed_scenario`, and nothing else: no
scenario files, no checks, no labelled sweeps. Forced removal uses a zero stop
timeout on both engines, as the harness does.
"""

from __future__ import annotations

from typing import Any

import docker
import podman

from benchmarks.scenarios import EXEC_COMMAND, SLEEPER, hello_command
from harness.labels import resource_labels


def _name(run_id: str, index: int, step: str) -> str:
    return f"hb-{run_id[-6:]}-{index:03d}-{step}"


def _drain(frames: Any) -> bytes:
    return frames if isinstance(frames, bytes) else b"".join(frames)


class DockerBaseline:
    def __init__(self, url: str, image: str) -> None:
        self.api = docker.APIClient(base_url=url, timeout=120)
        self.image = image

    def scenario(self, run_id: str, index: int) -> None:
        api, labels = self.api, resource_labels(run_id, f"baseline-{index}")
        hello = api.create_container(
            self.image, hello_command(index), name=_name(run_id, index, "h"), labels=labels
        )["Id"]
        api.start(hello)
        api.wait(hello, timeout=30)
        api.logs(hello, stdout=True, stderr=False)
        api.logs(hello, stdout=False, stderr=True)
        api.inspect_container(hello)
        server = api.create_container(
            self.image, SLEEPER, name=_name(run_id, index, "s"), labels=labels
        )["Id"]
        api.start(server)
        api.inspect_container(server)
        exec_id = api.exec_create(server, EXEC_COMMAND)["Id"]
        api.exec_start(exec_id, demux=True)
        api.exec_inspect(exec_id)
        api.remove_container(hello, force=True, v=True)
        api.remove_container(server, force=True, v=True)

    def close(self) -> None:
        self.api.close()


class PodmanBaseline:
    def __init__(self, url: str, image: str) -> None:
        self.client = podman.PodmanClient(base_url=url, timeout=120)
        self.image = image

    def _remove(self, container: Any) -> None:
        # podman-py's remove() has no stop timeout; libpod's own forced removal with t=0.
        self.client.api.delete(
            f"/containers/{container.id}", params={"force": True, "v": True, "timeout": 0}
        ).raise_for_status()

    def scenario(self, run_id: str, index: int) -> None:
        containers, labels = self.client.containers, resource_labels(run_id, f"baseline-{index}")
        hello = containers.create(
            self.image, hello_command(index), name=_name(run_id, index, "h"), labels=labels
        )
        hello.start()
        hello.wait(condition=["stopped", "exited"], timeout=30)
        _drain(hello.logs(stdout=True, stderr=False))
        _drain(hello.logs(stdout=False, stderr=True))
        hello.reload()
        server = containers.create(
            self.image, SLEEPER, name=_name(run_id, index, "s"), labels=labels
        )
        server.start()
        server.reload()
        server.exec_run(EXEC_COMMAND, demux=True)
        self._remove(hello)
        self._remove(server)

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]


def make(engine: str, url: str, image: str) -> DockerBaseline | PodmanBaseline:
    return DockerBaseline(url, image) if engine == "docker" else PodmanBaseline(url, image)
