"""Spec of the `sdk` step: one call through the SDK users of the engine's API
program against (docker-py or podman-py), to observe what it raises."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import model_validator

from harness.model.specs.base import LoadContext, Name, Ref, StepSpec, Where

Operation = Literal[
    "get_image",
    "get_container",
    "get_volume",
    "get_network",
    "start_container",
    "create_container",
    "create_volume",
    "create_network",
    "remove_volume",
    "remove_network",
    "remove_container",
]
TARGET = re.compile(
    r"^\{\{ ?(containers|volumes|networks|images|names)\.([a-z0-9][a-z0-9_-]*) ?\}\}$"
)
_TABLES = {"containers": "container", "volumes": "volume", "networks": "network", "images": "image"}


class SdkSpec(StepSpec, kind="sdk"):
    """Call `operation` on `target` with the engine's SDK -> `STEP.raised`,
    `STEP.exception` (class name), `STEP.status_code` (HTTP), `STEP.message`.

    `target` is one placeholder: `{{ containers.STEP }}`, `{{ volumes.NAME }}`,
    `{{ networks.NAME }}`, `{{ images.NAME }}`, or `{{ names.NAME }}` for a name that
    does not exist. `create_container` takes `image` (built, never pulled); whatever
    a create makes carries the harness labels.
    """

    operation: Operation
    target: str
    image: Name | None = None

    @model_validator(mode="after")
    def _shape(self) -> SdkSpec:
        if not TARGET.match(self.target):
            raise ValueError("'target' is one placeholder such as {{ volumes.NAME }}")
        if (self.operation == "create_container") != (self.image is not None):
            raise ValueError("'image' is given exactly for create_container")
        return self

    def refs(self) -> Iterable[Ref]:
        if self.image is not None:
            yield Ref("image", self.image, ("image",))

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        found = TARGET.match(self.target)
        if found is None or found.group(1) == "names":
            return
        kind = _TABLES[found.group(1)]
        if found.group(2) not in ctx.names(kind):
            yield ("target",), f"unknown {kind} {found.group(2)!r} in {self.target!r}"
