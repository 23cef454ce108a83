"""One artifact on one engine: bases, build, image config, filesystem, run."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from harness.check.bases import FIXTURE_BASE, ensure_fixture_base, resolve_missing
from harness.check.build import build_artifact
from harness.check.manifest import Entry, read_manifest
from harness.check.model import Artifact, EngineResult
from harness.check.observe import observe
from harness.engines.base import ContainerSpec, Engine, Unsupported
from harness.engines.transfer import exporter
from harness.errors import EngineError
from harness.labels import resource_labels, resource_name
from harness.project.dockerfile import Dockerfile, remote_sources
from harness.verdict.enums import Status
from harness.verdict.observe import image_facts


@dataclass(frozen=True)
class Options:
    run_id: str
    timeout: float = 20.0
    smoke: str | None = None
    share_images: bool = False
    pull: bool = False
    use_cache: bool = True
    services: tuple[str, ...] = ()  # --service: only these (and what they depend on)


def prepare_bases(
    parsed: Dockerfile,
    artifact: Artifact,
    engine: Engine,
    engines: list[Engine],
    opts: Options,
    acquired: list[str],
    known: dict[str, str],
) -> tuple[dict[str, str], EngineResult | None]:
    """Base image reference -> id (the ids go into the cache tag), or the `unsupported`
    result of a missing one.

    Touches other engines (--share-images saves from them), so the runner calls it for
    every engine before the engines work in parallel; images it copied or pulled are
    appended to `acquired` for the cleanup. `known` (reference -> id on this engine)
    spares the same questions for the next artifact with the same base: the fixture
    base is anchored by then, so no other client can remove it."""
    ids: dict[str, str] = {}
    for source in remote_sources(parsed, dict(artifact.args)):
        if source.kind not in ("from", "copy-from", "mount-from"):
            continue
        if source.reference in known:
            ids[source.reference] = known[source.reference]
            continue
        if source.reference == FIXTURE_BASE:  # (re)made here: others may remove it meanwhile
            base = ensure_fixture_base(engine, opts.run_id)
            with contextlib.suppress(EngineError):  # one anchor per engine is enough
                anchor(engine, base, opts.run_id, "fixture-base")
        missing = resolve_missing(
            source.reference,
            engine,
            engines,
            share_images=opts.share_images,
            pull=opts.pull,
            acquired=acquired,
        )
        if missing is not None:
            where = source.location
            return {}, EngineResult(
                status=Status.UNSUPPORTED,
                reason=f"{where.file}:{where.line}: {missing.reason}",
                fix=missing.fix,
            )
        ref = source.reference
        found = ref if engine.image_exists(ref) else engine.image_ref(ref)
        known[ref] = str(engine.inspect_image(found).get("Id", ""))
        ids[ref] = known[ref]
    return ids, None


ANCHOR = "check-anchor"


def anchor(engine: Engine, ref: str, run_id: str, name: str) -> str:
    """A created, never started container that keeps `ref` until the check ends: other
    users of a shared engine remove unused cached images (never forced), and a compose
    tool that finds an image missing reaches for a registry. Its filesystem is the
    image's (never started), so it is also what the manifest is read from."""
    labels = resource_labels(run_id, ANCHOR, engine.name)
    spec = ContainerSpec(image=ref, name=resource_name(run_id, ANCHOR, engine.name, name),
                         labels=labels, command=["true"])  # fmt: skip
    return engine.create_container(spec)


def filesystem(engine: Engine, cid: str) -> tuple[dict[str, Entry], bool]:
    """The exported filesystem of a created, never started container (an anchor)."""
    return read_manifest(exporter(engine).export_container(cid))


def _run(engine: Engine, ref: str, config: dict[str, Any], artifact: Artifact, opts: Options
         ) -> dict[str, Any]:  # fmt: skip
    spec = ContainerSpec(
        image=ref,
        name=resource_name(opts.run_id, "check", engine.name, f"{artifact.id}-run"),
        labels=resource_labels(opts.run_id, "check", engine.name),
        command=["sh", "-c", opts.smoke] if opts.smoke else None,
    )
    return observe(engine, spec, config, opts.timeout)


def _base_vanished(parsed: Dockerfile, artifact: Artifact, engine: Engine, run_id: str) -> bool:
    """True (after making it again) when the fixture base this build needs is gone."""
    for source in remote_sources(parsed, dict(artifact.args)):
        if source.reference == FIXTURE_BASE and not engine.image_exists(
            engine.image_ref(FIXTURE_BASE)
        ):
            ensure_fixture_base(engine, run_id)
            return True
    return False


def check_artifact(
    artifact: Artifact, parsed: Dockerfile, engine: Engine, bases: dict[str, str], opts: Options
) -> tuple[EngineResult, str | None, dict[str, Entry]]:
    """The result, the built image reference (None if not built) and the filesystem.
    Uses `engine` only, so engines can run this side by side; `bases` are the base
    images `prepare_bases` found (reference -> id)."""
    ids = list(bases.values())
    started = time.monotonic()
    built = build_artifact(artifact, engine, opts.run_id, ids, opts.use_cache)
    if built.error is not None and _base_vanished(parsed, artifact, engine, opts.run_id):
        # Another client removed the base during the build: not the project's doing.
        built = build_artifact(artifact, engine, opts.run_id, ids, opts.use_cache)
    result = EngineResult(facts={"build.ok": built.error is None, "build.cached": built.cached})
    result.base_ids = ids
    result.facts["build.bases"] = bases
    result.facts["build.seconds"] = round(built.seconds, 2)
    if built.ref is None:
        result.status, result.reason = Status.FAIL, built.error or "build failed"
        result.facts["build.error"] = (built.error or "")[-2000:]
        return result, None, {}
    kept = anchor(engine, built.ref, opts.run_id, artifact.id)
    inspect = engine.inspect_image(built.ref)
    result.facts.update({f"image.{k}": v for k, v in image_facts(inspect).items()})
    manifest: dict[str, Entry] = {}
    try:
        manifest, cut = filesystem(engine, kept)
        result.facts["fs.entries"], result.facts["fs.truncated"] = len(manifest), cut
    except Unsupported as exc:
        result.notes.append(f"filesystem not read: {exc}")
    config = inspect.get("Config") or {}
    if not config.get("Healthcheck") and isinstance(inspect.get("Healthcheck"), dict):
        config = {**config, "Healthcheck": inspect["Healthcheck"]}
    try:
        result.facts.update(
            {f"run.{k}": v for k, v in _run(engine, built.ref, config, artifact, opts).items()}
        )
    except EngineError as exc:
        result.status, result.reason = Status.ERROR, f"run: {exc}"
    result.duration_s = round(time.monotonic() - started, 2)
    return result, built.ref, manifest
