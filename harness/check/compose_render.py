"""The compose file an engine gets in a check: built images, labels, absolute paths.

`image:` is the image the harness built for that service on that engine; `build:`
stays (context made absolute) and the tool runs `up --no-build` with `pull_policy:
never`, so an image that vanished meanwhile is an error, never a build or a pull.
The harness labels go on every service, volume and network (the default network
included), and relative bind sources are made absolute, since the rendered file lives
in a temporary directory; `env_file`s are copied beside it (a version surface sees
that directory, not the project's). Services asking for host access
are refused before anything runs.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from harness.model.compose_file import _with_labels, with_env_files

HOST_KEYS = {"network_mode": "host", "pid": "host", "ipc": "host", "privileged": True}


def host_access(name: str, service: dict[str, Any], root: str) -> list[str]:
    """Why running this service would reach outside its containers (empty: it would not)."""
    found = [f"{name}: {k}: {v}" for k, v in HOST_KEYS.items() if service.get(k) == v]
    for volume in service.get("volumes") or []:
        source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
        if isinstance(source, str) and source.startswith("/"):
            inside = os.path.commonpath([os.path.abspath(root), source]) == os.path.abspath(root)
            if not inside:
                found.append(f"{name}: bind mount of host path {source}")
    return found


def _absolute(value: str, base: str) -> str:
    return os.path.normpath(os.path.join(base, value)) if value.startswith(".") else value


def _volume(volume: Any, base: str) -> Any:
    if isinstance(volume, dict):
        if volume.get("type") == "bind" and isinstance(volume.get("source"), str):
            return {**volume, "source": _absolute(volume["source"], base)}
        return volume
    parts = str(volume).split(":")
    parts[0] = _absolute(parts[0], base)
    return ":".join(parts)


def _service(svc: dict[str, Any], image: str | None, base: str, labels: dict[str, str]
             ) -> dict[str, Any]:  # fmt: skip
    item = _with_labels(copy.deepcopy(svc), labels)
    item["pull_policy"] = "never"
    if image is not None:
        item["image"] = image
    build = item.get("build")
    if isinstance(build, str):
        item["build"] = _absolute(build if build.startswith("/") else "./" + build, base)
    elif isinstance(build, dict) and isinstance(build.get("context"), str):
        context = build["context"]
        absolute = context if context.startswith("/") else _absolute("./" + context, base)
        item["build"] = {**build, "context": absolute}
    if "volumes" in item:
        item["volumes"] = [_volume(v, base) for v in item["volumes"]]
    return item


def render(
    doc: dict[str, Any], images: dict[str, str], base: str, labels: dict[str, str], into: Path
) -> str:
    """`images`: service -> image reference built on this engine; `into`: the directory
    the rendered file is written to."""
    doc = with_env_files(doc, Path(base), into)
    out = dict(doc)
    out["services"] = {
        name: _service(svc, images.get(name), base, labels) for name, svc in doc["services"].items()
    }
    for section in ("volumes", "networks"):
        if isinstance(doc.get(section), dict):
            out[section] = {k: _with_labels(v, labels) for k, v in doc[section].items()}
    networks = dict(out.get("networks") or {})
    networks.setdefault("default", {"labels": dict(labels)})
    out["networks"] = networks
    return yaml.safe_dump(out, sort_keys=False)
