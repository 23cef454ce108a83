"""The build context and the directories a build creates: ignore files, WORKDIR owners."""

from __future__ import annotations

from collections.abc import Iterator

from harness.errors import Location
from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, DIFFERS, Hit, rule
from harness.lint.rules._util import is_nonroot
from harness.project.ignore import read_patterns


@rule(
    "PM111",
    "both-ignore-files",
    "Both .dockerignore and .containerignore: each engine reads a different one",
    BREAKS,
    {"podman": "", "docker": ""},
    "Keep one ignore file (make .containerignore a symlink to .dockerignore, or delete it).",
    "https://docs.podman.io/en/v4.3/markdown/podman-build.1.html#files",
    ("builds.ignore-both",),
)
def both_ignore_files(inputs: Inputs) -> Iterator[Hit]:
    """When a context has both files, buildah and Podman read `.containerignore` and
    ignore `.dockerignore` entirely; Docker reads only `.dockerignore`. Files the Docker
    ignore file excluded (`.env`, keys, `node_modules`) are sent to Podman's build and
    copied into its image. Through Podman's Docker-compatible API both apply (the client
    filters by `.dockerignore`, the server by `.containerignore`)."""
    for files in inputs.ignores:
        if files.dockerignore and files.containerignore:
            podman = {p for _, p in read_patterns(files.containerignore)}
            only = [p for _, p in read_patterns(files.dockerignore) if p not in podman]
            detail = f"; left out by Docker only: {', '.join(only)}" if only else ""
            yield Hit(
                Location(files.containerignore, 1, 1),
                ".containerignore overrides .dockerignore on Podman; Docker reads only "
                f".dockerignore{detail}",
            )


@rule(
    "PM112",
    "containerignore-only",
    ".containerignore alone: Docker does not read it",
    DIFFERS,
    {"docker": ""},
    "Name the file .dockerignore (Podman reads it when no .containerignore exists).",
    "https://docs.docker.com/build/concepts/context/#dockerignore-files",
    ("builds.containerignore",),
)
def containerignore_only(inputs: Inputs) -> Iterator[Hit]:
    """Docker knows only `.dockerignore`. A context with only `.containerignore` is sent
    whole to Docker's builder, so what Podman leaves out (secrets, build output) ends up in
    Docker's image."""
    for files in inputs.ignores:
        if files.containerignore and not files.dockerignore:
            yield Hit(
                Location(files.containerignore, 1, 1),
                "Docker ignores .containerignore: its build context includes these files",
            )


@rule(
    "PM113",
    "user-then-workdir",
    "WORKDIR after a non-root USER: the directory's owner differs between builders",
    DIFFERS,
    {"docker": "", "podman": ""},
    "Create the directory explicitly before USER: `RUN mkdir -p DIR && chown USER DIR`.",
    "https://github.com/containers/buildah/issues/2323",
    ("builds.user-then-workdir",),
)
def user_then_workdir(inputs: Inputs) -> Iterator[Hit]:
    """A WORKDIR that does not exist yet is created by the build. Buildah creates it owned
    by the USER in force; Docker's classic builder creates it as root (0:0, 755), so the
    non-root user can write there on Podman and not on Docker."""
    for parsed in inputs.dockerfiles:
        for stage in parsed.stages():
            user: str | None = None
            for ins in stage.instructions:
                if ins.keyword == "USER" and ins.args:
                    user = ins.args[0]
                elif ins.keyword == "WORKDIR" and ins.args and is_nonroot(user):
                    yield Hit(
                        Location(parsed.path, ins.line, ins.column),
                        f"WORKDIR {ins.args[0]} after USER {user}: owned by {user} on Podman, "
                        "by root on Docker",
                    )
