"""BuildKit-only Dockerfile syntax that older Podman builds reject or ignore."""

from __future__ import annotations

from collections.abc import Iterator

from harness.errors import Location
from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, INFO, Hit, rule
from harness.lint.rules._util import instructions

NEWER_MOUNTS = ("cache", "secret", "ssh")


@rule(
    "PM121",
    "heredoc",
    "Heredocs in RUN/COPY need buildah 1.33 (Podman 4.8) or newer",
    BREAKS,
    {"podman": "<4.8"},
    "Use a script file COPY'd into the image, or `RUN printf ... > file`.",
    "https://github.com/containers/buildah/issues/3474",
)
def heredoc(inputs: Inputs) -> Iterator[Hit]:
    """BuildKit reads `RUN <<EOF ... EOF` and `COPY <<EOF dest` as here-documents. Buildah
    before 1.33 (Podman before 4.8) reads the `<<EOF` as shell text and the following
    lines as instructions, so the build fails or runs something else."""
    for parsed in inputs.dockerfiles:
        for ins in parsed.instructions:
            if ins.heredocs:
                yield Hit(
                    Location(parsed.path, ins.line, ins.column),
                    f"{ins.keyword} with a heredoc: Podman < 4.8 cannot build it",
                )


@rule(
    "PM122",
    "run-mount-buildkit",
    "RUN --mount=type=cache|secret|ssh needs Podman 4.1 or newer",
    BREAKS,
    {"podman": "<4.1"},
    "Upgrade Podman to 4.1+, or drop the cache mount for Podman builds.",
    "https://github.com/containers/podman/issues/12062",
)
def run_mount(inputs: Inputs) -> Iterator[Hit]:
    """BuildKit's `RUN --mount=type=cache` (and `secret`, `ssh`) fail on older Podman with
    `invalid mount type "cache"`; newer buildah accepts them but not every option
    (`sharing=private` is still refused by some releases)."""
    for parsed in inputs.dockerfiles:
        for ins in instructions(parsed, "RUN"):
            for flag in ins.flag_values("mount"):
                kind = next(
                    (p.partition("=")[2] for p in flag.split(",") if p.startswith("type=")), "bind"
                )
                if kind in NEWER_MOUNTS:
                    yield Hit(
                        parsed.find(ins, f"--mount={flag}"),
                        f"RUN --mount=type={kind}: fails on Podman < 4.1",
                    )


@rule(
    "PM123",
    "syntax-directive",
    "`# syntax=` frontends are ignored by Podman's builder",
    INFO,
    {"podman": ""},
    "Keep to the Dockerfile features buildah implements natively; do not rely on the frontend.",
    "https://github.com/containers/buildah/issues/3474",
)
def syntax_directive(inputs: Inputs) -> Iterator[Hit]:
    """Docker (BuildKit) downloads and runs the frontend image the `# syntax=` directive
    names, which decides the Dockerfile features available (labs flags, newer heredoc
    rules). Buildah has its own parser and ignores the directive, so a Dockerfile that
    needs a newer frontend can parse differently on Podman."""
    for parsed in inputs.dockerfiles:
        if "syntax" in parsed.directives:
            for number, text in enumerate(parsed.lines, start=1):
                if "syntax" in text:
                    yield Hit(
                        Location(parsed.path, number, 1),
                        f"# syntax={parsed.directives['syntax']} is ignored by Podman",
                    )
                    break
