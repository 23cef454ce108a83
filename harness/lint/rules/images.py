"""Image names: short names resolve through registries.conf on Podman, not to Docker Hub."""

from __future__ import annotations

from collections.abc import Iterator

from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, Hit, rule
from harness.project.dockerfile import remote_sources

SHORT_NAME_FIX = "Write the fully qualified name: docker.io/library/python:3.12, quay.io/org/x."
SHORT_NAME_LINK = "https://github.com/containers/podman/issues/12933"


def is_short_name(reference: str) -> bool:
    """No registry host: the first path part has no '.' or ':' and is not localhost."""
    if reference.startswith("$") or "{{" in reference:
        return False
    first, sep, _ = reference.partition("/")
    if not sep:
        return True
    return not ("." in first or ":" in first or first == "localhost")


def _local(reference: str, inputs: Inputs) -> bool:
    name = reference.split("@")[0]
    bare = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    known = inputs.local_images | inputs.built_images()
    return name in known or bare in known


@rule(
    "PM201",
    "short-name-in-dockerfile",
    "Short image name in a Dockerfile (FROM, COPY --from, RUN --mount from=)",
    BREAKS,
    {"podman": ">=3.0"},
    SHORT_NAME_FIX,
    SHORT_NAME_LINK,
)
def short_name_dockerfile(inputs: Inputs) -> Iterator[Hit]:
    """Docker expands `python:3.12` to `docker.io/library/python:3.12`. Podman resolves a
    short name through registries.conf: short-name aliases, then the unqualified-search
    registries, which may be empty ("did not resolve to an alias and no
    unqualified-search registries are defined"), prompt, or list another registry first
    (a different image under the same name). Names built locally by the same project and
    names passed with `--local-image` are not reported."""
    for parsed in inputs.dockerfiles:
        for source in remote_sources(parsed):
            if source.kind == "add-url" or not is_short_name(source.reference):
                continue
            if _local(source.reference, inputs):
                continue
            yield Hit(
                source.location,
                f"short image name {source.reference!r}: Podman resolves it through "
                "registries.conf, not to docker.io",
            )


@rule(
    "PM202",
    "short-name-in-compose",
    "Short image name in a compose `image:`",
    BREAKS,
    {"podman": ">=3.0"},
    SHORT_NAME_FIX,
    SHORT_NAME_LINK,
)
def short_name_compose(inputs: Inputs) -> Iterator[Hit]:
    """The same short-name resolution as in Dockerfiles, for images compose pulls. An
    `image:` that names what the service's own `build:` produces is not reported."""
    for compose, service in inputs.services():
        if service.image is None or service.build is not None:
            continue
        if is_short_name(service.image) and not _local(service.image, inputs):
            yield Hit(
                compose.locate((*service.path, "image")),
                f"short image name {service.image!r}: Podman resolves it through "
                "registries.conf, not to docker.io",
            )
