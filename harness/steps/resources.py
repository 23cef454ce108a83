"""Steps on a scenario's volumes, networks and host directory.

The runner creates the resources before the steps (`create_resources`); these
handlers remove, inspect or prune them and read host-side facts. A refusal is
recorded as `STEP.error`, since it is usually the finding. Pruning is always
filtered to this run's and this scenario's labels.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.engines.base import volume_lister
from harness.errors import EngineError
from harness.labels import PREFIX, SCOPE, resource_name
from harness.model.scenario import (
    HostFactsSpec,
    HostNsSpec,
    HostSpec,
    NetworkRmSpec,
    PruneVolumesSpec,
    VolumeInspectSpec,
    VolumeLsSpec,
    VolumeRmSpec,
)
from harness.steps.host_facts import host_facts

if TYPE_CHECKING:
    from harness.steps import StepContext

MAX_CONTENT = 65536


def create_resources(ctx: StepContext, tmp: Path) -> None:
    """Write `host_files` under `tmp`, create volumes and networks (unique names, labelled)."""
    scenario = ctx.loaded.scenario
    ctx.tmp = tmp
    for rel, content in scenario.host_files.items():
        path = (tmp / rel).resolve()
        if not path.is_relative_to(tmp.resolve()):
            raise EngineError(f"host file {rel!r} escapes the temporary directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    for name, vol in scenario.volumes.items():
        real = resource_name(ctx.run_id, scenario.id, ctx.engine.name, f"vol-{name}")
        labels = {**vol.labels, **ctx.labels}
        ctx.volumes[name] = ctx.engine.create_volume(real, labels, dict(vol.options) or None)
    for name, net in scenario.networks.items():
        real = resource_name(ctx.run_id, scenario.id, ctx.engine.name, f"net-{name}")
        ctx.engine.create_network(real, ctx.labels, internal=net.internal)
        ctx.networks[name] = real


def anonymous_volume(inspect: dict[str, Any] | None, target: str) -> str | None:
    """The name of the volume mounted at `target` in a container inspect document."""
    for mount in (inspect or {}).get("Mounts") or []:
        if mount.get("Destination") == target and mount.get("Type") == "volume":
            name = mount.get("Name")
            return str(name) if name else None
    return None


def volume_facts(inspect: dict[str, Any]) -> dict[str, Any]:
    """Engine-neutral fields of a volume inspect document (harness labels dropped)."""
    labels = inspect.get("Labels") or {}
    return {
        "driver": inspect.get("Driver"),
        "scope": inspect.get("Scope"),
        "labels": {k: v for k, v in labels.items() if not k.startswith(PREFIX)},
        "options": inspect.get("Options") or {},
        "mountpoint_present": bool(inspect.get("Mountpoint")),
    }


def volume_inspect(ctx: StepContext, spec: VolumeInspectSpec) -> None:
    ctx.record(spec.name, exists=False, error=None)
    if spec.volume is not None:
        name = ctx.volumes[spec.volume]
    else:
        assert spec.anonymous is not None
        found = anonymous_volume(ctx.inspects.get(spec.anonymous.container), spec.anonymous.target)
        ctx.record(spec.name, anonymous_found=found is not None)
        if found is None:
            ctx.record(spec.name, error=f"no volume at {spec.anonymous.target}")
            return
        name = found
    try:
        doc = ctx.engine.inspect_volume(name)
    except EngineError as exc:
        ctx.record(spec.name, error=str(exc))
        return
    ctx.inspects[spec.name] = doc
    ctx.record(spec.name, exists=True, **volume_facts(doc))


def _removal(ctx: StepContext, step: str, action: Callable[[], None]) -> None:
    try:
        action()
    except EngineError as exc:
        ctx.record(step, removed=False, error=str(exc))
        return
    ctx.record(step, removed=True, error=None)


def volume_rm(ctx: StepContext, spec: VolumeRmSpec) -> None:
    name = ctx.volumes[spec.volume]
    _removal(ctx, spec.name, lambda: ctx.engine.remove_volume(name, force=spec.force))


def network_rm(ctx: StepContext, spec: NetworkRmSpec) -> None:
    name = ctx.networks[spec.network]
    _removal(ctx, spec.name, lambda: ctx.engine.remove_network(name))


def prune_result(removed: list[str], volumes: dict[str, str]) -> tuple[list[str], int]:
    """Map real names back to scenario names; count the removed volumes that are not ours."""
    by_real = {real: name for name, real in volumes.items()}
    ours = sorted(by_real[r] for r in removed if r in by_real)
    return ours, sum(1 for r in removed if r not in by_real)


def prune_volumes(ctx: StepContext, spec: PruneVolumesSpec) -> None:
    """Prune unused volumes of this run, scenario and engine only: one label, the scope
    (several label filters are ORed by Podman 4.3's prune, which would reach other
    scenarios' volumes)."""
    selector = {SCOPE: ctx.labels[SCOPE]}
    try:
        removed = ctx.engine.prune_volumes(selector)
    except EngineError as exc:
        ctx.record(spec.name, removed=None, foreign=None, error=str(exc))
        return
    ours, foreign = prune_result(removed, ctx.volumes)
    ctx.record(spec.name, removed=ours, foreign=foreign, error=None)


def volume_ls(ctx: StepContext, spec: VolumeLsSpec) -> None:
    """What the engine's label-filtered listing returns of this scenario's volumes."""
    lister = volume_lister(ctx.engine)  # `Unsupported` (an EngineError) is not an answer
    try:
        listed = lister.list_volumes(dict(spec.labels))
    except EngineError as exc:
        ctx.record(spec.name, volumes=None, error=str(exc))
        return
    ours, _ = prune_result(listed, ctx.volumes)
    ctx.record(spec.name, volumes=ours, error=None)


def path_facts(path: Path) -> dict[str, Any]:
    """exists, is_dir, mode (octal text), uid and a small file's content."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return {"exists": False, "is_dir": False, "mode": None, "uid": None, "content": None}
    content = None
    if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_CONTENT:
        content = path.read_text(encoding="utf-8", errors="replace")
    return {
        "exists": True,
        "is_dir": stat.S_ISDIR(st.st_mode),
        "mode": format(stat.S_IMODE(st.st_mode), "o"),
        "uid": st.st_uid,
        "content": content,
    }


def host(ctx: StepContext, spec: HostSpec) -> None:
    path = Path(ctx.expand(spec.path))
    if ctx.tmp is None or not path.resolve().is_relative_to(ctx.tmp.resolve()):
        raise EngineError(f"host path {spec.path!r} is outside the temporary directory")
    ctx.record(spec.name, **path_facts(path))


def host_ns(ctx: StepContext, spec: HostNsSpec) -> None:
    """The namespace the harness itself runs in, e.g. 'ipc:[4026531839]'."""
    ctx.record(spec.name, link=os.readlink(f"/proc/self/ns/{spec.ns}"))


def record_host_facts(ctx: StepContext, spec: HostFactsSpec) -> None:
    """The host's hostname and default-route interface, for a container to be compared with."""
    ctx.record(spec.name, **host_facts())


HANDLERS: dict[str, Callable[[StepContext, Any], None]] = {
    "volume_inspect": volume_inspect,
    "volume_rm": volume_rm,
    "network_rm": network_rm,
    "prune_volumes": prune_volumes,
    "volume_ls": volume_ls,
    "host": host,
    "host_ns": host_ns,
    "host_facts": record_host_facts,
}
