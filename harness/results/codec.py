"""EngineOutcome <-> plain data, so an outcome can travel from a pytest-xdist
worker to the controller (report.user_properties go through execnet, which
carries only builtin types). Both pytest modes, serial and distributed, send
outcomes through this codec so they judge the very same values."""

from __future__ import annotations

import json
from typing import Any

from harness.verdict.compare import Check, EngineOutcome
from harness.verdict.enums import Status


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=repr))


def outcome_to_wire(outcome: EngineOutcome) -> dict[str, Any]:
    return {
        "status": str(outcome.status),  # execnet carries builtin types only, not enums
        "duration_s": outcome.duration_s,
        "checks": [_plain(c.to_json()) for c in outcome.checks],
        "observations": _plain(outcome.observations),
        "error": outcome.error,
        "leftovers": list(outcome.leftovers),
        "raw": _plain(outcome.raw),
    }


def outcome_from_wire(data: dict[str, Any]) -> EngineOutcome:
    return EngineOutcome(
        status=Status(data["status"]),
        duration_s=data["duration_s"],
        checks=[Check(c["key"], c["expected"], c["actual"], c["ok"]) for c in data["checks"]],
        observations=dict(data["observations"]),
        error=data["error"],
        leftovers=list(data["leftovers"]),
        raw=dict(data.get("raw", {})),
    )
