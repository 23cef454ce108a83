"""Steps on a scenario's volumes, networks and host directory.

The runner creates the resources before the steps (`create_resources`); these
handlers remove, inspect or prune them and read host-side facts. A refusal is
recorded as `STEP.error`, since it is usually the finding. Pruning is always
filtered to this run's and this scenario's labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.engines.base import volume_lister
from harness.errors import EngineError
from harness.labels import PREFIX, SCOPE, resource_name
from harness.model.specs.resources import (
    NetworkRmSpec,
    PruneVolumesSpec,
    VolumeInspectSpec,
    VolumeLsSpec,
    VolumeRmSpec,
)
from harness.steps.context import StepContext, refusal
from harness.steps.kinds import Family, StepKind


def create_resources(ctx: StepContext) -> None:
    """Write `host_files` under the scenario's `{{ tmp }}`, create volumes and networks
    (unique names, labelled)."""
    scenario = ctx.loaded.scenario
    if ctx.tmp is None:
        raise EngineError("no temporary directory for the scenario's host files")
    tmp = ctx.tmp
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
        ctx.record(spec.name, error=refusal(exc))
        return
    ctx.inspects[spec.name] = doc
    ctx.record(spec.name, exists=True, **volume_facts(doc))


def _removal(ctx: StepContext, step: str, action: Callable[[], None]) -> None:
    try:
        action()
    except EngineError as exc:
        ctx.record(step, removed=False, error=refusal(exc))
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
        ctx.record(spec.name, removed=None, foreign=None, error=refusal(exc))
        return
    ours, foreign = prune_result(removed, ctx.volumes)
    ctx.record(spec.name, removed=ours, foreign=foreign, error=None)


def volume_ls(ctx: StepContext, spec: VolumeLsSpec) -> None:
    """What the engine's label-filtered listing returns of this scenario's volumes."""
    lister = volume_lister(ctx.engine)  # `Unsupported` (an EngineError) is not an answer
    try:
        listed = lister.list_volumes(dict(spec.labels))
    except EngineError as exc:
        ctx.record(spec.name, volumes=None, error=refusal(exc))
        return
    ours, _ = prune_result(listed, ctx.volumes)
    ctx.record(spec.name, volumes=ours, error=None)


FAMILY = Family(
    "resources",
    (
        StepKind(VolumeInspectSpec, volume_inspect),
        StepKind(VolumeRmSpec, volume_rm),
        StepKind(NetworkRmSpec, network_rm),
        StepKind(PruneVolumesSpec, prune_volumes),
        StepKind(VolumeLsSpec, volume_ls),
    ),
    setup=create_resources,
)
