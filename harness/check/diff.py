"""Where engines disagree about one artifact: facts, build outcome, filesystem paths."""

from __future__ import annotations

import json
from typing import Any

from harness.check.manifest import Entry, diff_manifests
from harness.check.model import Difference, EngineResult
from harness.verdict.enums import Status

# Facts that describe how the harness observed rather than what the engine did.
NOT_COMPARED = frozenset(
    {
        "build.seconds",
        "build.bases",  # ids of images each engine built or loaded on its own
        "build.cached",
        "build.error",
        "image.format",
        "fs.entries",
        "fs.truncated",
        "run.seconds_to_settle",
        "run.stop_seconds",
        "run.health_driver",
        "run.timed_out",
    }
)
MAX_PATHS = 40
ENGINE_LABELS = frozenset({"io.buildah.version"})
STOP_TIMEOUT_S = 10


def derive(facts: dict[str, Any]) -> None:
    """Comparable facts: a stop that waited for the kill is not a number, and labels
    a builder stamps on every image (io.buildah.version) are not the project's."""
    labels = facts.get("image.labels")
    if isinstance(labels, dict):
        facts["image.labels"] = {k: v for k, v in labels.items() if k not in ENGINE_LABELS}
    seconds = facts.get("run.stop_seconds")
    if seconds is not None:
        facts["run.stop"] = "killed-after-timeout" if seconds >= STOP_TIMEOUT_S - 1 else "prompt"


def _same(values: list[Any]) -> bool:
    return len({json.dumps(v, sort_keys=True, default=str) for v in values}) <= 1


def fact_differences(artifact: str, results: dict[str, EngineResult]) -> list[Difference]:
    ran = {n: r for n, r in results.items() if r.status in (Status.PASS, Status.FAIL)}
    if len(ran) < 2:
        return []
    keys = sorted(set().union(*(r.facts for r in ran.values())) - NOT_COMPARED)
    found = []
    for key in keys:
        # Only engines that observed it: facts after a failed build are absent, not None.
        values = {n: r.facts[key] for n, r in ran.items() if key in r.facts}
        if len(values) > 1 and not _same(list(values.values())):
            found.append(Difference(artifact, key, values))
    return found


def fs_differences(artifact: str, manifests: dict[str, dict[str, Entry]]) -> list[Difference]:
    present = {n: m for n, m in manifests.items() if m}
    if len(present) < 2:
        return []
    paths = diff_manifests(present)
    found = [Difference(artifact, f"fs:/{p}", v) for p, v in list(paths.items())[:MAX_PATHS]]
    if len(paths) > MAX_PATHS:
        found[-1].note = f"{len(paths) - MAX_PATHS} more paths differ"
    return found
