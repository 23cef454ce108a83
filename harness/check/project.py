"""A user's project as the artifacts a check builds, parsed before any engine is touched.

Discovery and parsing are `harness lint`'s (harness.project via lint inputs): the same
files the compose tools and builders would read; a file that cannot be parsed raises
ScenarioError with file:line:col.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from harness.check.model import Artifact
from harness.errors import Location
from harness.lint.inputs import Inputs, load_inputs
from harness.project.compose import ComposeFile
from harness.project.dockerfile import Dockerfile


@dataclass
class CheckProject:
    root: str
    inputs: Inputs
    artifacts: list[Artifact]

    def dockerfile(self, artifact: Artifact) -> Dockerfile:
        parsed = self.inputs.dockerfile(artifact.dockerfile)
        assert parsed is not None, artifact.dockerfile
        return parsed

    def compose_files(self) -> list[ComposeFile]:
        return self.inputs.compose


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", text.lower()).strip("-.") or "image"


def _relative(root: str, path: str) -> str:
    return os.path.relpath(path, root) if os.path.isdir(root) else os.path.basename(path)


def _build_artifacts(project_root: str, inputs: Inputs) -> dict[tuple[object, ...], Artifact]:
    found: dict[tuple[object, ...], Artifact] = {}
    for spec in inputs.builds:
        args = tuple(sorted(spec.args.items()))
        key = (os.path.normpath(spec.dockerfile), os.path.normpath(spec.context), spec.target, args)
        service = (spec.compose, spec.service)
        if key in found:
            old = found[key]
            found[key] = Artifact(
                old.id, old.dockerfile, old.context, old.target, old.args,
                (*old.services, service), old.location,
            )  # fmt: skip
            continue
        found[key] = Artifact(
            _slug(spec.service),
            spec.dockerfile,
            spec.context,
            spec.target,
            args,
            (service,),
            spec.location,
        )
    return found


def load_project(path: str, services: list[str] | None = None) -> CheckProject:
    """Discover and parse `path` (a directory, Dockerfile or compose file)."""
    inputs = load_inputs([path])
    root = path if os.path.isdir(path) else os.path.dirname(path) or "."
    built = _build_artifacts(root, inputs)
    artifacts = list(built.values())
    used = {os.path.normpath(a.dockerfile) for a in artifacts}
    for parsed in inputs.dockerfiles:
        if os.path.normpath(parsed.path) in used:
            continue
        rel = _relative(root, parsed.path)
        artifacts.append(
            Artifact(_slug(rel), parsed.path, os.path.dirname(parsed.path) or ".",
                     location=Location(parsed.path, 1, 1))
        )  # fmt: skip
    if services:
        artifacts = [a for a in artifacts if any(s in services for _, s in a.services)]
    ids: set[str] = set()
    unique = []
    for artifact in artifacts:
        name = artifact.id
        while name in ids:
            name += "-2"
        ids.add(name)
        unique.append(artifact if name == artifact.id else _renamed(artifact, name))
    return CheckProject(root, inputs, unique)


def _renamed(artifact: Artifact, name: str) -> Artifact:
    return Artifact(
        name, artifact.dockerfile, artifact.context, artifact.target, artifact.args,
        artifact.services, artifact.location,
    )  # fmt: skip
