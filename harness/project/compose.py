"""Compose files as plain typed data, with the position of every value.

Loaded through harness.model.yamlpos, so YAML 1.1 traps (`80:80` as a number) stay strings
and every finding can point at file:line:col. Only the keys portability checks need
are typed; the whole service mapping stays available as `raw`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from harness.errors import Location, ScenarioError
from harness.model.compose_file import env_file_entries
from harness.model.yamlpos import Path, Positioned, load_positioned


@dataclass(frozen=True)
class Build:
    context: str
    dockerfile: str | None
    target: str | None
    args: dict[str, str]
    path: Path


@dataclass(frozen=True)
class Port:
    host_ip: str | None
    published: str | None
    target: str
    path: Path

    def published_number(self) -> int | None:
        """The first host port of a published range, if it is a number."""
        first = (self.published or "").split("-")[0]
        return int(first) if first.isdigit() else None


@dataclass(frozen=True)
class Mount:
    type: str  # bind | volume | tmpfs
    source: str | None
    target: str
    options: tuple[str, ...]
    path: Path
    selinux: str | None = None


@dataclass
class Service:
    name: str
    raw: dict[str, Any]
    image: str | None
    build: Build | None
    ports: list[Port] = field(default_factory=list)
    volumes: list[Mount] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    depends_on: dict[str, str] = field(default_factory=dict)
    healthcheck: dict[str, Any] | None = None

    @property
    def path(self) -> Path:
        return ("services", self.name)

    def env_file_paths(self, compose_path: str) -> list[str]:
        """The service's `env_file`s (a path, a list, or `{path: ...}` entries), each
        relative to the compose file unless absolute."""
        folder = os.path.dirname(compose_path)
        return [os.path.join(folder, p) for _, p in env_file_entries(self.raw.get("env_file"))]


@dataclass
class ComposeFile:
    path: str
    positioned: Positioned
    services: dict[str, Service]
    lines: list[str]

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.positioned.data
        return data

    def locate(self, path: Path, key: bool = False) -> Location:
        return self.positioned.locate(self.path, path, key)


def _string_map(value: Any) -> dict[str, str]:
    """A compose `KEY=VALUE` list or mapping as a dict of strings."""
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return {str(v).partition("=")[0]: str(v).partition("=")[2] for v in value}
    return {}


def _build(value: Any, path: Path) -> Build | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Build(value, None, None, {}, path)
    if isinstance(value, dict):
        return Build(
            str(value.get("context", ".")),
            value.get("dockerfile"),
            value.get("target"),
            _string_map(value.get("args")),
            path,
        )
    return None


def _port(value: Any, path: Path) -> Port:
    if isinstance(value, dict):
        published = value.get("published")
        return Port(
            value.get("host_ip"),
            None if published is None else str(published),
            str(value.get("target", "")),
            path,
        )
    text = str(value).split("/")[0]
    parts = text.rsplit(":", 2) if not text.startswith("[") else [text]
    if len(parts) == 3:
        return Port(parts[0], parts[1] or None, parts[2], path)
    if len(parts) == 2:
        return Port(None, parts[0] or None, parts[1], path)
    return Port(None, None, parts[0], path)


def _is_bind_source(source: str) -> bool:
    return source.startswith((".", "/", "~", "$"))


def _mount(value: Any, path: Path) -> Mount:
    if isinstance(value, dict):
        options = tuple(str(k) for k, v in value.items() if v is True)
        source = value.get("source")
        bind = value.get("bind")
        bind = bind if isinstance(bind, dict) else {}
        return Mount(
            str(value.get("type", "volume")),
            source,
            str(value.get("target", "")),
            options,
            path,
            bind.get("selinux"),
        )
    parts = str(value).split(":")
    if len(parts) == 1:
        return Mount("volume", None, parts[0], (), path)
    kind = "bind" if _is_bind_source(parts[0]) else "volume"
    options = tuple(parts[2].split(",")) if len(parts) > 2 else ()
    return Mount(kind, parts[0], parts[1], options, path)


def _depends(value: Any) -> dict[str, str]:
    if isinstance(value, list):
        return {str(v): "service_started" for v in value}
    if isinstance(value, dict):
        return {
            str(k): str((v or {}).get("condition", "service_started"))
            if isinstance(v, dict)
            else "service_started"
            for k, v in value.items()
        }
    return {}


def _service(name: str, raw: Any) -> Service:
    base: Path = ("services", name)
    if not isinstance(raw, dict):
        raw = {}
    networks = raw.get("networks")
    return Service(
        name=name,
        raw=raw,
        image=None if raw.get("image") is None else str(raw["image"]),
        build=_build(raw.get("build"), (*base, "build")),
        ports=[_port(p, (*base, "ports", i)) for i, p in enumerate(raw.get("ports") or [])],
        volumes=[_mount(v, (*base, "volumes", i)) for i, v in enumerate(raw.get("volumes") or [])],
        networks=list(networks) if isinstance(networks, dict | list) else [],
        depends_on=_depends(raw.get("depends_on")),
        healthcheck=raw.get("healthcheck") if isinstance(raw.get("healthcheck"), dict) else None,
    )


def parse_compose(text: str, path: str) -> ComposeFile:
    """Parse a compose file; ScenarioError with file:line:col when it is not one."""
    positioned = load_positioned(text, path)
    data = positioned.data
    if not isinstance(data, dict):
        raise ScenarioError(Location(path, 1, 1), "a compose file must be a mapping")
    services = data.get("services") or {}
    if not isinstance(services, dict):
        raise ScenarioError(positioned.locate(path, ("services",)), "services must be a mapping")
    for name, raw in services.items():
        if not isinstance(raw, dict):
            raise ScenarioError(
                positioned.locate(path, ("services", name)), f"service {name!r} must be a mapping"
            )
    parsed = {name: _service(name, raw) for name, raw in services.items()}
    return ComposeFile(path, positioned, parsed, text.splitlines())


def read_compose(path: str) -> ComposeFile:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Location(path), f"cannot read: {exc}") from None
    return parse_compose(text, path)
