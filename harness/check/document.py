"""A check as a results.json document: each artifact a scenario entry, plus `check`.

The entries use the run document's shape, so junit.xml, summary.md and report.html
render a check as they render a run; the `check` section (additive in the schema)
holds the project, artifacts, differences tied to file:line, and lint findings.
"""

from __future__ import annotations

import platform
import socket
from datetime import UTC, datetime
from typing import Any

from harness.check.model import Difference, EngineResult
from harness.check.runner import ArtifactCheck, CheckRun
from harness.lint.findings import Finding
from harness.results.document import SCHEMA_ID, summarize
from harness.verdict.enums import Status, Verdict


def verdict(done: ArtifactCheck) -> Verdict:
    statuses = [r.status for r in done.results.values()]
    if Status.ERROR in statuses:
        return Verdict.ERROR
    if sum(s != Status.UNSUPPORTED for s in statuses) < 2:
        return Verdict.UNSUPPORTED
    if done.differences:
        return Verdict.DIVERGENT
    if statuses and all(s == Status.FAIL for s in statuses):
        return Verdict.FAILING
    return Verdict.PORTABLE


def _outcome(result: EngineResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "duration_s": result.duration_s,
        "checks": [],
        "observations": dict(sorted(result.facts.items())),
        "error": (result.reason or None) if result.status != Status.PASS else None,
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _scenario(done: ArtifactCheck) -> dict[str, Any]:
    artifact = done.artifact
    return {
        "id": f"check.{artifact.id}",
        "area": "check",
        "title": f"{artifact.id} ({artifact.dockerfile})",
        "file": artifact.dockerfile,
        "line": 1,
        "verdict": verdict(done),
        "engines": {name: _outcome(r) for name, r in done.results.items()},
        "differences": [{"key": d.key, "values": d.values} for d in done.differences],
        "images": {"image": dict(done.refs)} if done.refs else {},
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule.id,
        "severity": finding.severity,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "scenarios": list(finding.rule.evidence),
        "fix": finding.rule.fix,
    }


def _artifact(done: ArtifactCheck) -> dict[str, Any]:
    a = done.artifact
    return {
        "id": a.id,
        "dockerfile": a.dockerfile,
        "context": a.context,
        "target": a.target,
        "services": [{"compose": c, "service": s} for c, s in a.services],
        "verdict": verdict(done),
        "engines": {
            n: {"status": r.status, "reason": r.reason, "fix": r.fix, "notes": r.notes}
            for n, r in done.results.items()
        },
    }


def to_document(run: CheckRun, findings: list[Finding], engines: list[Any]) -> dict[str, Any]:
    differences: list[Difference] = [d for a in run.artifacts for d in a.differences]
    scenarios = [_scenario(a) for a in run.artifacts]
    return {
        "schema": SCHEMA_ID,
        "run": {
            "id": run.options.run_id,
            "started": _iso(run.started),
            "finished": _iso(datetime.now(UTC).timestamp()),
            "incomplete": False,
            "host": {
                "name": socket.gethostname(),
                "os": platform.platform(),
                "python": platform.python_version(),
            },
            "leftovers": run.leftovers,
        },
        "engines": [{**info.to_json(), "host": socket.gethostname()} for info in engines],
        "scenarios": scenarios,
        "summary": summarize(s["verdict"] for s in scenarios),
        "check": {
            "project": run.project.root,
            "artifacts": [_artifact(a) for a in run.artifacts],
            "differences": [d.to_json() for d in differences],
            "compose": run.compose,
            "lint": [_finding(f) for f in findings],
            "leftovers": run.leftovers,
        },
    }
