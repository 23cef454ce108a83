"""The `network_create` step: networks with any of the six drivers, through the
engine's own command line (what a user types), with the probed capability deciding
`unsupported`, and the host link a macvlan/ipvlan network hangs from.

The network carries the scenario's labels, so the runner's sweep removes it; the
parent link goes after the sweep (a link still holding a network's containers
would not delete cleanly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from harness.engines import capabilities, links
from harness.model.loader import BASE_IMAGE
from harness.model.specs.netdrivers import NetworkCreateSpec
from harness.steps.cli_util import label_args, run_cli
from harness.steps.context import StateKey, StepContext
from harness.steps.kinds import Family, StepKind
from harness.steps.vantage import network_namespace, remote_refusal


@dataclass
class LinkState:
    name: str = ""
    netns: str | None = None  # the engine's own network namespace (a version surface's)


LINK = StateKey("netdrivers.link", LinkState)


def parent_link(ctx: StepContext) -> str:
    """This scenario's own parent link on this engine, made on first use."""
    state = ctx.state(LINK)
    if not state.name:
        state.name = links.link_name(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name)
        remote_refusal(ctx.engine)  # the link would be made on this host, not the engine's
        state.netns = network_namespace(ctx.engine)
        links.create(state.name, state.netns)
    return state.name


def _args(ctx: StepContext, spec: NetworkCreateSpec) -> list[str]:
    args = ["network", "create", "-d", spec.driver, *label_args(ctx)]
    for flag, value in (("--subnet", spec.subnet), ("--gateway", spec.gateway),
                        ("--ip-range", spec.ip_range)):  # fmt: skip
        if value:
            args += [flag, value]
    parent = parent_link(ctx) if spec.parent_link else spec.parent
    if parent:
        args += ["-o", f"parent={parent}"]
    args += [f"--opt={k}={v}" for k, v in spec.options.items()]
    args += ["--internal"] * spec.internal + ["--attachable"] * spec.attachable
    return args


def network_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """Driver, first subnet and gateway of a network inspect, Docker's or libpod's shape."""
    if "subnets" in doc or "network_interface" in doc:  # libpod
        subnets = doc.get("subnets") or [{}]
        return {
            "driver": doc.get("driver"),
            "subnet": subnets[0].get("subnet"),
            "gateway": subnets[0].get("gateway"),
            "internal": doc.get("internal"),
            "dns_enabled": doc.get("dns_enabled"),
        }
    config = ((doc.get("IPAM") or {}).get("Config") or [{}])[0]
    return {
        "driver": doc.get("Driver"),
        "subnet": config.get("Subnet"),
        "gateway": config.get("Gateway"),
        "internal": doc.get("Internal"),
        "dns_enabled": None,
    }


def network_create(ctx: StepContext, spec: NetworkCreateSpec) -> None:
    if spec.require:
        capabilities.require(
            ctx.engine, f"network.{spec.driver}", ctx.images[BASE_IMAGE], ctx.run_id
        )
    real = ctx.name_for(spec.name)
    made = run_cli(ctx, *_args(ctx, spec), real)
    ctx.record(spec.name, created=made.ok, error=made.error, exit_code=made.exit_code)
    if not made.ok:
        return
    ctx.networks[spec.name] = real
    seen = run_cli(ctx, "network", "inspect", real)
    try:
        doc = json.loads(seen.stdout)[0] if seen.ok else {}
    except (ValueError, IndexError):
        doc = {}
    ctx.inspects[spec.name] = doc
    ctx.record(spec.name, **network_facts(doc))


def remove_link(ctx: StepContext) -> list[str]:
    if not ctx.has_state(LINK) or not ctx.state(LINK).name:
        return []
    state = ctx.state(LINK)
    return links.remove(state.name, state.netns)


FAMILY = Family(
    "netdrivers",
    (StepKind(NetworkCreateSpec, network_create),),
    teardown_after_sweep=remove_link,
)
