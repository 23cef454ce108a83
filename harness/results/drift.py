"""Version drift: what changed between two columns of the same engine at different
versions (podman 4.3 beside podman 5.4, in one run or across merged CI legs).

Per scenario, a column *diverges* on a key when one of its expectations fails there,
or its value differs from the reference column's (Docker's, where one ran) under the
one difference rule of `verdict.compare`. Between an older and a newer column of one
engine, keys diverging only on the older are fixed, only on the newer introduced.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from packaging.version import Version

from harness.model.versions import release, surface_kind
from harness.verdict.compare import differ
from harness.verdict.enums import Status

RAN = (Status.PASS, Status.FAIL)


def _reference(columns: list[str], kind: str) -> str | None:
    others = [c for c in columns if surface_kind(c) != kind]
    dockers = [c for c in others if surface_kind(c) == "docker"]
    found = dockers or others
    return found[0] if found else None


def diverging(scenario: dict[str, Any], column: str, reference: str | None) -> set[str] | None:
    """Keys on which `column` diverges in this scenario; None when it did not run it."""
    outcome = scenario["engines"].get(column)
    if not outcome or outcome["status"] not in RAN:
        return None
    keys = {c["key"] for c in outcome.get("checks", []) if not c["ok"]}
    base = scenario["engines"].get(reference or "")
    if base and base["status"] in RAN:
        for row in scenario.get("differences", []):
            values = row["values"]
            both = column in values and reference in values
            if both and differ([values[column], values[reference]]):
                keys.add(row["key"])
    return keys


def _pairs(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(older, newer, older version, newer version) per engine kind, in version order."""
    versions = {e["name"]: str(e.get("version") or "") for e in document["engines"]}
    kinds: dict[str, list[str]] = {}
    for name in versions:
        if release(versions[name]) is not None:
            kinds.setdefault(surface_kind(name), []).append(name)
    pairs = []
    for columns in kinds.values():
        ordered = sorted(columns, key=lambda c: release(versions[c]) or Version("0"))
        for old, new in pairwise(ordered):
            if release(versions[old]) != release(versions[new]):
                pairs.append((old, new, versions[old], versions[new]))
    return pairs


def drift(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per (older, newer) pair of columns of the same engine."""
    columns = [e["name"] for e in document["engines"]]
    found = []
    for old, new, old_version, new_version in _pairs(document):
        reference = _reference(columns, surface_kind(old))
        fixed, introduced, unchanged = [], [], 0
        for scenario in document["scenarios"]:
            before = diverging(scenario, old, reference)
            after = diverging(scenario, new, reference)
            if before is None or after is None:
                continue
            if before - after:
                fixed.append({"scenario": scenario["id"], "keys": sorted(before - after)})
            if after - before:
                introduced.append({"scenario": scenario["id"], "keys": sorted(after - before)})
            unchanged += not (before ^ after)
        found.append(
            {
                "engine": surface_kind(old),
                "from": old,
                "to": new,
                "from_version": old_version,
                "to_version": new_version,
                "reference": reference,
                "fixed": fixed,
                "introduced": introduced,
                "unchanged": unchanged,
            }
        )
    return found
