"""Specs of the compose steps: a multi-container app brought up and down with each
engine's own compose tool, from a compose file in the scenario's directory."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import Field

from harness.model import compose_file
from harness.model.access import Concern
from harness.model.compose_access import concerns_of_file
from harness.model.specs.base import LoadContext, RefKind, Seconds, StepSpec, Where


class ComposeUpSpec(StepSpec, kind="compose_up"):
    """`<compose> up -d` with a compose file from the scenario's directory.

    The file may name only `{{ base }}` and `{{ images.NAME }}` images (nothing is
    built or pulled by compose); the harness adds its labels to every service,
    volume and network. Records `STEP.exit_code`, `STEP.stdout/stderr`,
    `STEP.services`, `STEP.running`, `STEP.start_order`, `STEP.health.SVC` and
    `STEP.gated.SVC` (for `depends_on: {condition: service_healthy}`: did SVC start
    only after each such dependency had passed a health check), and what the tool
    handed the engine: `STEP.env.SVC.VAR` (the container's environment) and
    `STEP.stop_timeout.SVC` (`Config.StopTimeout`). An `env_file` is copied beside the
    rendered compose file. Each service's container is `STEP-SVC` for later steps.
    """

    file: str
    timeout: Seconds = 120.0

    def _read(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        """Problems of the compose file, and the services it defines."""
        base = ctx.base.resolve()
        path = (base / self.file).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return [f"no compose file {self.file!r} in the scenario's directory"], []
        try:
            doc = compose_file.load(path)
        except ValueError as exc:
            return [str(exc)], []
        return compose_file.problems(doc, set(ctx.images)), compose_file.services(doc)

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        return ((("file",), message) for message in self._read(ctx)[0])

    def host_access(self, base: Path) -> Iterable[Concern]:
        """Every host-touching key of the compose file, at its own file:line:col."""
        path = (base / self.file).resolve()
        if not path.is_relative_to(base.resolve()) or not path.is_file():
            return ()  # problems() reports the missing file
        found = concerns_of_file(path, base)
        return (Concern(("file",), c.kind, f"{c.detail} ({self.file})", c.at) for c in found)

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        for service in self._read(ctx)[1]:
            yield "container", f"{self.name}-{service}"
            yield "running", f"{self.name}-{service}"


class ComposeDownSpec(StepSpec, kind="compose_down"):
    """`<compose> down` (`volumes: true` adds -v) of the scenario's compose project
    -> `STEP.exit_code`, `STEP.duration_s` (how long `down` took: stop grace included),
    `STEP.containers_left`, `STEP.volumes_left`, `STEP.networks_left` (the project's
    resources still there, found by the project label)."""

    volumes: bool = False
    # `down -t N`: seconds each container gets between SIGTERM and SIGKILL; None keeps
    # the tool's default (10 s), which a PID 1 that ignores SIGTERM always waits out.
    stop_timeout: Annotated[int, Field(ge=0, le=300)] | None = None
    timeout: Seconds = 120.0
