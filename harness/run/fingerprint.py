"""Engine fingerprints as `harness engines` prints them, with probed capabilities.

The probes need the base image and leave nothing behind: they run under a run id of
their own, and the run-level audit removes anything a probe could not.
"""

from __future__ import annotations

from typing import Any

from harness.engines import capabilities
from harness.engines.base import Engine
from harness.labels import RUN, new_run_id
from harness.run.janitor import audit_run
from harness.run.runner import open_engines


def fingerprints(engines: list[Engine], probe: bool) -> list[dict[str, Any]]:
    """Each engine's `EngineInfo` as JSON, plus `capabilities` when `probe` is set."""
    if not probe:
        return [e.info().to_json() for e in engines]
    run_id = new_run_id()
    slots = open_engines(engines, run_id, probe=True)
    audit_run([s.engine for s in slots.values() if s.info.available], {RUN: run_id})
    out = []
    for slot in slots.values():
        data = slot.info.to_json()
        if slot.capabilities:
            data["capabilities"] = capabilities.as_json(slot.capabilities)
        out.append(data)
    return out
