"""Engine registry: every adapter, built-in or third-party, comes through the
entry-point group `harness.engines`. An entry point names a class (or factory)
called as `factory(url=None, name=None)` that returns an object satisfying
`harness.engines.base.Engine`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.metadata import entry_points

from harness.engines.base import Engine, EngineInfo
from harness.errors import EngineUnavailable

GROUP = "harness.engines"
Factory = Callable[..., Engine]


def adapter_names() -> list[str]:
    """Names of the registered adapters, without importing any of them."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


def available_adapters() -> dict[str, Factory]:
    """Name -> factory for every registered adapter, in name order."""
    found: dict[str, Factory] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        found.setdefault(ep.name, ep.load())
    return found


def version_surface_names() -> list[str]:
    """The version surfaces `HARNESS_VERSIONS` asks for (`podman@5.4 docker@26.1`)."""
    return os.environ.get("HARNESS_VERSIONS", "").split()


def default_names() -> list[str]:
    """The adapters used when no engine is named. A factory may opt out with a
    `run_by_default()` that returns False (podman-rootless, unless HARNESS_ROOTLESS=1),
    so an engine this host may not offer does not turn every default run into exit 3."""
    return [
        name
        for name, factory in available_adapters().items()
        if getattr(factory, "run_by_default", lambda: True)()
    ] + version_surface_names()


def create_engine(name: str, url: str | None = None) -> Engine:
    """Instantiate the adapter registered as `name` (no connection is made yet)."""
    adapters = available_adapters()
    if url is not None and url.startswith("ssh://"):
        return create_remote_named(name, url, adapters)
    kind = name.partition("@")[0]
    if name not in adapters and "@" in name and kind in adapters:
        # `podman@5.4`: a version surface of scripts/versions.sh, over its kind's adapter.
        from harness.engines.surfaces import create_surface

        return create_surface(name, adapters[kind], url)
    if name not in adapters:
        raise EngineUnavailable(f"no engine adapter named {name!r}; known: {sorted(adapters)}")
    return adapters[name](url=url, name=name)


def create_remote_named(name: str, url: str, adapters: dict[str, Factory]) -> Engine:
    """`--url NAME=ssh://...` or `--engine NAME=ssh://...`: the kind comes from the name."""
    from harness.engines.remote import create_remote, parse_engine_arg

    try:
        spec = parse_engine_arg(f"{name}={url}")
    except ValueError as exc:
        raise EngineUnavailable(str(exc)) from None
    return create_remote(spec, adapters[spec.kind])


__all__ = [
    "GROUP",
    "Engine",
    "EngineInfo",
    "adapter_names",
    "available_adapters",
    "create_engine",
    "default_names",
]
