"""Spec of the `stats` step: a running container's resource usage through the API."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from harness.model.specs.base import ContainerStep


class StatsSpec(ContainerStep, kind="stats"):
    """Read a running container's resource usage through the engine's API, twice,
    `interval` s apart -> `STEP.memory_usage`, `STEP.memory_limit` (bytes), `STEP.pids`,
    `STEP.cpu_percent` (from the two cpu-time readings, 100 = one core),
    `STEP.engine_cpu_percent` (the engine's own figure), `STEP.fields` (which of these
    the engine gave), `STEP.raw_keys` (the shape of the engine's document)."""

    needs_running: ClassVar[bool] = True
    interval: Annotated[float, Field(gt=0, le=30)] = 2.0
