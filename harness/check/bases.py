"""Base images a project names: the local fixture base, and the ones an engine lacks.

Nothing is pulled by default. A FROM (or compose `image:`) missing on an engine makes
that engine `unsupported` for the artifact, with the reason and the fix. With
`share=True` a missing image is copied from an engine that has it (save, then load
through the APIs, image id checked); with `pull=True` the engine pulls it, which the
adapters allow from the local registry on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.engines.base import BuildRequest, Engine, registry_client
from harness.engines.transfer import archiver
from harness.errors import EngineError
from harness.labels import CACHE, OWNER, RUN, SCENARIO, owner
from harness.run.images import BASE_CONTAINERFILE, busybox_path
from harness.tempdirs import scratch

FIXTURE_BASE = "harness-fixture-base"


def ensure_fixture_base(engine: Engine, run_id: str) -> str:
    """`harness-fixture-base`: static busybox FROM scratch, built once per engine."""
    ref = engine.image_ref(FIXTURE_BASE)
    if engine.image_exists(ref):
        return ref
    busybox = busybox_path()
    digest = hashlib.sha256(busybox.read_bytes() + BASE_CONTAINERFILE.encode()).hexdigest()
    with scratch("check-base") as tmp:
        shutil.copy2(busybox, Path(tmp) / "busybox")
        (Path(tmp) / "Containerfile").write_text(BASE_CONTAINERFILE)
        labels = {RUN: run_id, SCENARIO: "check", OWNER: owner(), CACHE: digest[:16]}
        engine.build(BuildRequest(Path(tmp), "Containerfile", FIXTURE_BASE, labels))
    return ref


@dataclass(frozen=True)
class Missing:
    """An image an engine lacks, and what the user can do about it."""

    reference: str
    reason: str
    fix: str


def _image_id(engine: Engine, ref: str) -> str:
    return str(engine.inspect_image(ref).get("Id", "")).removeprefix("sha256:")


def share(ref: str, source: Engine, target: Engine, acquired: list[str]) -> str:
    """Copy `ref` from `source` to `target`; the loaded image's id must match.

    The archive names the image as the source engine spells it: Podman saves a short
    name as `localhost/NAME`, which Docker loads under that name, not as the NAME a
    Dockerfile's FROM asks for; the loaded image is then tagged as asked and the
    extra name removed. The copy goes into `acquired` (for the cleanup) before its id
    is checked, so a copy that fails the check is removed too."""
    data = b"".join(archiver(source).save_image(source.image_ref(ref)))
    loaded = archiver(target).load_image(data)
    want = _image_id(source, source.image_ref(ref))
    wanted = target.image_ref(ref)
    extra = [n for n in loaded if n not in (ref, wanted) and target.image_exists(n)]
    if extra and not target.image_exists(wanted):
        registry_client(target).tag_image(extra[0], wanted)
    for name in extra:
        target.remove_image(name)  # an untag: `wanted` names the same image
    if not target.image_exists(wanted):
        raise EngineError(f"{ref}: {target.name} loaded the archive but has no such image")
    acquired.append(wanted)
    got = _image_id(target, wanted)
    if got != want:
        raise EngineError(f"{ref}: loaded id {got[:12]} differs from {want[:12]}")
    return wanted


def resolve_missing(
    ref: str,
    engine: Engine,
    others: list[Engine],
    *,
    share_images: bool,
    pull: bool,
    acquired: list[str] | None = None,
) -> Missing | None:
    """None when `ref` is (or has been made) local on `engine`. What this copied or
    pulled is appended to `acquired`: the check removes it again when it ends."""
    if engine.image_exists(ref) or engine.image_exists(engine.image_ref(ref)):
        return None
    got = acquired if acquired is not None else []
    if share_images:
        for other in others:
            if other is not engine and other.image_exists(other.image_ref(ref)):
                share(ref, other, engine, got)
                return None
    if pull:
        try:
            registry_client(engine).pull_image(ref)
        except EngineError as exc:
            return Missing(ref, f"--pull of {ref} on {engine.name} failed: {exc}", "")
        got.append(ref)
        return None
    holders = [o.name for o in others if o is not engine and o.image_exists(o.image_ref(ref))]
    fix = (
        f"copy it from {holders[0]} (`harness check --share-images`, or "
        f"`{holders[0]} save {ref} | {engine.name} load`)"
        if holders
        else f"pull or build {ref} on {engine.name} first (or `harness check --pull`)"
    )
    return Missing(ref, f"{ref} is not a local image on {engine.name} (never pulled)", fix)
