"""A whole check: every artifact on every engine, then differences and their evidence."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from harness.check.artifact import ANCHOR, Options, check_artifact
from harness.check.bases import FIXTURE_BASE, ensure_fixture_base
from harness.check.diff import derive, fact_differences, fs_differences
from harness.check.evidence import explain
from harness.check.manifest import Entry
from harness.check.model import Artifact, Difference, EngineResult
from harness.check.project import CheckProject
from harness.engines.base import Engine
from harness.errors import EngineError
from harness.labels import resource_labels
from harness.project.dockerfile import remote_sources
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
    started: float = field(default_factory=time.time)


def _needs_fixture_base(project: CheckProject) -> bool:
    for artifact in project.artifacts:
        parsed = project.dockerfile(artifact)
        if any(s.reference == FIXTURE_BASE for s in remote_sources(parsed, dict(artifact.args))):
            return True
    return False


def _one(run: CheckRun, artifact: Artifact) -> ArtifactCheck:
    parsed = run.project.dockerfile(artifact)
    done = ArtifactCheck(artifact)
    manifests: dict[str, dict[str, Entry]] = {}
    for engine in run.engines:
        try:
            result, ref, manifest = check_artifact(
                artifact, parsed, engine, run.engines, run.options
            )
        except EngineError as exc:
            result, ref, manifest = EngineResult(status=Status.ERROR, reason=str(exc)), None, {}
        derive(result.facts)
        done.results[engine.name] = result
        manifests[engine.name] = manifest
        if ref is not None:
            done.refs[engine.name] = ref
    found = fact_differences(artifact.id, done.results)
    found += fs_differences(artifact.id, manifests)
    done.differences = [explain(d, parsed) for d in found]
    return done


def run_check(run: CheckRun) -> CheckRun:
    """Build, inspect and run every artifact; compose projects are brought up after."""
    if _needs_fixture_base(run.project):
        for engine in run.engines:
            with contextlib.suppress(EngineError):  # each artifact asks again and reports
                ensure_fixture_base(engine, run.options.run_id)
    for artifact in run.project.artifacts:
        run.artifacts.append(_one(run, artifact))
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
    """Remove what this check labelled; built images too unless they are the cache."""
    for engine in run.engines:
        scopes = [resource_labels(run.options.run_id, s, engine.name) for s in ("check", ANCHOR)]
        built = [d.refs[engine.name] for d in run.artifacts if engine.name in d.refs]
        try:
            for labels in scopes:
                engine.remove_labelled(labels)
            images = [] if run.options.use_cache else _remove_images(engine, built)
            left = [
                i for labels in scopes for ids in engine.list_labelled(labels).values() for i in ids
            ]
        except EngineError as exc:
            run.leftovers[engine.name] = [f"cleanup failed: {exc}"]
            continue
        run.leftovers[engine.name] = left + images
