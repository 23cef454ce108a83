"""Engines on another host (`ssh://`) as columns of their own: `podman-laptop` is the
podman adapter talking to a Podman service behind ssh.

The adapter of the engine's kind runs unchanged against the local end of an ssh tunnel
(`ssh_tunnel`). What needs the host's view of the engine is said here, not in the
steps: published ports and container addresses answer on the remote host's loopback,
its host facts and namespaces are not this host's, a bind names a remote path, and the
registry and compose tools of this host cannot serve it. Those are `unsupported` on a
remote surface, with the reason.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from harness.engines.base import ComposeCli, ContainerSpec, Engine, EngineInfo, Unsupported
from harness.engines.ssh_tunnel import SshTarget, SshTunnel, parse_ssh_url
from harness.errors import EngineUnavailable
from harness.model.versions import declare_kind

KINDS = ("docker", "podman", "podman-docker-api")
DEFAULT_SOCKETS = {
    "docker": "/var/run/docker.sock",
    "podman": "/run/podman/podman.sock",
    "podman-docker-api": "/run/podman/podman.sock",
}
LOCAL_SETTINGS = frozenset({"containers_conf"})
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


@dataclasses.dataclass(frozen=True)
class RemoteSpec:
    """One remote engine, from `--engine NAME=URL` or an engines file."""

    name: str
    kind: str
    url: str
    identity: str | None = None
    known_hosts: str | None = None

    def target(self) -> SshTarget:
        """The URL's parts, the file's identity and known_hosts taking precedence."""
        target = parse_ssh_url(self.url, DEFAULT_SOCKETS[self.kind])
        return dataclasses.replace(
            target,
            identity=self.identity or target.identity,
            known_hosts=self.known_hosts or target.known_hosts,
        )


def is_remote_url(url: str | None) -> bool:
    return bool(url) and str(url).startswith("ssh://")


def kind_of(name: str) -> str | None:
    """The engine kind a column name starts with (`podman-docker-api-ci` ->
    `podman-docker-api`, `podman-laptop` -> `podman`), the longest that fits."""
    fits = [k for k in KINDS if name == k or name.startswith(k + "-")]
    return max(fits, key=len) if fits else None


def parse_engine_arg(text: str) -> RemoteSpec:
    """`--engine NAME=URL`: the kind is the adapter the name starts with."""
    name, _, url = text.partition("=")
    if not NAME.match(name):
        raise ValueError(f"bad engine name {name!r}: lower-case letters, digits, '.', '_', '-'")
    kind = kind_of(name)
    if kind is None:
        raise ValueError(
            f"cannot tell the kind of {name!r}: start the name with one of {list(KINDS)} "
            "(e.g. podman-laptop), or give `kind:` in an engines file (--engines)"
        )
    spec = RemoteSpec(name=name, kind=kind, url=url)
    spec.target()  # the URL is checked now, not at the first API call
    return spec


def declare_remote_kinds(urls: dict[str, str]) -> None:
    """Columns given `ssh://` URLs judged in a process that may not create them (the
    pytest controller under xdist): their kind's known divergences still apply."""
    for name, url in urls.items():
        kind = kind_of(name)
        if is_remote_url(url) and kind is not None:
            declare_kind(name, kind)


class RemoteEngine:
    """An adapter of the engine's kind, behind an ssh tunnel that starts on first use."""

    # What steps ask of a surface (see steps/vantage.py, steps/cli.py, run/runner.py).
    sees_host_paths = False
    host_pids = False

    def __init__(self, inner: Engine, spec: RemoteSpec, tunnel: SshTunnel) -> None:
        self._inner = inner
        self.spec = spec
        self.tunnel = tunnel
        self.name = spec.name
        self.url = tunnel.target.url()
        # What the capability cache keys on (capabilities.py): stable across runs.
        self.cli_identity = f"{spec.kind} over {self.url}"
        self.host_side_unsupported = (
            f"{self.name} runs on {tunnel.target.host} (over ssh): its published ports, "
            "host facts and namespaces are that host's, not this one's"
        )

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") or attribute == "_inner":
            raise AttributeError(attribute)
        value = getattr(self._inner, attribute)
        if not callable(value):
            return value

        def through_tunnel(*args: Any, **kwargs: Any) -> Any:
            self.tunnel.ensure()
            return value(*args, **kwargs)

        return through_tunnel

    def info(self) -> EngineInfo:
        target = self.tunnel.target
        remote = {
            "remote.transport": "ssh",
            "remote.host": target.host,
            "remote.port": str(target.port or 22),
            "remote.user": target.user or "",
            "remote.socket": target.socket,
            "remote.kind": self.spec.kind,
        }
        try:
            self.tunnel.ensure()
        except (EngineUnavailable, OSError) as exc:  # with the reason; the others still run
            return EngineInfo(name=self.name, available=False, url=self.url, error=str(exc))
        info = self._inner.info()
        # The adapter's notes about this host's files (containers_conf) are not the remote's.
        own = {k: v for k, v in info.settings.items() if k not in LOCAL_SETTINGS}
        return dataclasses.replace(info, name=self.name, url=self.url, settings={**own, **remote})

    def cli(self) -> list[str]:
        self.tunnel.ensure()
        return self._inner.cli()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self.tunnel.close()

    def _elsewhere(self, what: str) -> Unsupported:
        return Unsupported(f"{self.name} runs on {self.tunnel.target.host} (over ssh): {what}")

    def tag_image(self, ref: str, target: str) -> None:
        raise self._elsewhere("the local registry on this host's 127.0.0.1 is not its")

    def push_image(self, ref: str) -> None:
        raise self._elsewhere("the local registry on this host's 127.0.0.1 is not its")

    def pull_image(self, ref: str) -> str:
        raise self._elsewhere("the local registry on this host's 127.0.0.1 is not its")

    def compose_cli(self) -> ComposeCli:
        raise self._elsewhere("compose binds and builds from this host's project files")

    def create_container(self, spec: ContainerSpec) -> str:
        if any(m.type == "bind" for m in spec.mounts):
            raise self._elsewhere("a bind names a path on that host, not this one's")
        self.tunnel.ensure()
        return str(self._inner.create_container(spec))

    def create_volume(
        self, name: str, labels: dict[str, str], options: dict[str, str] | None = None
    ) -> str:
        if options and "device" in options:
            raise self._elsewhere("a volume's device names a path on that host")
        self.tunnel.ensure()
        return str(self._inner.create_volume(name, labels, options))


def create_remote(spec: RemoteSpec, factory: Callable[..., Engine]) -> Engine:
    """The remote engine `spec` names, over the adapter its kind registers. No
    connection yet: ssh starts on the first call."""
    tunnel = SshTunnel(spec.name, spec.target())
    inner = factory(url=f"unix://{tunnel.socket}", name=spec.name)
    declare_kind(spec.name, spec.kind)
    engine: Engine = RemoteEngine(inner, spec, tunnel)
    return engine
