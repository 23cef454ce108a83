"""Specs of the steps on a scenario's volumes and networks."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field, model_validator

from harness.model.specs.base import Model, Name, Ref, StepSpec


class VolumeRmSpec(StepSpec, kind="volume_rm"):
    """Remove a scenario volume (perhaps while in use) -> `STEP.removed`, `STEP.error`."""

    volume: Name
    force: bool = False

    def refs(self) -> Iterable[Ref]:
        return (Ref("volume", self.volume, ("volume",)),)


class NetworkRmSpec(StepSpec, kind="network_rm"):
    """Remove a scenario network (perhaps while in use) -> `STEP.removed`, `STEP.error`."""

    network: Name

    def refs(self) -> Iterable[Ref]:
        return (Ref("network", self.network, ("network",)),)


class AnonymousVolume(Model):
    """The anonymous volume an earlier `run` step's container has at `target`."""

    container: Name
    target: str


class VolumeInspectSpec(StepSpec, kind="volume_inspect"):
    """Inspect a volume -> `STEP.exists`, `STEP.driver`, `STEP.scope`, `STEP.labels`,
    `STEP.mountpoint_present`, `STEP.inspect.PATH`; `STEP.error` when it is gone.

    Exactly one of `volume` (a scenario volume) or `anonymous`.
    """

    volume: Name | None = None
    anonymous: AnonymousVolume | None = None

    @model_validator(mode="after")
    def _one(self) -> VolumeInspectSpec:
        if (self.volume is None) == (self.anonymous is None):
            raise ValueError("give exactly one of 'volume' or 'anonymous'")
        return self

    def refs(self) -> Iterable[Ref]:
        if self.volume is not None:
            yield Ref("volume", self.volume, ("volume",))
        if self.anonymous is not None:
            yield Ref("container", self.anonymous.container, ("anonymous", "container"))


class PruneVolumesSpec(StepSpec, kind="prune_volumes"):
    """Prune unused volumes, filtered to this run, scenario and engine only (one label).

    Records `STEP.removed` (the scenario names of the volumes removed) and
    `STEP.foreign` (how many removed volumes were not this scenario's: must be 0).
    """


class VolumeLsSpec(StepSpec, kind="volume_ls"):
    """The engine's own volume listing filtered by `labels` (every pair a `label`
    filter, as `volume ls --filter label=K=V ...` sends them). Nothing is removed.

    Records `STEP.volumes` (the scenario names of this scenario's volumes in the
    answer, sorted) and `STEP.error`; volumes of anything else that carry the labels
    are left out, since what else is on the host is no expectation's business.
    """

    labels: dict[str, str] = Field(min_length=1)
