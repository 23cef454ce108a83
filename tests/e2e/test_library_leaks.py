"""The whole scenario library on both engines leaves nothing behind: no leftovers
recorded by any scenario's leak audit, none at the end of the run, and nothing
carrying the run's labels afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.labels import RUN
from harness.results.document import validate
from tests import library
from tests.e2e.crash_support import BOTH, engines, harness

pytestmark = [pytest.mark.engine, pytest.mark.slow]


def test_full_library_leaves_zero_leftovers(tmp_path: Path) -> None:
    args = ("scenarios", *library.FLAGS, *BOTH, "-j", "2", "-q", "--out", str(tmp_path))
    done = harness("run", *args, timeout=2400)
    assert done.returncode in (0, 1, 3), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    validate(document)
    assert len(document["scenarios"]) >= 90
    leaks = {
        (s["id"], name): o["leftovers"]
        for s in document["scenarios"]
        for name, o in s["engines"].items()
        if o["leftovers"]
    }
    assert leaks == {}
    assert document["run"]["leftovers"] == {}
    for engine in engines():
        found = engine.list_labelled({RUN: document["run"]["id"]})
        assert all(not ids for ids in found.values()), (engine.name, found)
        engine.close()
