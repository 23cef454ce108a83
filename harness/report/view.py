"""The page model of report.html: what the template lays out and the compact
JSON the page's script renders drill-downs from on demand.

Observations are the bulk of a results document (dozens of keys per engine, per
scenario), so each key is stored once with one value when every engine agrees
and per engine only when they differ; that keeps 500 scenarios x 4 engines a
few megabytes and lets the page open without building hidden DOM.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from harness.report import drift, representation
from harness.report.escape import safe_url
from harness.report.repro import binaries, commands
from harness.report.verdicts import (
    ABSENT,
    STATUS_LABELS,
    STATUS_SYMBOLS,
    VERDICT_LABELS,
    VERDICT_ORDER,
    VERDICT_SYMBOLS,
)

_MISSING = object()


def _observations(outcomes: dict[str, Any]) -> list[list[Any]]:
    """[[key, value]] when every engine agrees, [[key, {engine: value}, 1]] when not."""
    keys = sorted({k for o in outcomes.values() for k in o.get("observations", {})})
    rows: list[list[Any]] = []
    for key in keys:
        values = {n: o.get("observations", {}).get(key, _MISSING) for n, o in outcomes.items()}
        distinct = {repr(v) for v in values.values()}
        if len(distinct) == 1 and _MISSING not in values.values():
            rows.append([key, next(iter(values.values()))])
        else:
            rows.append([key, {n: v for n, v in values.items() if v is not _MISSING}, 1])
    return rows


def _checks(outcomes: dict[str, Any]) -> list[list[Any]]:
    """[[key, expected, {engine: [ok, actual]}]] in expectation order."""
    rows: dict[str, list[Any]] = {}
    for name, outcome in outcomes.items():
        for c in outcome.get("checks", []):
            row = rows.setdefault(c["key"], [c["key"], c["expected"], {}])
            row[2][name] = [c["ok"], c["actual"]]
    return list(rows.values())


def _cell(scenario: dict[str, Any], engine: str) -> dict[str, Any]:
    """One matrix cell: the engine's status, and whether it differs (explained or not)."""
    outcome = scenario["engines"].get(engine)
    status = outcome["status"] if outcome else ABSENT
    explained = {kd.get("key") for kd in scenario.get("known_divergences", [])}
    keys = {d["key"] for d in scenario["differences"] if engine in d["values"]}
    known = any(kd.get("engine") == engine for kd in scenario.get("known_divergences", []))
    return {
        "status": status,
        "symbol": STATUS_SYMBOLS.get(status, "?"),
        "label": STATUS_LABELS.get(status, status),
        "known": known or bool(keys & explained),
        "differs": bool(keys - explained),
        "duration": outcome["duration_s"] if outcome else None,
    }


def _detail(scenario: dict[str, Any], clis: list[str]) -> dict[str, Any]:
    outcomes = scenario["engines"]
    steps = scenario.get("steps", [])
    images = scenario.get("images", {})
    return {
        "id": scenario["id"],
        "title": scenario["title"],
        "description": scenario.get("description", ""),
        "file": scenario["file"],
        "line": scenario.get("line"),
        "refs": [_ref(r) for r in scenario.get("refs", [])],
        "verdict": scenario["verdict"],
        "legs": scenario.get("legs", []),
        "expect": scenario.get("expect", {}),
        "engines": {
            n: {
                "status": o["status"],
                "duration_s": o["duration_s"],
                "error": o.get("error"),
                "leftovers": o.get("leftovers", []),
            }
            for n, o in outcomes.items()
        },
        "checks": _checks(outcomes),
        "obs": _observations(outcomes),
        "differences": scenario["differences"],
        "representation": scenario.get("representation", []),
        "known": [_linked(kd) for kd in scenario.get("known_divergences", [])],
        "stale": [_linked(kd) for kd in scenario.get("stale_divergences", [])],
        "repro": {b: commands(steps, b, images) for b in clis} if steps else {},
    }


def _ref(ref: str) -> str:
    """A ref the page links only when it is http(s); anything else is shown as text."""
    return ref if safe_url(ref) else f"(not a link) {ref}"


def _linked(divergence: dict[str, Any]) -> dict[str, Any]:
    """A known divergence whose `link` is an http(s) URL, or none (kept as `why` text)."""
    link = divergence.get("link")
    if link is None or safe_url(link):
        return divergence
    why = f"{divergence.get('why', '')} (link, not an http(s) URL: {link})"
    return {**divergence, "link": None, "why": why}


def _legs_disagree(scenario: dict[str, Any]) -> bool:
    return len({leg["verdict"] for leg in scenario.get("legs", [])}) > 1


def _row(scenario: dict[str, Any], engines: list[str], index: int) -> dict[str, Any]:
    verdict = scenario["verdict"]
    search = " ".join(
        [scenario["id"], scenario["title"], scenario["area"], scenario["file"]]
        + [d["key"] for d in scenario["differences"]]
    ).lower()
    return {
        "index": index,
        "id": scenario["id"],
        "title": scenario["title"],
        "area": scenario["area"],
        "verdict": verdict,
        "symbol": VERDICT_SYMBOLS.get(verdict, "?"),
        "label": VERDICT_LABELS.get(verdict, verdict),
        "cells": [_cell(scenario, e) for e in engines],
        "ran": " ".join(e for e in engines if e in scenario["engines"]),
        "stale": bool(scenario.get("stale_divergences")),
        "host_access": scenario.get("host_access", []),
        "leftovers": _leftovers(scenario),
        "legs": scenario.get("legs", []),
        "legs_disagree": _legs_disagree(scenario),
        "search": search,
    }


def _leftovers(scenario: dict[str, Any]) -> list[str]:
    return [
        f"{name}: {item}"
        for name, outcome in scenario["engines"].items()
        for item in outcome.get("leftovers", [])
    ]


def _by_area(scenarios: list[dict[str, Any]]) -> list[dict[str, Any]]:
    areas: dict[str, Counter[str]] = {}
    for s in scenarios:
        areas.setdefault(s["area"], Counter())[s["verdict"]] += 1
    return [
        {"area": a, "total": sum(c.values()), "counts": [c.get(v, 0) for v in VERDICT_ORDER]}
        for a, c in sorted(areas.items())
    ]


def build_view(document: dict[str, Any]) -> dict[str, Any]:
    """Everything report.html.j2 needs, computed once in Python."""
    engines = [e["name"] for e in document["engines"]]
    scenarios = sorted(
        document["scenarios"],
        key=lambda s: (VERDICT_ORDER.index(s["verdict"]), s["area"], s["id"]),
    )
    counts = Counter(s["verdict"] for s in scenarios)
    clis = binaries(engines, [str(e.get("cli") or "") for e in document["engines"]])
    return {
        "doc": document,
        "engines": engines,
        "verdicts": [
            {
                "name": v,
                "symbol": VERDICT_SYMBOLS[v],
                "label": VERDICT_LABELS[v],
                "count": counts.get(v, 0),
            }
            for v in VERDICT_ORDER
        ],
        "areas": _by_area(scenarios),
        "rows": [_row(s, engines, i) for i, s in enumerate(scenarios)],
        "stale_total": sum(1 for s in scenarios if s.get("stale_divergences")),
        "representation": representation.summary(document),
        "drift": drift.pairs(document),
        "legs_disagree": sum(1 for s in scenarios if _legs_disagree(s)),
        "host_access_total": sum(1 for s in scenarios if s.get("host_access")),
        "leak_total": sum(1 for s in scenarios if _leftovers(s)),
        "run_leftovers": document["run"].get("leftovers") or {},
        "details": [_detail(s, clis) for s in scenarios],
    }
