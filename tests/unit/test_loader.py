"""Scenario validation: every mistake is reported at file:line:col before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioErrors
from harness.model.loader import load_all, load_scenario
from tests import library

GOOD = """\
schema: 1
id: demo.good
area: demo
title: A good scenario
refs: [https://docs.docker.com/reference/dockerfile/]
images:
  app:
    containerfile: |
      FROM {{ base }}
      CMD ["echo", "hi"]
steps:
  - run: {name: first, image: app}
expect:
  first.exit_code: 0
  first.stdout: {regex: "^hi"}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    return [str(e.args[0]) for e in info.value.errors]


def test_good_scenario_loads(tmp_path: Path) -> None:
    loaded = load_scenario(write(tmp_path, GOOD))
    assert loaded.scenario.id == "demo.good"
    assert loaded.scenario.steps[0].kind == "run"
    assert loaded.line_of("steps", 0) == 12


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("title: A good scenario", "titel: A good scenario", ":4:1", "unknown key 'titel'"),
        (
            "  - run: {name: first, image: app}",
            "  - run: {name: first, image: nope}",
            ":12:31",
            "unknown image 'nope'",
        ),
        (
            "  first.exit_code: 0",
            "  first.exit_code: 0\n  second.stdout: x",
            ":15:3",
            "names no step",
        ),
        ("  first.exit_code: 0", "  first.exit_code: {almost: 0}", ":14:20", "matcher"),
        ("FROM {{ base }}", "FROM {{ bsae }}", ":9:12", "unknown placeholder"),
        ("schema: 1", "schema: '1'", ":1:9", "schema"),
        ("id: demo.good", "id: Demo Good", ":2:5", "id"),
        (
            "  - run: {name: first, image: app}",
            "  - run: {name: first, image: app}\n    cli: {name: second, image: app}",
            ":12:5",
            "exactly one kind",
        ),
        ('  first.stdout: {regex: "^hi"}', '  first.stdout: {regex: "("}', ":15:17", "bad regex"),
        (
            '  first.stdout: {regex: "^hi"}',
            "  first.stdout: {same_as: nosuch.link}",
            ":15:3",
            "same_as 'nosuch.link' names no step",
        ),
        (
            "  - run: {name: first, image: app}",
            "  - run: {name: first, image: app, timeout: -1}",
            ":12:45",
            "greater than 0",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, old: str, new: str, where: str, message: str) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    found = errors_of(path)
    assert any(where in e and message in e for e in found), found
    assert all(e.startswith(str(path)) for e in found)


def test_yaml_11_trap_is_a_type_error(tmp_path: Path) -> None:
    text = GOOD.replace(
        "  - run: {name: first, image: app}", "  - run: {name: first, image: app, detach: off}"
    )
    found = errors_of(write(tmp_path, text))
    assert any("detach" in e and "bool" in e for e in found), found


def test_missing_required_key(tmp_path: Path) -> None:
    found = errors_of(write(tmp_path, GOOD.replace("area: demo\n", "")))
    assert any("missing required key 'area'" in e for e in found), found


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(ScenarioErrors) as info:
        load_all([tmp_path])
    assert "duplicate scenario id 'demo.good'" in str(info.value)
    assert "b.yaml:2:5" in str(info.value)


def test_context_must_stay_inside(tmp_path: Path) -> None:
    text = GOOD.replace(
        '    containerfile: |\n      FROM {{ base }}\n      CMD ["echo", "hi"]\n',
        "    context: ../../etc\n",
    )
    found = errors_of(write(tmp_path, text))
    assert any("inside the scenario's directory" in e for e in found), found


def test_all_errors_reported_together(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("title:", "titel:"), "a.yaml")
    write(tmp_path, "just a string", "b.yaml")
    with pytest.raises(ScenarioErrors) as info:
        load_all([tmp_path])
    assert len(info.value.errors) >= 2


def test_repository_scenarios_are_valid() -> None:
    assert len(load_all([library.SCENARIOS], library.POLICY)) >= 100


def test_only_the_namespace_and_capability_scenarios_need_a_flag() -> None:
    with pytest.raises(ScenarioErrors) as info:
        load_all([library.SCENARIOS])
    refused = {
        Path(e.location.file).relative_to(library.SCENARIOS).as_posix() for e in info.value.errors
    }
    assert refused == library.NEEDS_FLAGS
