"""A whole check: every artifact on every engine, then differences and their evidence."""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.check.artifact import ANCHOR, Options, check_artifact, prepare_bases
from harness.check.bases import FIXTURE_BASE, ensure_fixture_base
from harness.check.diff import derive, fact_differences, fs_differences
from harness.check.evidence import explain
from harness.check.manifest import Entry
from harness.check.model import Artifact, Difference, EngineResult
from harness.check.project import CheckProject
from harness.engines.base import Engine
from harness.errors import EngineError
from harness.labels import resource_labels
from harness.project.dockerfile import Dockerfile, remote_sources
from harness.verdict.enums import Status


@dataclass
class ArtifactCheck:
    artifact: Artifact
    results: dict[str, EngineResult] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)


@dataclass
class CheckRun:
    project: CheckProject
    engines: list[Engine]
    options: Options
    artifacts: list[ArtifactCheck] = field(default_factory=list)
    compose: list[dict[str, Any]] = field(default_factory=list)
    leftovers: dict[str, list[str]] = field(default_factory=dict)
    acquired: dict[str, list[str]] = field(default_factory=dict)  # copied/pulled bases
    base_ids: dict[str, dict[str, str]] = field(default_factory=dict)  # engine: ref -> id
    started: float = field(default_factory=time.time)


def _needs_fixture_base(project: CheckProject) -> bool:
    for artifact in project.artifacts:
        parsed = project.dockerfile(artifact)
        if any(s.reference == FIXTURE_BASE for s in remote_sources(parsed, dict(artifact.args))):
            return True
    return False


Outcome = tuple[EngineResult, str | None, dict[str, Entry]]
Prepared = dict[str, tuple[dict[str, str], EngineResult | None]]


def _prepare(run: CheckRun, artifact: Artifact) -> Prepared:
    """Per engine: base ids, or why the artifact cannot be built there. Sequential:
    --share-images reads one engine while it writes another."""
    parsed = run.project.dockerfile(artifact)
    found: Prepared = {}
    for engine in run.engines:
        acquired = run.acquired.setdefault(engine.name, [])
        known = run.base_ids.setdefault(engine.name, {})
        try:
            found[engine.name] = prepare_bases(
                parsed, artifact, engine, run.engines, run.options, acquired, known
            )
        except EngineError as exc:
            found[engine.name] = {}, EngineResult(status=Status.ERROR, reason=str(exc))
    return found


def _on_engine(run: CheckRun, engine: Engine, bases: list[Prepared]) -> list[Outcome]:
    """Every artifact on one engine, in order; uses no other engine."""
    outcomes: list[Outcome] = []
    for artifact, prepared in zip(run.project.artifacts, bases, strict=True):
        ids, refused = prepared[engine.name]
        if refused is not None:
            outcomes.append((refused, None, {}))
            continue
        try:
            parsed = run.project.dockerfile(artifact)
            outcomes.append(check_artifact(artifact, parsed, engine, ids, run.options))
        except EngineError as exc:
            outcomes.append((EngineResult(status=Status.ERROR, reason=str(exc)), None, {}))
    return outcomes


def _assemble(
    artifact: Artifact, parsed: Dockerfile, outcomes: dict[str, Outcome]
) -> ArtifactCheck:
    done = ArtifactCheck(artifact)
    manifests: dict[str, dict[str, Entry]] = {}
    for name, (result, ref, manifest) in outcomes.items():
        derive(result.facts)
        done.results[name] = result
        manifests[name] = manifest
        if ref is not None:
            done.refs[name] = ref
    found = fact_differences(artifact.id, done.results)
    found += fs_differences(artifact.id, manifests)
    done.differences = [explain(d, parsed) for d in found]
    return done


def run_check(run: CheckRun) -> CheckRun:
    """Build, inspect and run every artifact, the engines side by side (each engine in
    its own thread, using only its own client); compose projects are brought up after.
    A user would do one engine after the other; nothing observed depends on that
    (the containers publish no host ports)."""
    if _needs_fixture_base(run.project):
        for engine in run.engines:
            with contextlib.suppress(EngineError):  # each artifact asks again and reports
                ensure_fixture_base(engine, run.options.run_id)
    artifacts = run.project.artifacts
    bases = [_prepare(run, artifact) for artifact in artifacts]
    with ThreadPoolExecutor(max_workers=max(1, len(run.engines))) as pool:
        futures = {e.name: pool.submit(_on_engine, run, e, bases) for e in run.engines}
        per_engine = {name: future.result() for name, future in futures.items()}
    for n, artifact in enumerate(artifacts):
        outcomes = {name: results[n] for name, results in per_engine.items()}
        run.artifacts.append(_assemble(artifact, run.project.dockerfile(artifact), outcomes))
    return run


def _remove_images(engine: Engine, refs: list[str]) -> list[str]:
    """Each one tried; those still present afterwards. A ref another client removed
    meanwhile is not a failure (Docker 20.10 may answer it with a 500 that the adapter
    passes through as an SDK error)."""
    for ref in refs:
        with contextlib.suppress(Exception):
            engine.remove_image(ref)
    return [f"image:{ref}" for ref in refs if engine.image_exists(ref)]


def cleanup(run: CheckRun) -> None:
    """Remove what this check labelled, the bases it copied or pulled, and the images it
    built unless they are the cache."""
    for engine in run.engines:
        scopes = [resource_labels(run.options.run_id, s, engine.name) for s in ("check", ANCHOR)]
        built = [d.refs[engine.name] for d in run.artifacts if engine.name in d.refs]
        try:
            for labels in scopes:
                engine.remove_labelled(labels)
            images = [] if run.options.use_cache else _remove_images(engine, built)
            # Bases copied (--share-images) or pulled (--pull) for this check go too;
            # one a cached build still uses stays, and is listed.
            images += _remove_images(engine, run.acquired.get(engine.name, []))
            left = [
                i for labels in scopes for ids in engine.list_labelled(labels).values() for i in ids
            ]
        except EngineError as exc:
            run.leftovers[engine.name] = [f"cleanup failed: {exc}"]
            continue
        run.leftovers[engine.name] = left + images
