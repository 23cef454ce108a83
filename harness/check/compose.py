"""Compose projects on each engine: `up` with the engine's own compose tool, observe,
`down`, and record what `down` left behind; then compare the engines.

Engines run one after the other (published host ports would collide). Services are
the images the harness already built; a service whose image is missing on an engine
makes the project `unsupported` there, with the reason.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from harness.check.artifact import anchor
from harness.check.bases import resolve_missing
from harness.check.build import build_artifact
from harness.check.compose_probe import service_facts, wait_settled
from harness.check.compose_render import host_access, render
from harness.check.diff import fact_differences
from harness.check.evidence import explain_compose
from harness.check.model import Artifact, EngineResult
from harness.check.runner import ArtifactCheck, CheckRun
from harness.engines.base import Engine, compose_provider, scratch_parent, sees_path
from harness.errors import EngineError, Location
from harness.labels import resource_labels
from harness.project.compose import ComposeFile
from harness.steps.compose import project_name
from harness.tempdirs import scratch
from harness.verdict.enums import Status


def _tool(engine: Engine, project: str, file: Path, args: list[str], timeout: float
          ) -> tuple[int | None, str]:  # fmt: skip
    cli = compose_provider(engine).compose_cli()
    argv = [*cli.argv, "-p", project, "-f", str(file), *args]
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
            cwd=file.parent, env={**os.environ, **cli.env}, text=True, errors="replace",
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, f"{' '.join(args)} timed out after {timeout:.0f}s"
    return done.returncode, (done.stderr or "")[-1500:]


def selected_services(compose: ComposeFile, chosen: tuple[str, ...]) -> list[str]:
    """The services `up` starts: all, or the chosen ones and what they depend on."""
    if not chosen:
        return list(compose.services)
    found: list[str] = []
    todo = [s for s in chosen if s in compose.services]
    while todo:
        name = todo.pop()
        if name not in found:
            found.append(name)
            todo.extend(d for d in compose.services[name].depends_on if d in compose.services)
    return found


def _images(run: CheckRun, compose: ComposeFile, engine: Engine) -> tuple[dict[str, str], str]:
    """service -> image on `engine`; or the reason one is missing."""
    images: dict[str, str] = {}
    for done in run.artifacts:
        for path, wanted in done.artifact.services:
            if path == compose.path and engine.name in done.refs:
                images[wanted] = done.refs[engine.name]
    for name in selected_services(compose, run.options.services):
        service = compose.services[name]
        if service.build is not None and name not in images:
            return images, f"service {name}: its image was not built on {engine.name}"
        if service.build is None and service.image:
            opts = run.options
            got = run.acquired.setdefault(engine.name, [])
            missing = resolve_missing(service.image, engine, run.engines, acquired=got,
                                      share_images=opts.share_images, pull=opts.pull)  # fmt: skip
            if missing is not None:
                return images, f"service {name}: {missing.reason}; {missing.fix}"
    return images, ""


def _restore(run: CheckRun, engine: Engine, images: dict[str, str]) -> list[str]:
    """Rebuild (same cache tag) a built image someone removed since; what stays missing.
    On a shared engine other clients remove images; a compose tool must not pull one."""
    gone = []
    for done in run.artifacts:
        ref = done.refs.get(engine.name)
        if ref is None or ref not in images.values() or engine.image_exists(ref):
            continue
        bases = done.results[engine.name].base_ids
        opts = run.options
        again = build_artifact(done.artifact, engine, opts.run_id, bases, opts.use_cache)
        if again.ref != ref:
            gone.append(ref)
            continue
        done.results[engine.name].notes.append("image was removed by another client; rebuilt")
        anchor(engine, ref, run.options.run_id, f"{done.artifact.id}-again")
    return gone


def _counts(engine: Engine, labels: dict[str, str]) -> dict[str, int]:
    found = engine.list_labelled(labels)
    return {kind: len(ids) for kind, ids in found.items()}


def _up_observe_down(run: CheckRun, compose: ComposeFile, engine: Engine, images: dict[str, str]
                     ) -> EngineResult:  # fmt: skip
    result = EngineResult()
    labels = resource_labels(run.options.run_id, "check", engine.name)
    project = project_name(run.options.run_id, compose.path, engine.name)
    base = os.path.dirname(os.path.abspath(compose.path))
    with scratch("check-compose", scratch_parent(engine)) as tmp:
        file = Path(tmp) / "compose.yaml"
        file.write_text(render(compose.data, images, base, labels, Path(tmp)))
        started = time.monotonic()
        code, err = _tool(
            engine, project, file, ["up", "-d", "--no-build", *run.options.services], 180
        )
        result.facts["up.exit_code"] = code
        if code != 0:
            result.status, result.reason = Status.FAIL, f"up: {err.strip()[-800:]}"
        docs = wait_settled(
            engine,
            labels,
            project,
            selected_services(compose, run.options.services),
            run.options.timeout,
        )
        chosen = selected_services(compose, run.options.services)
        result.facts.update(service_facts(engine, compose, docs, chosen))
        result.facts.update({f"up.{k}": v for k, v in _counts(engine, labels).items()})
        code, err = _tool(engine, project, file, ["down"], 180)
        result.facts["down.exit_code"] = code
        result.facts.update({f"down.leaves.{k}": v for k, v in _counts(engine, labels).items()})
        result.duration_s = round(time.monotonic() - started, 2)
    return result


def _one_engine(run: CheckRun, compose: ComposeFile, engine: Engine) -> EngineResult:
    root = os.path.dirname(compose.path) or "."
    refused = [r for n, s in compose.services.items() for r in host_access(n, s.raw, root)]
    if refused:
        return EngineResult(status=Status.UNSUPPORTED, reason="host access: " + "; ".join(refused),
                            fix="check the other services with --service NAME")  # fmt: skip
    if not sees_path(engine, root) and any(
        m.type == "bind" for s in compose.services.values() for m in s.volumes
    ):
        return EngineResult(status=Status.UNSUPPORTED, fix="check it on the host's engines",
                            reason=f"{engine.name} runs in its own root and cannot see the "
                            "project's files a bind mount names")  # fmt: skip
    images, missing = _images(run, compose, engine)
    gone = _restore(run, engine, images)
    if gone:
        return EngineResult(status=Status.ERROR, reason=f"images removed meanwhile: {gone}")
    if missing:
        return EngineResult(status=Status.UNSUPPORTED, reason=missing)
    try:
        return _up_observe_down(run, compose, engine, images)
    except EngineError as exc:
        return EngineResult(status=Status.ERROR, reason=str(exc))
    finally:  # the check's final cleanup audits what this leaves
        with contextlib.suppress(EngineError):
            engine.remove_labelled(resource_labels(run.options.run_id, "check", engine.name))


def check_compose(run: CheckRun) -> None:
    """Each compose file of the project, on each engine in turn."""
    for compose in run.project.compose_files():
        name = "compose-" + os.path.basename(os.path.dirname(os.path.abspath(compose.path)))
        artifact = Artifact(name, compose.path, os.path.dirname(compose.path) or ".",
                            location=Location(compose.path, 1, 1))  # fmt: skip
        done = ArtifactCheck(artifact)
        for engine in run.engines:
            done.results[engine.name] = _one_engine(run, compose, engine)
        found = fact_differences(artifact.id, done.results)
        facts = {n: r.facts for n, r in done.results.items()}
        done.differences = [explain_compose(d, compose, facts) for d in found]
        run.artifacts.append(done)
        run.compose.append(_summary(compose, done))


def _summary(compose: ComposeFile, done: ArtifactCheck) -> dict[str, Any]:
    return {
        "file": compose.path,
        "artifact": done.artifact.id,
        "summary": {n: r.status for n, r in done.results.items()},
        "engines": {
            n: {"status": r.status, "reason": r.reason, "facts": r.facts}
            for n, r in done.results.items()
        },
    }
