"""Compose steps: bring a multi-container app up and down with each engine's compose tool.

docker-compose drives Docker, podman-compose the `podman` CLI pointed at the
Podman service (each adapter says how, `Engine.compose_cli`). One compose project
per scenario, engine and run; the harness renders the scenario's compose file
(built image references, harness labels) into the run's temporary directory.
What compose did is read back from the engine: which services run, in which
order they started, and whether a `service_healthy` dependency really gated a
start (its first passing health check ended before the dependent started).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.engines._util import timestamp_ns
from harness.engines.base import compose_provider
from harness.errors import EngineError
from harness.labels import RUN, SCENARIO, short_hash
from harness.model import compose_file
from harness.model.specs.compose import ComposeDownSpec, ComposeUpSpec
from harness.steps.context import StateKey, StepContext
from harness.steps.kinds import Family, StepKind
from harness.steps.process import run_bounded
from harness.verdict.observe import container_facts, health_doc

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"


@dataclass
class ComposeState:
    """The scenario's compose project on one engine (set by the first compose_up)."""

    project: str = ""
    file: Path | None = None
    doc: dict[str, Any] = field(default_factory=dict)


COMPOSE = StateKey("compose", ComposeState)


def project_name(run_id: str, scenario_id: str, engine: str) -> str:
    """Lower-case letters and digits only: both compose tools accept it unchanged."""
    return f"h{run_id[-6:].lower()}{short_hash(scenario_id, engine)}".replace("-", "")


def _compose(
    ctx: StepContext, args: list[str], timeout: float, teardown: bool = False
) -> tuple[int | None, str, str]:
    """Run the compose tool on the rendered file -> (exit code, None on timeout; out; err).
    A step's run stops with the scenario (interrupt, deadline); teardown's always runs."""
    cli = compose_provider(ctx.engine).compose_cli()
    state = ctx.state(COMPOSE)
    assert state.file is not None
    argv = [*cli.argv, "-p", state.project, "-f", str(state.file), *args]
    done = run_bounded(
        argv,
        timeout,
        cwd=state.file.parent,
        env={**os.environ, **cli.env},
        stop=(lambda: False) if teardown else ctx.stopping,
    )
    return done.exit_code, done.stdout, done.stderr


def _prepare(ctx: StepContext, spec: ComposeUpSpec) -> None:
    state = ctx.state(COMPOSE)
    if state.file is not None:
        return
    if ctx.tmp is None:
        raise EngineError("no temporary directory for the compose file")
    source = ctx.loaded.directory / spec.file
    state.doc = compose_file.load(source)
    state.project = project_name(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name)
    state.file = ctx.tmp / "compose.yaml"
    doc = compose_file.with_env_files(state.doc, source.parent, ctx.tmp)
    state.file.write_text(compose_file.render(doc, ctx.images, ctx.labels))


def project_containers(ctx: StepContext) -> dict[str, dict[str, Any]]:
    """service -> inspect document of its container in this scenario's project."""
    found = {}
    selector = {RUN: ctx.run_id, SCENARIO: ctx.loaded.scenario.id}
    for cid in ctx.engine.list_labelled(selector)["containers"]:
        try:
            doc = ctx.engine.inspect_container(cid)
        except EngineError:
            continue
        labels = (doc.get("Config") or {}).get("Labels") or {}
        if labels.get(PROJECT_LABEL) == ctx.state(COMPOSE).project and SERVICE_LABEL in labels:
            found[str(labels[SERVICE_LABEL])] = doc
    return found


def first_pass_ns(inspect: dict[str, Any]) -> int | None:
    """When the container's first passing health check ended (engine clock), if ever."""
    health = health_doc(inspect.get("State") or {})
    ends = [
        timestamp_ns(str(entry.get("End") or ""))
        for entry in health.get("Log") or []
        if entry.get("ExitCode") == 0
    ]
    known = [e for e in ends if e is not None]
    return min(known) if known else None


def started_ns(inspect: dict[str, Any]) -> int | None:
    return timestamp_ns(str((inspect.get("State") or {}).get("StartedAt") or ""))


def gating(docs: dict[str, dict[str, Any]], deps: dict[str, list[str]]) -> dict[str, bool]:
    """For each service with healthy-conditions: did it start after every such dependency passed?"""
    out = {}
    for svc, needs in deps.items():
        start = started_ns(docs[svc]) if svc in docs else None
        passes = [first_pass_ns(docs[d]) if d in docs else None for d in needs]
        out[svc] = start is not None and all(p is not None and p <= start for p in passes)
    return out


def service_facts(docs: dict[str, dict[str, Any]], deps: dict[str, list[str]]) -> dict[str, Any]:
    """Observations about the project's containers, engine-neutral."""
    started = {svc: started_ns(doc) for svc, doc in docs.items()}
    order = sorted((t, svc) for svc, t in started.items() if t is not None)
    facts: dict[str, Any] = {
        "services": sorted(docs),
        "running": sorted(s for s, d in docs.items() if (d.get("State") or {}).get("Running")),
        "start_order": [svc for _, svc in order],
    }
    for svc, doc in docs.items():
        facts[f"health.{svc}"] = health_doc(doc.get("State") or {}).get("Status") or None
        # What the tool handed the engine: env_file values (quotes kept or not) and the
        # stop timeout from stop_grace_period, which later `stop`s and `down`s wait.
        facts[f"stop_timeout.{svc}"] = (doc.get("Config") or {}).get("StopTimeout")
        for key, value in container_facts(doc)["config.env"].items():
            facts[f"env.{svc}.{key}"] = value
    for svc, ok in gating(docs, deps).items():
        facts[f"gated.{svc}"] = ok
    return facts


def compose_up(ctx: StepContext, spec: ComposeUpSpec) -> None:
    compose_provider(ctx.engine).compose_cli()  # `Unsupported` before anything is started
    _prepare(ctx, spec)
    code, out, err = _compose(ctx, ["up", "-d"], spec.timeout)
    ctx.record(spec.name, exit_code=code, timed_out=code is None, stdout=out, stderr=err)
    docs = project_containers(ctx)
    for svc, doc in docs.items():
        ctx.containers[f"{spec.name}-{svc}"] = str(doc["Id"])
    deps = compose_file.healthy_dependencies(ctx.state(COMPOSE).doc)
    ctx.record(spec.name, **service_facts(docs, deps))


def compose_down(ctx: StepContext, spec: ComposeDownSpec) -> None:
    if ctx.state(COMPOSE).file is None:
        raise EngineError(f"{spec.name}: no compose project is up")
    args = ["down", *(["-v"] if spec.volumes else [])]
    if spec.stop_timeout is not None:
        args += ["-t", str(spec.stop_timeout)]
    started = time.monotonic()
    code, out, err = _compose(ctx, args, spec.timeout)
    elapsed = round(time.monotonic() - started, 3)
    ctx.record(spec.name, exit_code=code, timed_out=code is None, stdout=out, stderr=err,
               duration_s=elapsed)  # fmt: skip
    selector = {
        RUN: ctx.run_id,
        SCENARIO: ctx.loaded.scenario.id,
        PROJECT_LABEL: ctx.state(COMPOSE).project,
    }
    left = ctx.engine.list_labelled(selector)
    ctx.record(
        spec.name,
        containers_left=len(left["containers"]),
        volumes_left=len(left["volumes"]),
        networks_left=len(left["networks"]),
    )


def cleanup(ctx: StepContext) -> list[str]:
    """`down -v -t 0` of the project (teardown gives no stop grace, as the runner's own
    removal does); the runner's label sweep removes whatever it leaves, except the
    project's default network, which the compose tool creates without the harness's
    labels (podman-compose 1.0 leaves it after `down`): it is removed here by name."""
    if ctx.state(COMPOSE).file is None:
        return []
    project = ctx.state(COMPOSE).project
    try:
        _compose(ctx, ["down", "-v", "-t", "0"], 120, teardown=True)
    except EngineError as exc:
        return [f"compose:{project} ({exc})"]
    with contextlib.suppress(EngineError):
        ctx.engine.remove_network(f"{project}_default")
    return []


FAMILY = Family(
    "compose",
    (StepKind(ComposeUpSpec, compose_up), StepKind(ComposeDownSpec, compose_down)),
    teardown=cleanup,
)
