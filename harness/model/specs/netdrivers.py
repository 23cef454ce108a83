"""Spec of the `network_create` step: a network with any of the six drivers, its
subnet and parent link, created through the engine's own command line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import model_validator

from harness.model.specs.base import LoadContext, RefKind, StepSpec
from harness.model.specs.orchestration import SWARM

Driver = Literal["bridge", "host", "none", "overlay", "macvlan", "ipvlan"]


class NetworkCreateSpec(StepSpec, kind="network_create"):
    """`<cli> network create -d DRIVER ...` (labelled; removed at teardown).

    `parent_link: true` gives macvlan/ipvlan the host link the harness makes for this
    scenario (a dummy link, or a veth pair where the kernel has no dummy driver: no
    uplink, so nothing leaves the machine); `parent` names a device outright (to see
    what the engines refuse). `require: true` (the default) makes the scenario
    `unsupported` on a surface whose probed capability `network.DRIVER` is missing,
    with the probe's reason; `require: false` records the refusal instead.
    Records `STEP.created`, `STEP.error`, `STEP.driver`, `STEP.subnet`,
    `STEP.gateway`, `STEP.internal`, `STEP.dns_enabled` (None where the engine does
    not say). Later steps name the network as `NAME` (a run's `network`) or
    `{{ networks.NAME }}`.
    """

    driver: Driver
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None
    parent_link: bool = False
    parent: str | None = None
    internal: bool = False
    attachable: bool = False
    options: dict[str, str] = {}
    require: bool = True

    @model_validator(mode="after")
    def _one_parent(self) -> NetworkCreateSpec:
        if self.parent_link and self.parent is not None:
            raise ValueError("give at most one of 'parent_link' or 'parent'")
        return self

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        yield "network", self.name

    def exclusive(self) -> Iterable[str]:
        # A static subnet is host-wide on one engine: two scenarios (or two surfaces of
        # one store) asking for it at once would collide.
        found = [f"subnet:{self.subnet}"] if self.subnet else []
        if self.driver == "overlay":
            # An overlay network's fate depends on the engine's swarm mode, which the
            # swarm scenarios switch on and off: never at the same time as them.
            found.append(SWARM)
        return tuple(found)
