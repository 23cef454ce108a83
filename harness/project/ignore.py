"""Build-context ignore files and which one each engine reads.

Docker reads `.dockerignore` only (BuildKit also `<Dockerfile>.dockerignore` beside
the Dockerfile); buildah/Podman read `.containerignore` and fall back to
`.dockerignore` only when it is absent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DOCKER, PODMAN = "docker", "podman"


@dataclass(frozen=True)
class IgnoreFiles:
    context: str
    dockerignore: str | None
    containerignore: str | None

    def effective(self, engine: str) -> str | None:
        """The ignore file `engine`'s build reads for this context (None: none)."""
        if engine == DOCKER:
            return self.dockerignore
        return self.containerignore or self.dockerignore


def find_ignore_files(context: str) -> IgnoreFiles:
    def present(name: str) -> str | None:
        path = os.path.join(context, name)
        return path if os.path.isfile(path) else None

    return IgnoreFiles(context, present(".dockerignore"), present(".containerignore"))


def read_patterns(path: str) -> list[tuple[int, str]]:
    """(line, pattern) of every non-comment line."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        return [
            (number, line.strip())
            for number, line in enumerate(handle, start=1)
            if line.strip() and not line.strip().startswith("#")
        ]
