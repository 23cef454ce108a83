"""Build one artifact on one engine with that engine's defaults, cached by content hash.

No build format is asked for: Podman's default (OCI) is part of what a check observes.
The tag hashes the Dockerfile, the context tree, target, args and the engine, so an
unchanged project is built once per engine and later checks reuse it (label CACHE).
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from harness.check.model import Artifact
from harness.engines.base import BuildRequest, Engine
from harness.errors import EngineError
from harness.labels import CACHE, ENGINE, OWNER, RUN, SCENARIO, owner
from harness.run.images import _hash_tree

CHECK_SCENARIO = "check"
# Podman's shared store: another client removing an image or container during our build
# (see harness.run.images.ImageCache._build). Not a property of the user's Dockerfile.
SHARED_STORE_RACES = ("layer not known", "identifier is not a container")


@dataclass(frozen=True)
class Built:
    ref: str | None
    seconds: float
    cached: bool
    error: str | None = None


def cache_tag(artifact: Artifact, engine: Engine, base_ids: list[str]) -> str:
    digest = hashlib.sha256(Path(artifact.dockerfile).read_bytes())
    for part in (repr(artifact.args), str(artifact.target), engine.name, *base_ids):
        digest.update(part.encode())
    _hash_tree(Path(artifact.context), digest)
    return f"harness-check-{artifact.id}:{digest.hexdigest()[:16]}"


def build_labels(run_id: str, engine: Engine, tag: str, cache: bool) -> dict[str, str]:
    """Only a cached image carries CACHE (what `harness clean --images` removes); one
    built for this check alone (--no-cache) is removed by the check itself."""
    labels = {RUN: run_id, SCENARIO: CHECK_SCENARIO, OWNER: owner(), ENGINE: engine.name}
    if cache:
        labels[CACHE] = tag.rsplit(":", 1)[1]
    return labels


def build_artifact(
    artifact: Artifact, engine: Engine, run_id: str, base_ids: list[str], use_cache: bool
) -> Built:
    """Build (or reuse); a builder's refusal is a result (`error`), not an exception."""
    tag = cache_tag(artifact, engine, base_ids)
    if not use_cache:  # this check's own image: never the cache entry of the same content
        tag += "-" + run_id[-6:].lower()
    ref = engine.image_ref(tag)
    if use_cache and engine.image_exists(ref):
        return Built(ref, 0.0, True)
    containerfile = os.path.relpath(artifact.dockerfile, artifact.context)
    if containerfile.startswith(".."):
        return Built(None, 0.0, False, f"{artifact.dockerfile} is outside its context")
    request = BuildRequest(
        context=Path(artifact.context),
        containerfile=containerfile,
        tag=tag,
        labels=build_labels(run_id, engine, tag, use_cache),
        build_args=dict(artifact.args),
        target=artifact.target,
    )
    started = time.monotonic()
    for attempt in (1, 2, 3):
        try:
            engine.build(request)
            return Built(ref, time.monotonic() - started, False)
        except EngineError as exc:
            if attempt == 3 or not any(r in str(exc) for r in SHARED_STORE_RACES):
                return Built(None, time.monotonic() - started, False, str(exc))
            time.sleep(0.5 * attempt)
    raise AssertionError("unreachable")
