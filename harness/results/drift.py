"""Version drift: what changed between two columns of the same engine at different
versions (podman 4.3 beside podman 5.4, in one run or across merged CI legs).

Per scenario, a column *diverges* on a key when one of its expectations fails there,
or its value differs from the reference column's under the one difference rule of
`verdict.compare`. The reference is the newest Docker column (Docker's behaviour is
what the harness measures portability against; one column for both sides of a pair,
so only the engine under study moves); for Docker's own pairs, and where no Docker
ran, it is none, and only expectations judge. Between an older and a newer column of
one engine, keys diverging only on the older are fixed, only on the newer introduced;
keys whose value differs between the two and that are neither are changed.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from packaging.version import Version

from harness.model.versions import release, surface_kind
from harness.verdict.compare import differ
from harness.verdict.enums import Status

RAN = (Status.PASS, Status.FAIL)
REFERENCE_KIND = "docker"


def _reference(document: dict[str, Any], kind: str) -> str | None:
    """The newest Docker column (first listed among equals), or None for Docker itself."""
    if kind == REFERENCE_KIND:
        return None
    dockers = [e for e in document["engines"] if surface_kind(e["name"]) == REFERENCE_KIND]
    newest = max(dockers, key=lambda e: _version(e.get("version")), default=None)
    return str(newest["name"]) if newest else None


def _version(text: Any) -> Version:
    return release(str(text or "")) or Version("0")


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


def _changed(scenario: dict[str, Any], old: str, new: str) -> set[str]:
    """Keys whose value differs between the two columns."""
    return {
        row["key"]
        for row in scenario.get("differences", [])
        if old in row["values"]
        and new in row["values"]
        and differ([row["values"][old], row["values"][new]])
    }


def _pairs(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(older, newer, older version, newer version) per engine kind, in version order."""
    versions = {e["name"]: str(e.get("version") or "") for e in document["engines"]}
    kinds: dict[str, list[str]] = {}
    for name in versions:
        if release(versions[name]) is not None:
            kinds.setdefault(surface_kind(name), []).append(name)
    pairs = []
    for columns in kinds.values():
        ordered = sorted(columns, key=lambda c: _version(versions[c]))
        for old, new in pairwise(ordered):
            if release(versions[old]) != release(versions[new]):
                pairs.append((old, new, versions[old], versions[new]))
    return pairs


def _compare(document: dict[str, Any], old: str, new: str, reference: str | None) -> dict[str, Any]:
    """Fixed, introduced and changed rows, and the count of scenarios that kept theirs."""
    found: dict[str, Any] = {"fixed": [], "introduced": [], "changed": [], "unchanged": 0}
    for scenario in document["scenarios"]:
        before = diverging(scenario, old, reference)
        after = diverging(scenario, new, reference)
        if before is None or after is None:
            continue
        rows = {
            "fixed": before - after,
            "introduced": after - before,
            "changed": _changed(scenario, old, new) - (before ^ after),
        }
        for name, keys in rows.items():
            if keys:
                found[name].append({"scenario": scenario["id"], "keys": sorted(keys)})
        found["unchanged"] += not any(rows.values())
    return found


def drift(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per (older, newer) pair of columns of the same engine."""
    found = []
    for old, new, old_version, new_version in _pairs(document):
        reference = _reference(document, surface_kind(old))
        found.append(
            {
                "engine": surface_kind(old),
                "from": old,
                "to": new,
                "from_version": old_version,
                "to_version": new_version,
                "reference": reference,
                **_compare(document, old, new, reference),
            }
        )
    return found
