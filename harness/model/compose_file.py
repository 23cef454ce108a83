"""Compose files of scenarios: checked at load time, rendered per engine at run time.

A scenario's compose file may only name images the harness built (`{{ base }}`,
`{{ images.NAME }}`): docker-compose 1.29 pulls a missing image on `up`, and
podman-compose runs `podman run`, which does too, so a `build:` section or any
other image name is refused before an engine is touched. Rendering fills the
image references and adds the harness labels to every service, volume and
network, so the runner's label sweep removes whatever compose leaves behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER_IMAGES = ("{{ base }}", "{{ images.")


def load(path: Path) -> dict[str, Any]:
    """The compose document; ValueError when it is not a mapping with `services`."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read compose file {path.name}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        raise ValueError(f"compose file {path.name} has no 'services' mapping")
    return doc


def services(doc: dict[str, Any]) -> list[str]:
    return sorted(doc["services"])


def problems(doc: dict[str, Any], images: set[str]) -> list[str]:
    """Why this compose file could make an engine build or pull (empty when it cannot)."""
    found = []
    for name, svc in doc["services"].items():
        if not isinstance(svc, dict):
            found.append(f"service {name!r} is not a mapping")
            continue
        if "build" in svc:
            found.append(f"service {name!r}: 'build' is not allowed; use a scenario image")
        image = str(svc.get("image", "")).strip()
        inner = image[2:-2].strip() if image.startswith("{{") and image.endswith("}}") else None
        if inner is None or not (
            inner == "base" or (inner.startswith("images.") and inner[7:] in images)
        ):
            found.append(
                f"service {name!r}: image must be {{{{ base }}}} or {{{{ images.NAME }}}} "
                f"of this scenario (got {image!r})"
            )
    return found


def healthy_dependencies(doc: dict[str, Any]) -> dict[str, list[str]]:
    """service -> the dependencies it waits on with `condition: service_healthy`."""
    out: dict[str, list[str]] = {}
    for name, svc in doc["services"].items():
        deps = svc.get("depends_on") if isinstance(svc, dict) else None
        if isinstance(deps, dict):
            healthy = [
                dep
                for dep, cond in deps.items()
                if isinstance(cond, dict) and cond.get("condition") == "service_healthy"
            ]
            if healthy:
                out[name] = sorted(healthy)
    return out


def env_file_entries(value: Any) -> list[tuple[Any, str]]:
    """A service's `env_file` (a path, a list, or `{path: ...}` entries) as (entry, path)
    pairs, the path as written (relative to the compose file unless absolute)."""
    entries = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [(e, str(e.get("path") if isinstance(e, dict) else e)) for e in entries]


def with_env_files(doc: dict[str, Any], base: Path, into: Path) -> dict[str, Any]:
    """The document with each service's `env_file` copied into `into` (beside the
    rendered compose file, which the compose tool reads from there, also inside a
    version surface) and pointed at the copy. The paths stay inside the scenario's
    directory: the loader refuses any other (compose_access)."""
    out = dict(doc)
    services = {}
    for name, svc in doc["services"].items():
        item = dict(svc) if isinstance(svc, dict) else svc
        files = item.get("env_file") if isinstance(item, dict) else None
        if isinstance(files, (str, list)):
            copied = []
            for i, (entry, path) in enumerate(env_file_entries(files)):
                target = into / f"env-{name}-{i}"
                source = base / path
                if not source.is_file():  # the tool reports it (or skips `required: false`)
                    copied.append(entry)
                    continue
                target.write_bytes(source.read_bytes())
                copied.append({**entry, "path": target.name} if isinstance(entry, dict)
                              else target.name)  # fmt: skip
            item["env_file"] = copied
        services[name] = item
    out["services"] = services
    return out


def _with_labels(section: Any, labels: dict[str, str]) -> dict[str, Any]:
    """A service/volume/network mapping with the harness labels merged into its own."""
    item = dict(section or {})
    own = item.get("labels") or {}
    if isinstance(own, list):
        own = dict(str(x).partition("=")[::2] for x in own)
    item["labels"] = {**own, **labels}
    return item


def render(doc: dict[str, Any], images: dict[str, str], labels: dict[str, str]) -> str:
    """The compose file an engine gets: image references filled, labels everywhere."""
    out = dict(doc)
    rendered_services = {}
    for name, svc in doc["services"].items():
        item = _with_labels(svc, labels)
        inner = str(svc["image"]).strip()[2:-2].strip()
        item["image"] = images["base" if inner == "base" else inner[7:]]
        rendered_services[name] = item
    out["services"] = rendered_services
    for section in ("volumes", "networks"):
        if isinstance(doc.get(section), dict):
            out[section] = {k: _with_labels(v, labels) for k, v in doc[section].items()}
    return yaml.safe_dump(out, sort_keys=False)
