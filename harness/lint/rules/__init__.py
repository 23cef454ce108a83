"""Rule families, one module each; importing this package registers every rule."""

from harness.lint.rules import (  # noqa: F401
    build_context,
    build_format,
    buildkit,
    compose_tools,
    images,
    mounts,
    network,
    runtime,
)
