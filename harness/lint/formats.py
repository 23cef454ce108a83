"""Output formats: text (ruff style), JSON (harness.lint/1), SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from harness.lint.findings import Finding
from harness.lint.registry import SEVERITIES, Rule

SCHEMA_ID = "harness.lint/1"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"breaks": "error", "differs": "warning", "info": "note"}
TOOL = "harness-lint"


def to_text(findings: list[Finding]) -> str:
    lines = [f.text() for f in findings]
    counts = Counter(f.severity for f in findings)
    if findings:
        summary = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
        lines.append(
            f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({summary})."
        )
    else:
        lines.append("No findings.")
    return "\n".join(lines)


def finding_json(finding: Finding) -> dict[str, Any]:
    rule = finding.rule
    out: dict[str, Any] = {
        "rule": rule.id,
        "name": rule.name,
        "severity": finding.severity,
        "rule_severity": rule.severity,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "fix": rule.fix,
        "url": rule.link,
        "evidence": list(rule.evidence),
    }
    if finding.measurement is not None:
        m = finding.measurement
        out["measured"] = {"status": m.status, "note": m.note, "engines": m.engines}
    return out


def to_json(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    document = {
        "schema": SCHEMA_ID,
        "findings": [finding_json(f) for f in findings],
        "summary": {s: counts[s] for s in SEVERITIES},
    }
    return json.dumps(document, indent=2)


def sarif_rule(rule: Rule) -> dict[str, Any]:
    help_text = f"{rule.description}\n\nFix: {rule.fix}\nApplies to: {rule.engines_text()}"
    if rule.evidence:
        help_text += "\nEvidence scenarios: " + ", ".join(rule.evidence)
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text},
        "helpUri": rule.link,
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
        "properties": {
            "severity": rule.severity,
            "evidence": list(rule.evidence),
            "engines": dict(rule.engines),
            "tags": ["portability", rule.family],
        },
    }


def sarif_result(finding: Finding, index: int) -> dict[str, Any]:
    text = finding.message
    if finding.measurement and finding.measurement.note:
        text += f" ({finding.measurement.note})"
    result: dict[str, Any] = {
        "ruleId": finding.rule.id,
        "ruleIndex": index,
        "level": SARIF_LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path.replace("\\", "/")},
                    "region": {
                        "startLine": max(finding.line, 1),
                        "startColumn": max(finding.column, 1),
                    },
                }
            }
        ],
    }
    if finding.measurement is not None:
        result["properties"] = {"measured": finding.measurement.status}
    return result


def to_sarif(findings: list[Finding], rules: list[Rule], version: str) -> str:
    index = {rule.id: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL,
                        "version": version,
                        "rules": [sarif_rule(r) for r in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [sarif_result(f, index[f.rule.id]) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2)
