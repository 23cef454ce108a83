"""Join results.json documents from several runs (CI matrix legs) into one.

Each engine column keeps its own name when it is unique across the inputs;
otherwise it becomes `name@version@host` so legs on different hosts or engine
versions stay side by side. Scenario verdicts are recomputed from outcomes.
"""

from __future__ import annotations

from typing import Any

from harness.results import SCHEMA_ID, summarize


def _column(engine: dict[str, Any], clash: bool) -> str:
    if not clash:
        return str(engine["name"])
    return f"{engine['name']}@{engine.get('version', '?')}@{engine.get('host', '?')}"


def _merged_verdict(verdicts: list[str]) -> str:
    order = ["error", "divergent", "failing", "unsupported", "known-divergence", "portable"]
    return min(verdicts, key=order.index)


def merge_documents(documents: list[dict[str, Any]]) -> dict[str, Any]:
    names = [e["name"] for d in documents for e in d["engines"]]
    engines: list[dict[str, Any]] = []
    renames: list[dict[str, str]] = []
    for doc in documents:
        mapping = {}
        for engine in doc["engines"]:
            column = _column(engine, names.count(engine["name"]) > 1)
            mapping[engine["name"]] = column
            engines.append({**engine, "name": column})
        renames.append(mapping)
    scenarios: dict[str, dict[str, Any]] = {}
    verdicts: dict[str, list[str]] = {}
    for doc, mapping in zip(documents, renames, strict=True):
        for s in doc["scenarios"]:
            merged = scenarios.setdefault(s["id"], {**s, "engines": {}, "differences": []})
            merged["engines"].update({mapping[n]: o for n, o in s["engines"].items()})
            merged["differences"].extend(
                {"key": d["key"], "values": {mapping[n]: v for n, v in d["values"].items()}}
                for d in s["differences"]
            )
            verdicts.setdefault(s["id"], []).append(s["verdict"])
    for sid, merged in scenarios.items():
        merged["verdict"] = _merged_verdict(verdicts[sid])
    return {
        "schema": SCHEMA_ID,
        "run": {
            "id": "+".join(d["run"]["id"] for d in documents),
            "started": min(d["run"]["started"] for d in documents),
            "finished": max(d["run"]["finished"] for d in documents),
            "incomplete": any(d["run"].get("incomplete") for d in documents),
            "sources": [d["run"] for d in documents],
        },
        "engines": engines,
        "scenarios": list(scenarios.values()),
        "summary": summarize(s["verdict"] for s in scenarios.values()),
    }
