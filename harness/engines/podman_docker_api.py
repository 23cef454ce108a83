"""The `podman-docker-api` surface: docker-py pointed at Podman's Docker-compatible API.

This is what users get when they set DOCKER_HOST to Podman's socket, so it is
compared as an engine of its own rather than folded into `podman`: the same
storage and runtime, but Podman's compat handlers decide what each Docker call
means. Everything the Docker adapter assumes about dockerd is re-probed here:
the build format (the compat build endpoint writes Docker-format images), the
image names (short names are stored as `docker.io/library/NAME`), and whether
the compat API can run a healthcheck on demand (Docker's API cannot).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import requests

from harness.engines import podman_netstate
from harness.engines._transport import budget
from harness.engines.base import BuildRequest, ComposeCli, HealthResult, Unsupported
from harness.engines.docker import DockerEngine, _is_podman
from harness.engines.podman import retry_inspect_race, retry_interface_race, retry_layer_race
from harness.errors import EngineError

DEFAULT_URL = "unix:///run/podman/podman.sock"
LIBPOD_INFO = "/v4.0.0/libpod/info"
LIBPOD_NETWORKS = "/v4.0.0/libpod/networks/json"


class PodmanDockerApiEngine(DockerEngine):
    """docker-py against `podman system service`'s Docker-compatible endpoints."""

    name = "podman-docker-api"
    # Not DOCKER_HOST: that usually points at dockerd, and this surface must stay Podman.
    default_url_env = "HARNESS_PODMAN_DOCKER_API_URL"

    def __init__(self, url: str | None = None, name: str | None = None) -> None:
        super().__init__(url=url or os.environ.get(self.default_url_env) or DEFAULT_URL, name=name)
        # Networks this adapter made on the host's rootful Podman -> their bridges, so
        # teardown can release what Podman leaves of one removed while in use.
        self._bridges: dict[str, str] = {}
        self._bridges_lock = threading.Lock()
        self._host_runtime = self.url == DEFAULT_URL and os.geteuid() == 0

    def build(self, request: BuildRequest) -> str:
        """Podman's storage under the compatible API: the same layer-cache race."""
        return retry_layer_race(lambda: super(PodmanDockerApiEngine, self).build(request))

    def inspect_image(self, ref: str) -> dict[str, Any]:
        """Podman's storage under the compatible API: the same parent-walk race."""
        return retry_inspect_race(lambda: super(PodmanDockerApiEngine, self).inspect_image(ref))

    def create_network(self, name: str, labels: dict[str, str], internal: bool = False) -> str:
        """Podman's subnet picking under the compatible API: the same interface race."""
        made = retry_interface_race(
            lambda: super(PodmanDockerApiEngine, self).create_network(name, labels, internal)
        )
        if self._host_runtime:
            interface = self._libpod_networks().get(name, "")
            with self._bridges_lock:
                self._bridges[name] = interface
        return made

    def remove_labelled(self, labels: dict[str, str]) -> int:
        """The label sweep, then what Podman left of this adapter's networks that are
        gone (harness.engines.podman_netstate): a stale aardvark-dns file, a bridge."""
        removed = super().remove_labelled(labels)
        if self._host_runtime:
            self._release_gone_networks()
        return removed

    def _libpod_networks(self) -> dict[str, str]:
        """Every network of the engine -> its bridge, from libpod's list on this socket
        (the compatible inspect does not name the bridge)."""
        try:
            with budget("libpod networks", self.call_deadline):
                response = self.api.get(self.api.base_url + LIBPOD_NETWORKS, timeout=30)
                response.raise_for_status()
                listed = response.json()
        except (requests.RequestException, ValueError):
            return {}
        return {str(n.get("name")): str(n.get("network_interface") or "") for n in listed or []}

    def _release_gone_networks(self) -> None:
        with self._bridges_lock:
            if not self._bridges:
                return  # nothing of ours to look for: no listing on this teardown
        existing = self._libpod_networks()
        if not existing:
            return  # no answer: nothing can be told gone
        with self._bridges_lock:
            gone = {n: i for n, i in self._bridges.items() if n not in existing}
            for name in gone:
                del self._bridges[name]
        claimed = set(existing.values())
        for name, interface in gone.items():
            podman_netstate.release(name, interface, claimed)

    def _identity_mismatch(self, version: dict[str, Any]) -> str | None:
        if not _is_podman(version):
            return f"{self.url} answers the Docker API but is not Podman"
        return None

    def _rootless(self, info: dict[str, Any]) -> bool:
        # Podman's compat /info says it outright (dockerd only hints in SecurityOptions).
        return bool(info.get("Rootless", super()._rootless(info)))

    def _settings(self) -> dict[str, str]:
        return {"surface": "Docker-compatible API of Podman"}

    def _network_backend(self, version: dict[str, Any]) -> str:
        # The compat /info has no network backend; libpod's /info on the same socket does.
        try:
            with budget("libpod info", self.call_deadline):
                response = self.api.get(self.api.base_url + LIBPOD_INFO, timeout=30)
                response.raise_for_status()
                return str(response.json().get("host", {}).get("networkBackend", "")) or "unknown"
        except (requests.RequestException, ValueError):
            return "unknown"

    def healthcheck_run(self, container_id: str) -> HealthResult:
        """Probed per call: Podman 4.3 registers the on-demand run only under /libpod."""
        url = self.api._url("/containers/{0}/healthcheck", container_id)
        with self._call("healthcheck probe", explain=str):
            response = self.api.get(url, timeout=30)
        if response.status_code == 404 and "no such container" not in response.text.lower():
            raise Unsupported(
                f"{self.name}: GET /containers/{{id}}/healthcheck answers 404 on the Docker "
                "API (Podman serves it only under /libpod), so a Docker client cannot run "
                "a check on demand"
            )
        raise EngineError(
            f"{self.name}: the healthcheck probe answered {response.status_code} "
            f"{response.text[:200]}; this adapter does not read that answer yet"
        )

    def compose_cli(self) -> ComposeCli:
        # Compose is compared as each engine's own tool (docker-compose on Docker,
        # podman-compose on Podman). docker-compose 1.29 on this socket was tried: with no
        # health checks scheduled (no systemd), `up` waits on service_healthy until killed.
        raise Unsupported(
            f"{self.name}: compose scenarios run docker-compose on Docker and podman-compose "
            "on Podman; docker-compose against Podman's socket is not one of the surfaces"
        )
