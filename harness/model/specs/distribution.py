"""Specs of the image distribution steps: tag, push and pull against the local
registry (127.0.0.1 only), and local image removal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from harness.model.specs.base import LoadContext, Name, Ref, RefKind, StepSpec

RepoRef = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$")
]


class TagSpec(StepSpec, kind="tag"):
    """Tag a scenario image (or an earlier `pull`) as `as` (REPO[:TAG]) in the local
    registry, under a namespace unique to the run, scenario and engine -> `STEP.error`."""

    image: str
    as_: RepoRef = Field(alias="as")

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)

    def refs(self) -> Iterable[Ref]:
        return (Ref("image", self.image, ("image",)),)


class PushSpec(StepSpec, kind="push"):
    """Push a tagged REPO[:TAG] to the local registry -> `STEP.pushed`, `STEP.error`, and
    what the registry then serves: `STEP.digest`, `STEP.media_type`. With
    `same_digest_as` (an earlier push step), `STEP.same_digest`."""

    ref: RepoRef
    same_digest_as: Name | None = None

    def refs(self) -> Iterable[Ref]:
        if self.same_digest_as is not None:
            yield Ref("push", self.same_digest_as, ("same_digest_as",))

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        return (("push", self.name),)


class PullSpec(StepSpec, kind="pull"):
    """Pull REPO[:TAG] back from the local registry (by the digest an earlier push step
    recorded, with `by_digest_of`) -> `STEP.pulled`, `STEP.error`,
    `STEP.digest_preserved` (the local image lists the registry's digest) and
    `STEP.same_id` (the same image id as the one tagged). Later steps may use the
    step's name as an `image`."""

    ref: RepoRef
    by_digest_of: Name | None = None

    def refs(self) -> Iterable[Ref]:
        if self.by_digest_of is not None:
            yield Ref("push", self.by_digest_of, ("by_digest_of",))

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        return (("image", self.name),)


class ImageRmSpec(StepSpec, kind="image_rm"):
    """Remove an image locally: a scenario image (`image`) or a registry tag (`ref`)
    -> `STEP.removed`, `STEP.error`, `STEP.gone` (no local image has its id any more)."""

    image: str | None = None
    ref: RepoRef | None = None

    @model_validator(mode="after")
    def _one(self) -> ImageRmSpec:
        if (self.image is None) == (self.ref is None):
            raise ValueError("give exactly one of 'image' or 'ref'")
        return self

    def refs(self) -> Iterable[Ref]:
        if self.image is not None:
            yield Ref("image", self.image, ("image",))
