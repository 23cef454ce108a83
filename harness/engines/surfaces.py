"""Version surfaces as engines: `podman@5.4` and `docker@26.1` are the podman and docker
adapters pointed at an engine that scripts/versions.sh runs from Debian trixie as the
root of its own mount and network namespace.

What differs from the host's engines is said here, not in the steps: the fingerprint
carries the exact packages; the CLI is the surface's own, of the same version; the
surface's network lives in its own namespace (`network_namespace`), so host-side
probes (published ports, the host's facts) run in there; files reach it only through
its shared scratch (`scratch_parent`), where scenario directories are made; compose
runs the surface's own tool inside it; the host's registry on 127.0.0.1 cannot reach
it, so those steps are `unsupported` with that reason rather than failing.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from harness.engines.base import (
    ComposeCli,
    ContainerSpec,
    Engine,
    EngineInfo,
    Unsupported,
    sees_path,
)
from harness.engines.version_surfaces import VersionSurface, load

# Where scripts/versions.sh puts the surface's API socket, as seen inside the surface.
SOCKET_INSIDE = "unix:///run/harness-api/api.sock"


class SurfaceEngine:
    """An adapter of the surface's engine kind, seen through the surface."""

    def __init__(self, inner: Engine, surface: VersionSurface) -> None:
        self._inner = inner
        self.surface = surface
        self.name = surface.name
        self.network_namespace = surface.netns
        self.namespace_pid = surface.pid

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._inner, attribute)

    @property
    def inner(self) -> Engine:
        """The adapter of the engine's kind, connected to the surface's socket."""
        return self._inner

    def info(self) -> EngineInfo:
        if self.surface.reason:
            return EngineInfo(name=self.name, available=False, error=self.surface.reason)
        info = self._inner.info()
        packages = {f"package.{k}": v for k, v in sorted(self.surface.packages.items())}
        settings = {**info.settings, **packages, "network_namespace": self.surface.netns or ""}
        return dataclasses.replace(info, name=self.name, settings=settings)

    def cli(self) -> list[str]:
        """The surface's own CLI, as a client of its service like the host's: the host's
        `podman --url` is podman-remote, so the surface's podman is too (a local podman
        behaves differently: `logs -t` precision, `inspect` of an unset entrypoint), and
        the two columns then differ by version only. Docker's CLI always is a client."""
        if self.surface.cli is None:
            raise Unsupported(f"{self.name}: no CLI of this version ({self.surface.reason})")
        if self.surface.engine == "podman":
            return [self.surface.cli, "--url", SOCKET_INSIDE]
        return [self.surface.cli]

    def close(self) -> None:
        self._inner.close()

    def _unreachable(self, what: str) -> Unsupported:
        return Unsupported(
            f"{self.name} runs in its own network and mount namespace: {what} on the "
            "host cannot reach it"
        )

    def tag_image(self, ref: str, target: str) -> None:
        raise self._unreachable("the local registry on 127.0.0.1")

    def push_image(self, ref: str) -> None:
        raise self._unreachable("the local registry on 127.0.0.1")

    def pull_image(self, ref: str) -> str:
        raise self._unreachable("the local registry on 127.0.0.1")

    def compose_cli(self) -> ComposeCli:
        """The surface's own compose tool (podman-compose 1.3 against its service, or
        Docker's Compose plugin), run inside it by scripts/versions.sh's `-compose`
        wrapper: it reads the rendered compose file in the shared scratch."""
        tool = f"{self.surface.cli}-compose" if self.surface.cli else ""
        if not tool or not os.access(tool, os.X_OK) or self.scratch_parent() is None:
            raise self._unreachable("the compose tools (they read the project's files)")
        return ComposeCli((tool,), {})

    # The surface resolves paths in its own root: the host's scenario directory is not
    # there, only its shared scratch (scripts/versions.sh binds it at the same path).
    sees_host_paths = False

    def scratch_parent(self) -> Path | None:
        """Where scenario directories go so that the surface sees them."""
        shared = self.surface.shared
        return Path(shared) if shared and os.path.isdir(shared) else None

    def create_container(self, spec: ContainerSpec) -> str:
        outside = [m.source for m in spec.mounts if m.type == "bind" and m.source
                   and not sees_path(self, m.source)]  # fmt: skip
        if outside:
            raise Unsupported(
                f"{self.name} runs as the root of its own mount namespace: a bind of the host "
                f"path {outside[0]} names a path inside its own tree (only its shared scratch, "
                f"{self.surface.shared}, is the same path on both sides)"
            )
        return str(self._inner.create_container(spec))


def create_surface(name: str, factory: Any, url: str | None = None) -> Engine:
    """The surface `name` (`podman@5.4`) over the adapter its engine kind registers."""
    surface = load(name)
    inner: Engine = factory(url=url or surface.url, name=name)
    engine: Engine = SurfaceEngine(inner, surface)
    return engine
