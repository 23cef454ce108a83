"""A scenario's build context is refused at load time (file:line:col of `context`) when
it holds something a copy would never finish reading, or that leads out of it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import ScenarioErrors
from harness.model import context
from harness.model.loader import load_scenario

SCENARIO = """\
schema: 1
id: demo.context
area: demo
title: A build context
refs: [https://docs.docker.com/build/concepts/context/]
images:
  app:
    context: ctx
steps:
  - run: {name: first, image: app}
"""


def _scenario(tmp_path: Path) -> Path:
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Containerfile").write_text("FROM {{ base }}\n")
    (tmp_path / "s.yaml").write_text(SCENARIO)
    return tmp_path / "s.yaml"


def _refusal(path: Path) -> str:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    (error,) = info.value.errors
    return str(error.args[0])


def test_a_fifo_in_the_context_is_refused_at_the_context_key(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    os.mkfifo(tmp_path / "ctx" / "pipe")
    refusal = _refusal(path)
    assert refusal.startswith(f"{path}:8:") and "pipe in the build context is a FIFO" in refusal


def test_a_symlink_out_of_the_context_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    (tmp_path / "ctx" / "etc").symlink_to("/etc")
    assert "links outside it" in _refusal(path)


def test_an_oversized_context_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _scenario(tmp_path)
    monkeypatch.setattr(context, "MAX_CONTEXT_BYTES", 10)
    (tmp_path / "ctx" / "big").write_bytes(b"x" * 11)
    assert "larger than" in _refusal(path)


def test_an_ordinary_context_loads(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    (tmp_path / "ctx" / "inside").symlink_to("Containerfile")
    assert load_scenario(path).scenario.id == "demo.context"


def test_an_unknown_placeholder_in_a_context_containerfile_is_refused(tmp_path: Path) -> None:
    path = _scenario(tmp_path)
    (tmp_path / "ctx" / "Containerfile").write_text("FROM {{ ghost }}\n")
    refusal = _refusal(path)
    assert "unknown placeholder {{ ghost }}" in refusal and refusal.startswith(f"{path}:")
