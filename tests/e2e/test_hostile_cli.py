"""Bad scenario files through `harness run` create nothing on any engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import BAD_INPUT, main
from harness.engines import create_engine
from harness.labels import OWNER, owner
from tests.hostile_cases import TRAPS

pytestmark = [pytest.mark.engine]


def test_no_trap_creates_an_engine_resource(tmp_path: Path) -> None:
    """By labels, before and after: every trap through `harness run` leaves no trace."""
    engines = [create_engine("docker"), create_engine("podman")]
    engines = [e for e in engines if e.info().available]
    if not engines:
        pytest.skip("no engine answers")
    mine = {OWNER: owner()}
    before = {e.name: e.list_labelled(mine) for e in engines}
    for i, text in enumerate(TRAPS.values()):
        path = tmp_path / f"trap{i}.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == BAD_INPUT
    for engine in engines:
        assert engine.list_labelled(mine) == before[engine.name]
        engine.close()
