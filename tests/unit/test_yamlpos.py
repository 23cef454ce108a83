"""The line-aware YAML loader: positions, the YAML 1.2 core schema, hostile input."""

from __future__ import annotations

import pytest

from harness.errors import ScenarioError
from harness.model.yamlpos import load_positioned


def test_positions_point_at_values_and_keys() -> None:
    doc = load_positioned("a: 1\nlist:\n  - x\n  - {k: v}\n", "f.yaml")
    assert doc.positions[("list", 1, "k")] == (4, 9)
    assert doc.key_positions[("list",)] == (2, 1)
    assert str(doc.locate("f.yaml", ("list", 1, "missing"))) == "f.yaml:4:5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v: off", "off"),
        ("v: yes", "yes"),
        ("v: 22:22", "22:22"),
        ("v: 0777", 777),
        ("v: 0o17", 15),
        ("v: 0x1f", 31),
        ("v: 1.5e3", 1500.0),
        ("v: true", True),
        ("v: ~", None),
        ("v: '1'", "1"),
    ],
)
def test_yaml_12_core_schema(text: str, expected: object) -> None:
    assert load_positioned(text, "f.yaml").data == {"v": expected}


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'", "f.yaml:2:1"),
        ("a: [1\n", "invalid YAML", "f.yaml:2:1"),
        ("a: !!python/object:os.system x\n", "unsupported YAML tag", "f.yaml:1:4"),
        ("a: !!int nope\n", "does not match its tag", "f.yaml:1:4"),
        ("", "empty file", "f.yaml:1:1"),
        ("base: &b {x: 1}\nchild:\n  <<: *b\n", "merge keys", "f.yaml:3:3"),
    ],
)
def test_bad_yaml_is_a_positioned_error(text: str, message: str, where: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_positioned(text, "f.yaml")
    assert message in str(info.value)
    assert str(info.value).startswith(where)


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(ScenarioError, match="too large"):
        load_positioned("\n".join(lines), "f.yaml")
