"""Hostile and broken scenario files: every one is refused with file:line:col, and
nothing else ever escapes the loader (no traceback, no other exception)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import BAD_INPUT, main
from harness.errors import ScenarioErrors
from harness.model.loader import load_all, load_scenario
from tests.hostile_cases import GOOD, MUTATIONS, TRAPS, dump, mutate, position_pattern

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def write(directory: Path, text: str, name: str = "case.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    return path


def assert_rejected(path: Path) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    messages = [str(e.args[0]) for e in info.value.errors]
    pattern = position_pattern(path)
    assert messages and all(pattern.match(m) for m in messages), messages
    return messages


def test_the_base_of_every_case_is_valid(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, GOOD)).scenario.id == "fuzz.base"


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_trap_is_rejected_with_a_position(tmp_path: Path, name: str) -> None:
    assert_rejected(write(tmp_path, TRAPS[name]))


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_trap_through_the_cli_exits_2_without_traceback(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, TRAPS[name])
    # `run` loads everything before it creates an engine: a bad file touches none.
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == BAD_INPUT
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: ", err, re.M), err
    assert not (tmp_path / "out").exists()


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    first, second = write(tmp_path, GOOD, "a.yaml"), write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ScenarioErrors) as info:
        load_all([tmp_path])
    (error,) = info.value.errors
    assert str(error).startswith(f"{second}:2:5: duplicate scenario id 'fuzz.base'")
    assert str(first) in str(error)


def test_a_fifo_and_a_directory_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert_rejected(fifo)  # would block forever if read
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    with pytest.raises(ScenarioErrors):
        load_all([folder / "x.yaml"])


def test_allowed_host_access_is_flagged_not_refused(tmp_path: Path) -> None:
    from harness.model.security import Policy

    text = TRAPS["bind /etc"].replace("image: app,", "image: app, privileged: true,")
    path = write(tmp_path, text)
    messages = assert_rejected(path)
    assert any("--allow-host-binds" in m for m in messages)
    assert any("--allow-privileged" in m for m in messages)
    loaded = load_scenario(path, Policy(allow_host_binds=True, allow_privileged=True))
    assert loaded.flags == (
        "privileged container 'a'",
        "bind mount of host path '/etc' (step 'a')",
    )


@FUZZ
@given(
    kind=st.sampled_from(MUTATIONS),
    choice=st.integers(min_value=0, max_value=1000),
    text=st.text(min_size=1, max_size=30),
    style=st.sampled_from(["yaml", "json"]),
)
def test_one_defect_is_always_rejected_with_a_position(
    tmp_path: Path, kind: str, choice: int, text: str, style: str
) -> None:
    assert_rejected(write(tmp_path, dump(mutate(kind, choice, text), style)))


@FUZZ
@given(text=st.text(max_size=400))
def test_arbitrary_text_is_rejected_cleanly(tmp_path: Path, text: str) -> None:
    assert_rejected(write(tmp_path, text))


@FUZZ
@given(
    cut=st.integers(min_value=0, max_value=len(GOOD)),
    junk=st.text(alphabet=":-[]{}&*!|>'\"#%@` \n\t", max_size=8),
)
def test_a_damaged_valid_file_loads_or_is_rejected_cleanly(
    tmp_path: Path, cut: int, junk: str
) -> None:
    path = write(tmp_path, GOOD[:cut] + junk + GOOD[cut:])
    try:
        load_scenario(path)
    except ScenarioErrors as exc:
        pattern = position_pattern(path)
        assert all(pattern.match(str(e.args[0])) for e in exc.errors)
