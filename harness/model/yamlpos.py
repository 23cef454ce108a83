"""YAML loading that remembers where every value came from.

Scenario errors must point at file:line:column, so values are built from
PyYAML's node tree by hand, recording each node's position by its path
(("steps", 0, "run", "image") -> line, column). Scalars resolve by the YAML 1.2
core schema, so the YAML 1.1 traps (`off` as false, `22:22` as 1342, `0777` as
octal) stay strings; duplicate keys, custom tags and alias bombs are errors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from harness.errors import Location, ScenarioError

Path = tuple[str | int, ...]

MAX_NODES = 50_000
MAX_BYTES = 1_000_000
MAX_DEPTH = 64

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

_STR = "tag:yaml.org,2002:str"
_KNOWN_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


# libyaml's parser when PyYAML has it: the same nodes and marks, several times faster
# (it reports a plain scalar's style as "" where the Python parser says None).
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader with no implicit resolvers: we resolve plain scalars ourselves."""


_Composer.yaml_implicit_resolvers = {}


@dataclass
class Positioned:
    """Plain Python data plus the (line, column) of every path in it."""

    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, file: str, path: Path, key: bool = False) -> Location:
        """The position of `path` (its key, if `key`), or of its nearest ancestor's value."""
        table = self.key_positions if key else self.positions
        if path in table:
            line, col = table[path]
            return Location(file, line, col)
        while path:
            path = path[:-1]
            if path in self.positions:
                line, col = self.positions[path]
                return Location(file, line, col)
        return Location(file, 1, 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _resolve_plain(text: str) -> Any:
    if _NULL.match(text):
        return None
    if _BOOL.match(text):
        return text.lower() == "true"
    if _INT10.match(text):
        return int(text, 10)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Builder:
    def __init__(self, file: str, out: Positioned) -> None:
        self.file = file
        self.out = out
        self.count = 0

    def error(self, node: yaml.Node, message: str) -> ScenarioError:
        line, col = _mark(node)
        return ScenarioError(Location(self.file, line, col), message)

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(node, f"document too large: more than {MAX_NODES} values")
        self.out.positions[path] = _mark(node)
        if node.tag not in _KNOWN_TAGS and node.tag != "!":
            raise self.error(node, f"unsupported YAML tag {node.tag!r}; expected plain YAML")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self._scalar_value(node)
        except ValueError as exc:  # e.g. an integer longer than Python will convert
            raise self.error(node, f"unreadable value: {exc}") from None

    def _scalar_value(self, node: yaml.ScalarNode) -> Any:
        if node.style or node.tag == "!":
            return node.value if node.tag in (_STR, "!") else self._tagged(node)
        if node.tag == _STR or node.tag is None:
            return _resolve_plain(node.value)
        return self._tagged(node)

    def _tagged(self, node: yaml.ScalarNode) -> Any:
        value = _resolve_plain(node.value)
        tag = node.tag.rsplit(":", 1)[-1]
        wanted = {"int": int, "float": float, "bool": bool, "null": type(None), "str": str}
        if tag == "str":
            return node.value
        if tag in wanted and isinstance(value, wanted[tag]):
            return value
        raise self.error(node, f"value {node.value!r} does not match its tag !!{tag}")

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.value == "<<" and not key_node.style:
                raise self.error(key_node, "YAML merge keys (<<) are not supported")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, "mapping keys must be plain strings")
            key = key_node.value
            if key in result:
                raise self.error(key_node, f"duplicate key {key!r}")
            self.out.key_positions[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result


def load_positioned(text: str, file: str) -> Positioned:
    """Parse one YAML document into plain data with positions; ScenarioError on any problem."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ScenarioError(Location(file, 1, 1), f"file larger than {MAX_BYTES} bytes")
    deep = _too_deep(text, file)
    if deep is not None:
        raise deep
    try:
        loader = _Composer(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(Location(file, line, col), f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(Location(file, 1, 1), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ScenarioError(Location(file, 1, 1), "invalid YAML: nested too deeply") from None
    out = Positioned(data=None)
    if node is None:
        raise ScenarioError(Location(file, 1, 1), "empty file; expected a scenario mapping")
    try:
        out.data = _Builder(file, out).build(node, ())
    except RecursionError:
        raise ScenarioError(Location(file, 1, 1), "invalid YAML: nested too deeply") from None
    return out


def _too_deep(text: str, file: str) -> ScenarioError | None:
    """Flow collections nested deeper than any scenario needs (the parser recurses)."""
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        for col, char in enumerate(line, start=1):
            if char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return ScenarioError(
                        Location(file, number, col), f"nested deeper than {MAX_DEPTH} levels"
                    )
            elif char in "]}":
                depth = max(0, depth - 1)
    return None
