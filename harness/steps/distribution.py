"""Registry steps: tag, push, pull back and remove images, against the local registry.

The registry is the reference: after a push the harness asks it which digest and
manifest type it serves, and checks the engine's pull against that digest. Only
references under this run's namespace of the local registry are ever pushed or
pulled (`registry.require_local`). Teardown removes the local tags and pulled
images and deletes the repositories from the registry.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from harness import local_registry as registry
from harness.engines.base import Engine, PlainRemover, registry_client
from harness.errors import EngineError
from harness.model.specs.distribution import ImageRmSpec, PullSpec, PushSpec, TagSpec
from harness.steps.context import StateKey, StepContext, refusal
from harness.steps.kinds import Family, StepKind


@dataclass
class RegistryState:
    """What the registry steps of one scenario on one engine made, for later steps and teardown."""

    namespace: str = ""
    image_ids: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    refs: set[str] = field(default_factory=set)

    def real(self, ctx: StepContext, symbolic: str) -> str:
        if not self.namespace:
            self.namespace = registry.prefix(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name)
        ref = registry.qualify(symbolic, self.namespace)
        self.refs.add(ref)
        return ref


REGISTRY = StateKey("distribution", RegistryState)


def _bare(image_id: str) -> str:
    """Docker ids carry 'sha256:', libpod's do not."""
    return image_id.removeprefix("sha256:")


def _image_id(engine: Engine, ref: str) -> str | None:
    try:
        return _bare(str(engine.inspect_image(ref)["Id"]))
    except EngineError:
        return None


def tag(ctx: StepContext, spec: TagSpec) -> None:
    target = ctx.state(REGISTRY).real(ctx, spec.as_)
    source = ctx.images[spec.image]
    ctx.state(REGISTRY).image_ids[spec.as_] = _image_id(ctx.engine, source) or ""
    client = registry_client(ctx.engine)
    try:
        client.tag_image(source, target)
    except EngineError as exc:
        ctx.record(spec.name, error=refusal(exc))
        return
    ctx.record(spec.name, error=None)


def push(ctx: StepContext, spec: PushSpec) -> None:
    ref = ctx.state(REGISTRY).real(ctx, spec.ref)
    ctx.record(spec.name, pushed=False, error=None, digest=None, media_type=None)
    client = registry_client(ctx.engine)
    try:
        client.push_image(ref)
    except EngineError as exc:
        ctx.record(spec.name, error=refusal(exc))
        return
    repo, reference = registry.split(ref)
    found = registry.manifest(repo, reference)
    ctx.record(spec.name, pushed=found is not None)
    if found is not None:
        ctx.state(REGISTRY).digests[spec.name] = found.digest
        ctx.record(spec.name, digest=found.digest, media_type=found.media_type)
    if spec.same_digest_as is not None:
        earlier = ctx.state(REGISTRY).digests.get(spec.same_digest_as)
        ctx.record(spec.name, same_digest=found is not None and found.digest == earlier)


def pull(ctx: StepContext, spec: PullSpec) -> None:
    ref = ctx.state(REGISTRY).real(ctx, spec.ref)
    want = ctx.state(REGISTRY).digests.get(spec.by_digest_of or "")
    if spec.by_digest_of is not None:
        ref = f"{ref.rpartition(':')[0]}@{want}"
        ctx.state(REGISTRY).refs.add(ref)
    ctx.record(spec.name, pulled=False, error=None, digest_preserved=None, same_id=None)
    # Later steps may run this image: if the pull failed they meet a missing image (an
    # error they record; create never pulls), not a harness crash.
    ctx.images[spec.name] = ref
    client = registry_client(ctx.engine)
    try:
        pulled = _bare(client.pull_image(ref))
    except EngineError as exc:
        ctx.record(spec.name, error=refusal(exc))
        return
    ctx.record(spec.name, pulled=True)
    if want is None:
        repo, reference = registry.split(ref)
        found = registry.manifest(repo, reference)
        want = found.digest if found else None
    with contextlib.suppress(EngineError):
        digests = ctx.engine.inspect_image(ref).get("RepoDigests") or []
        ctx.record(spec.name, digest_preserved=any(str(d).endswith(f"@{want}") for d in digests))
    tagged = ctx.state(REGISTRY).image_ids.get(spec.ref)
    if tagged:
        ctx.record(spec.name, same_id=pulled == tagged)


def image_rm(ctx: StepContext, spec: ImageRmSpec) -> None:
    """Remove a local image; `gone` says whether its id is gone with it."""
    ref = ctx.images[spec.image] if spec.image else ctx.state(REGISTRY).real(ctx, spec.ref or "")
    try:
        image_id: str | None = str(ctx.engine.inspect_image(ref)["Id"])  # as the engine spells it
    except EngineError:
        image_id = None
    engine = ctx.engine
    remove = engine.remove_image_plain if isinstance(engine, PlainRemover) else engine.remove_image
    try:
        remove(ref)
    except EngineError as exc:
        # A refusal (in use, or no such image): `gone` still says what is there after it;
        # an image that never existed is gone (the engine's default, unforced removal
        # of a missing name is an error, not a reason to say something is left).
        error = refusal(exc)
        gone = image_id is None or not ctx.engine.image_exists(image_id)
        ctx.record(spec.name, removed=False, error=error, gone=gone)
        return
    gone = image_id is None or not ctx.engine.image_exists(image_id)
    ctx.record(spec.name, removed=True, error=None, gone=gone)


def cleanup(ctx: StepContext) -> list[str]:
    """Remove the local registry tags and pulled images, then the registry repositories."""
    left = []
    repos = set()
    for ref in sorted(ctx.state(REGISTRY).refs):
        repos.add(registry.split(ref)[0])
        try:
            ctx.engine.remove_image(ref)
        except EngineError as exc:
            left.append(f"image:{ref} ({exc})")
    for repo in sorted(repos):
        try:
            left += registry.delete_repository(repo)
        except EngineError as exc:
            left.append(f"registry:{repo} ({exc})")
    return left


FAMILY = Family(
    "distribution",
    (
        StepKind(TagSpec, tag),
        StepKind(PushSpec, push),
        StepKind(PullSpec, pull),
        StepKind(ImageRmSpec, image_rm),
    ),
    teardown_after_sweep=cleanup,
)
