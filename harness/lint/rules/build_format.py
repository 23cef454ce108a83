"""What Podman's default OCI build format drops: HEALTHCHECK, SHELL, ONBUILD."""

from __future__ import annotations

from collections.abc import Iterator

from harness.errors import Location
from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, Hit, rule
from harness.lint.rules._util import instructions

FORMAT_FIX = (
    "Build with `podman build --format docker` (or BUILDAH_FORMAT=docker), or move the "
    "setting out of the image (a compose `healthcheck:`, a `bash -c` in RUN)."
)


@rule(
    "PM101",
    "healthcheck-dropped-by-oci-build",
    "HEALTHCHECK is dropped when Podman builds in its default OCI format",
    BREAKS,
    {"podman": ""},
    FORMAT_FIX,
    "https://github.com/containers/podman/issues/5680",
    ("healthchecks.image-oci-format", "builds.keeps-default-format"),
)
def healthcheck_dropped(inputs: Inputs) -> Iterator[Hit]:
    """`podman build` writes OCI images unless told otherwise, and the OCI image config
    has no healthcheck field: buildah drops HEALTHCHECK with only a warning on stderr.
    Containers of the image have no healthcheck, so anything that waits for "healthy"
    (compose `depends_on: service_healthy`, deploy scripts) waits forever."""
    for parsed in inputs.dockerfiles:
        for ins in instructions(parsed, "HEALTHCHECK"):
            if ins.args and ins.args[0].upper() == "NONE":
                continue
            yield Hit(
                Location(parsed.path, ins.line, ins.column),
                "HEALTHCHECK is dropped by `podman build` (OCI format)",
            )


@rule(
    "PM102",
    "shell-ignored-by-oci-build",
    "SHELL is ignored by Podman's OCI-format builds, so RUN lines run under /bin/sh",
    BREAKS,
    {"podman": ""},
    FORMAT_FIX,
    "https://github.com/containers/buildah/issues/2741",
    ("builds.keeps-oci-format", "builds.keeps-default-format"),
)
def shell_ignored(inputs: Inputs) -> Iterator[Hit]:
    """In OCI format buildah ignores SHELL altogether, even for the RUN lines of the
    same build: `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` (as hadolint's DL4006
    recommends) silently becomes `/bin/sh -c`, so pipefail, `[[ ]]` and arrays break
    or change the result (dash on Debian and Ubuntu images)."""
    for parsed in inputs.dockerfiles:
        for ins in instructions(parsed, "SHELL"):
            yield Hit(
                Location(parsed.path, ins.line, ins.column),
                f"SHELL {list(ins.args)} is ignored by `podman build` (OCI format)",
            )


@rule(
    "PM103",
    "onbuild-dropped-by-oci-build",
    "ONBUILD triggers are not kept in Podman's OCI-format images",
    BREAKS,
    {"podman": ""},
    FORMAT_FIX,
    "https://github.com/containers/buildah/issues/2963",
    ("builds.keeps-default-format",),
)
def onbuild_dropped(inputs: Inputs) -> Iterator[Hit]:
    """ONBUILD is a Docker image-format field. An image built by Podman in OCI format
    carries no triggers, so every image built FROM it silently misses those COPY/RUN
    steps."""
    for parsed in inputs.dockerfiles:
        for ins in instructions(parsed, "ONBUILD"):
            yield Hit(
                Location(parsed.path, ins.line, ins.column),
                f"ONBUILD {ins.sub_keyword} is dropped by `podman build` (OCI format)",
            )
