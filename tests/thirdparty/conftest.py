"""Register the third-party adapter the way an installed package would be found:
a `*.dist-info/entry_points.txt` on sys.path, no `pip install`, nothing in harness/."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ENTRY_POINTS = "[harness.engines]\ndocker-cli = harness_cli_engine:CliEngine\n"
METADATA = "Metadata-Version: 2.1\nName: harness-cli-engine\nVersion: 0.1.0\n"


@pytest.fixture
def plugin_path(tmp_path: Path) -> Iterator[str]:
    """A PYTHONPATH on which `importlib.metadata` finds the docker-cli entry point."""
    dist = tmp_path / "site" / "harness_cli_engine-0.1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(METADATA)
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    paths = [str(tmp_path / "site"), str(HERE)]
    sys.path[:0] = paths
    try:
        yield ":".join(paths)
    finally:
        for path in paths:
            sys.path.remove(path)
        sys.modules.pop("harness_cli_engine", None)
        sys.modules.pop("harness_cli_engine._argv", None)
