"""Join results.json documents from several runs (CI matrix legs) into one.

Each engine column keeps its own name when it is unique across the inputs;
otherwise it becomes `name@version@host` (plus `#n` if even that clashes) so
legs on different hosts or engine versions stay side by side. Every scenario
keeps its verdict per leg in `legs`, so a scenario portable on one leg and
divergent on another stays visible; the merged verdict is the worst of them.
"""

from __future__ import annotations

from typing import Any

from harness.results.document import SCHEMA_ID, summarize
from harness.results.drift import drift
from harness.verdict.compare import differ
from harness.verdict.enums import WORST_FIRST

_MISSING = object()


def _columns(documents: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Per document, engine name → merged column name, unique across all documents."""
    names = [e["name"] for d in documents for e in d["engines"]]
    taken: set[str] = set()
    mappings: list[dict[str, str]] = []
    for doc in documents:
        mapping: dict[str, str] = {}
        for engine in doc["engines"]:
            column = str(engine["name"])
            if names.count(column) > 1:
                host = engine.get("host") or doc["run"].get("host", {}).get("name", "?")
                column = f"{engine['name']}@{engine.get('version', '?')}@{host}"
            unique, n = column, 2
            while unique in taken:
                unique, n = f"{column}#{n}", n + 1
            taken.add(unique)
            mapping[engine["name"]] = unique
        mappings.append(mapping)
    return mappings


def _unique(items: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _differences(merged: dict[str, Any], keys: list[str]) -> list[dict[str, Any]]:
    """One row per differing key across every column, so legs compare with each other."""
    rows = []
    for key in keys:
        values = {
            column: outcome["observations"].get(key, _MISSING)
            for column, outcome in merged["engines"].items()
        }
        present = {c: v for c, v in values.items() if v is not _MISSING}
        if differ(list(present.values())):
            rows.append({"key": key, "values": present})
    return rows


def _renamed(declarations: list[dict[str, Any]], mapping: dict[str, str]) -> list[Any]:
    """Declarations with their engine named as its merged column."""
    return [{**kd, "engine": mapping.get(kd["engine"], kd["engine"])} for kd in declarations]


def _merge_scenario(parts: list[tuple[dict[str, Any], dict[str, str], str]]) -> dict[str, Any]:
    first = parts[0][0]
    merged: dict[str, Any] = {**first, "engines": {}, "legs": []}
    known: list[Any] = []
    stale: list[Any] = []
    fixed: list[Any] = []
    keys: list[str] = []
    for scenario, mapping, run_id in parts:
        columns = {mapping[n]: o for n, o in scenario["engines"].items()}
        merged["engines"].update(columns)
        merged["legs"].append(
            {"run": run_id, "verdict": scenario["verdict"], "engines": sorted(columns)}
        )
        known += _renamed(scenario.get("known_divergences", []), mapping)
        stale += _renamed(scenario.get("stale_divergences", []), mapping)
        fixed += _renamed(scenario.get("fixed_divergences", []), mapping)
        keys += [d["key"] for d in scenario["differences"]]
    merged["known_divergences"] = _unique(known)
    merged["stale_divergences"] = _unique(stale)
    merged["fixed_divergences"] = _unique(fixed)
    merged["host_access"] = _unique([f for s, _, _ in parts for f in s.get("host_access", [])])
    merged["differences"] = _differences(merged, _unique(keys))
    merged["verdict"] = min((leg["verdict"] for leg in merged["legs"]), key=WORST_FIRST.index)
    return merged


def merge_documents(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """One document with every leg's engines as columns and every scenario once."""
    mappings = _columns(documents)
    engines = [
        {**engine, "name": mapping[engine["name"]]}
        for doc, mapping in zip(documents, mappings, strict=True)
        for engine in doc["engines"]
    ]
    parts: dict[str, list[tuple[dict[str, Any], dict[str, str], str]]] = {}
    for doc, mapping in zip(documents, mappings, strict=True):
        for s in doc["scenarios"]:
            parts.setdefault(s["id"], []).append((s, mapping, doc["run"]["id"]))
    scenarios = [_merge_scenario(p) for p in parts.values()]
    document: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "run": {
            "id": "+".join(d["run"]["id"] for d in documents),
            "started": min(d["run"]["started"] for d in documents),
            "finished": max(d["run"]["finished"] for d in documents),
            "incomplete": any(d["run"].get("incomplete") for d in documents),
            "sources": [d["run"] for d in documents],
        },
        "engines": engines,
        "scenarios": scenarios,
        "summary": summarize(s["verdict"] for s in scenarios),
    }
    document["drift"] = drift(document)
    return document
