"""Which files of a project the builders and compose tools would read.

Dockerfiles by name (`Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`),
compose files by the names the tools look for, the Dockerfiles and contexts their
`build:` sections name, and the ignore and `.env` files beside them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from harness.errors import Location, ScenarioError
from harness.project.compose import ComposeFile, read_compose

# docker compose reads the first of these that exists, plus its override file.
DOCKER_COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDES = {
    "compose.yaml": ("compose.override.yaml", "compose.override.yml"),
    "compose.yml": ("compose.override.yaml", "compose.override.yml"),
    "docker-compose.yaml": ("docker-compose.override.yaml", "docker-compose.override.yml"),
    "docker-compose.yml": ("docker-compose.override.yml", "docker-compose.override.yaml"),
}
# podman-compose 1.0.x reads (and merges) every one of these that exists.
PODMAN_COMPOSE_NAMES = (
    "compose.yaml",
    "compose.yml",
    "compose.override.yaml",
    "compose.override.yml",
    "podman-compose.yaml",
    "podman-compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
    "podman-compose.override.yml",
    "podman-compose.override.yaml",
)
COMPOSE_NAMES = frozenset(PODMAN_COMPOSE_NAMES)
SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"})
DEFAULT_DOCKERFILES = ("Dockerfile", "Containerfile", "dockerfile", "containerfile")


def is_dockerfile_name(name: str) -> bool:
    if name.endswith((".dockerignore", ".containerignore")):
        return False
    for base in ("Dockerfile", "Containerfile"):
        if name == base or name.startswith(base + ".") or name.endswith("." + base):
            return True
    return False


@dataclass(frozen=True)
class BuildSpec:
    """A build a compose service asks for: context, Dockerfile, target, args."""

    compose: str
    service: str
    context: str
    dockerfile: str
    target: str | None
    args: dict[str, str]
    location: Location


@dataclass
class Project:
    dockerfiles: list[str] = field(default_factory=list)
    compose: list[ComposeFile] = field(default_factory=list)
    builds: list[BuildSpec] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    env_files: list[str] = field(default_factory=list)
    compose_dirs: dict[str, list[str]] = field(default_factory=dict)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def _first(self, kind: str, path: str) -> bool:
        key = (kind, os.path.normpath(path))
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def add_dockerfile(self, path: str) -> None:
        if self._first("dockerfile", path):
            self.dockerfiles.append(path)
        self.add_context(os.path.dirname(path) or ".")

    def add_context(self, path: str) -> None:
        if self._first("context", path):
            self.contexts.append(path)


def compose_builds(compose: ComposeFile) -> list[BuildSpec]:
    """The builds a compose file's services name, with paths resolved as the tools do."""
    base = os.path.dirname(compose.path) or "."
    specs = []
    for service in compose.services.values():
        build = service.build
        if build is None:
            continue
        context = os.path.normpath(os.path.join(base, build.context))
        if build.dockerfile:
            dockerfile = os.path.normpath(os.path.join(context, build.dockerfile))
        else:
            present = [n for n in DEFAULT_DOCKERFILES if os.path.isfile(os.path.join(context, n))]
            dockerfile = os.path.join(context, present[0] if present else "Dockerfile")
        specs.append(
            BuildSpec(
                compose.path,
                service.name,
                context,
                dockerfile,
                build.target,
                build.args,
                compose.locate(build.path),
            )
        )
    return specs


def _add_compose(project: Project, path: str) -> None:
    compose = read_compose(path)
    project.compose.append(compose)
    directory = os.path.dirname(path) or "."
    project.compose_dirs.setdefault(directory, []).append(os.path.basename(path))
    env = os.path.join(directory, ".env")
    if os.path.isfile(env) and env not in project.env_files:
        project.env_files.append(env)
    for spec in compose_builds(compose):
        project.builds.append(spec)
        project.add_context(spec.context)
        if os.path.isfile(spec.dockerfile) and project._first("dockerfile", spec.dockerfile):
            project.dockerfiles.append(spec.dockerfile)


def _add_file(project: Project, path: str) -> None:
    name = os.path.basename(path)
    if name in COMPOSE_NAMES or name.endswith((".yaml", ".yml")):
        _add_compose(project, path)
    elif name in (".dockerignore", ".containerignore"):
        project.add_context(os.path.dirname(path) or ".")
    elif name == ".env" or name.endswith(".env"):
        project.env_files.append(path)
    else:
        project.add_dockerfile(path)


def _walk(project: Project, root: str) -> None:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name in COMPOSE_NAMES:
                _add_compose(project, os.path.join(directory, name))
        for name in sorted(files):
            if is_dockerfile_name(name):
                project.add_dockerfile(os.path.join(directory, name))


def discover(paths: list[str]) -> Project:
    """Everything under `paths` (directories are searched; files taken as given)."""
    project = Project()
    for path in paths:
        if os.path.isdir(path):
            _walk(project, path)
        elif os.path.isfile(path):
            _add_file(project, path)
        else:
            raise ScenarioError(Location(path), "no such file or directory")
    return project
