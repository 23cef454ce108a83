"""The leak audit: after teardown, ask the engine what still carries our labels.

Teardown removes by label, so anything found afterwards is a real leak (a
removal the engine refused, a container a CLI step started late, a daemon that
went away). Each leftover is recorded against its scenario, then removed once
more, so the next run starts clean even when this one leaked.
"""

from __future__ import annotations

import contextlib

from harness.engines.base import Engine
from harness.errors import EngineError, EngineUnavailable

_FAULTS = (EngineError, EngineUnavailable, OSError)


def remaining(engine: Engine, selector: dict[str, str]) -> list[str]:
    """`kind:id` of every container, volume and network matching `selector`."""
    found = engine.list_labelled(selector)
    return [f"{kind.rstrip('s')}:{rid}" for kind, ids in sorted(found.items()) for rid in ids]


def teardown_and_audit(engine: Engine, selector: dict[str, str]) -> list[str]:
    """Remove what matches `selector`; return the leftovers found afterwards (then removed)."""
    problem = ""
    try:
        engine.remove_labelled(selector)
    except _FAULTS as exc:
        problem = f"teardown failed: {exc}"
    try:
        left = remaining(engine, selector)
    except _FAULTS as exc:
        return [f"leak audit failed: {problem or exc}"]
    if left:
        with contextlib.suppress(*_FAULTS):
            engine.remove_labelled(selector)
    return left


def audit_run(engines: list[Engine], selector: dict[str, str]) -> dict[str, list[str]]:
    """Run-level audit across engines: leftovers per engine (only engines with any)."""
    found = {}
    for engine in engines:
        left = teardown_and_audit(engine, selector)
        if left:
            found[engine.name] = left
    return found
