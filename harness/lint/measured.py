"""Measured, not guessed: judge findings by results.json files of the user's engines.

For a rule and the engines it concerns (by family: `podman`, `podman-docker-api` and
`podman-rootless` are all `podman`), the engine versions recorded in the fingerprints
decide whether the rule applies at all; then the rule's evidence scenarios decide
whether the trap was reproduced there (a declared divergence observed, or the engine
failing) or not (portable, or the divergence went stale).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.errors import Location, ScenarioError
from harness.lint.findings import Finding, Measurement
from harness.lint.registry import INFO, Rule
from harness.results.document import SCHEMA_ID
from harness.verdict.enums import Status, Verdict

REPRODUCED, NOT_REPRODUCED = "reproduced", "not-reproduced"
NOT_APPLICABLE, UNMEASURED = "not-applicable", "unmeasured"


def family(engine: str) -> str:
    return engine.split("-")[0]


@dataclass
class Evidence:
    """Engines (name -> version) and scenario outcomes (id -> engine -> status) seen."""

    engines: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)


def _scenario_outcomes(scenario: dict[str, Any]) -> dict[str, str]:
    declared = {kd.get("engine") for kd in scenario.get("known_divergences") or []}
    out: dict[str, str] = {}
    for name, engine in (scenario.get("engines") or {}).items():
        status = engine.get("status")
        if status in (Status.ERROR, Status.UNSUPPORTED):
            continue
        failed = status == Status.FAIL and scenario["verdict"] != Verdict.FAILING
        diverged = name in declared or failed
        out[name] = REPRODUCED if diverged else NOT_REPRODUCED
    return out


def read_evidence(paths: list[str]) -> Evidence:
    evidence = Evidence()
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ScenarioError(Location(path), f"cannot read results: {exc}") from None
        if not isinstance(document, dict) or document.get("schema") != SCHEMA_ID:
            raise ScenarioError(Location(path), f"not a harness results.json ({SCHEMA_ID})")
        for engine in document.get("engines") or []:
            if engine.get("available") and engine.get("version"):
                evidence.engines[engine["name"]] = str(engine["version"])
        for scenario in document.get("scenarios") or []:
            evidence.outcomes.setdefault(scenario["id"], {}).update(_scenario_outcomes(scenario))
    return evidence


def _concerned(rule: Rule, evidence: Evidence) -> dict[str, str]:
    return {n: v for n, v in evidence.engines.items() if family(n) in rule.engines}


def measure(rule: Rule, evidence: Evidence) -> Measurement:
    engines = _concerned(rule, evidence)
    if not engines:
        return Measurement(UNMEASURED, "no results from the engines this rule concerns")
    applying = {n: v for n, v in engines.items() if rule.applies_to(family(n), v) is not False}
    if not applying:
        seen = ", ".join(f"{n} {v}" for n, v in sorted(engines.items()))
        return Measurement(NOT_APPLICABLE, f"not applicable to {seen} ({rule.engines_text()})")
    rows = [
        {"name": n, "version": v, "scenario": sid, "status": evidence.outcomes[sid][n]}
        for sid in rule.evidence
        for n, v in sorted(applying.items())
        if n in evidence.outcomes.get(sid, {})
    ]
    if not rows:
        why = "evidence not in the results" if rule.evidence else "no evidence scenario yet"
        return Measurement(UNMEASURED, why)
    hits = sorted({f"{r['name']} {r['version']}" for r in rows if r["status"] == REPRODUCED})
    if hits:
        return Measurement(REPRODUCED, "reproduced on " + ", ".join(hits), rows)
    misses = sorted({f"{r['name']} {r['version']}" for r in rows})
    return Measurement(NOT_REPRODUCED, "not reproduced on " + ", ".join(misses), rows)


def apply(findings: list[Finding], evidence: Evidence) -> None:
    """Attach measurements; downgrade to info what does not apply or did not reproduce."""
    cache: dict[str, Measurement] = {}
    for finding in findings:
        if finding.rule.id not in cache:
            cache[finding.rule.id] = measure(finding.rule, evidence)
        finding.measurement = cache[finding.rule.id]
        if finding.measurement.status in (NOT_APPLICABLE, NOT_REPRODUCED):
            finding.severity = INFO
