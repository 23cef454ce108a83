"""Everything a rule may look at, parsed once: Dockerfiles, compose files, contexts, `.env`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from harness.project.compose import ComposeFile, Service
from harness.project.discover import BuildSpec, Project, discover
from harness.project.dockerfile import Dockerfile, read_dockerfile
from harness.project.envfile import EnvEntry, read_env
from harness.project.ignore import IgnoreFiles, find_ignore_files


@dataclass
class Inputs:
    dockerfiles: list[Dockerfile]
    compose: list[ComposeFile]
    builds: list[BuildSpec]
    ignores: list[IgnoreFiles]
    env: dict[str, list[EnvEntry]]
    compose_dirs: dict[str, list[str]]
    local_images: frozenset[str] = field(default_factory=frozenset)
    _by_path: dict[str, Dockerfile] = field(default_factory=dict)
    _by_service: dict[tuple[str, str], str] = field(default_factory=dict)
    _built: set[str] | None = None

    def dockerfile(self, path: str) -> Dockerfile | None:
        if not self._by_path:
            self._by_path = {os.path.normpath(d.path): d for d in self.dockerfiles}
        return self._by_path.get(os.path.normpath(path))

    def services(self) -> Iterator[tuple[ComposeFile, Service]]:
        for compose in self.compose:
            for service in compose.services.values():
                yield compose, service

    def service_dockerfile(self, compose: ComposeFile, service: Service) -> Dockerfile | None:
        if not self._by_service:
            self._by_service = {(b.compose, b.service): b.dockerfile for b in self.builds}
        path = self._by_service.get((compose.path, service.name))
        return None if path is None else self.dockerfile(path)

    def built_images(self) -> set[str]:
        """Image names the project builds itself (compose services with build: and image:)."""
        if self._built is None:
            self._built = {s.image for _, s in self.services() if s.build is not None and s.image}
        return self._built


def load_inputs(paths: list[str], local_images: frozenset[str] = frozenset()) -> Inputs:
    """Discover and parse; ScenarioError (file:line:col) on the first unreadable file."""
    project: Project = discover(paths)
    dockerfiles = [read_dockerfile(p) for p in project.dockerfiles]
    return Inputs(
        dockerfiles=dockerfiles,
        compose=project.compose,
        builds=project.builds,
        ignores=[find_ignore_files(c) for c in project.contexts],
        env={p: read_env(p) for p in project.env_files},
        compose_dirs=project.compose_dirs,
        local_images=local_images,
    )
