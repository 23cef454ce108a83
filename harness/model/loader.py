"""Scenario files -> validated `Scenario` objects, or errors at file:line:col.

Validation runs in three layers, all before any engine is touched: YAML
syntax (yamlpos), shape and types (pydantic models), then cross-references
(steps name images and containers that exist, expectations name steps).
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from harness.errors import Location, ScenarioError, ScenarioErrors
from harness.model.context import context_problems
from harness.model.scenario import KEY_MATCHERS, Scenario
from harness.model.security import Policy, concerns, refusal
from harness.model.specs.base import BASE_IMAGE, PLACEHOLDER, LoadContext, Where
from harness.model.yamlpos import MAX_BYTES, Positioned, load_positioned
from harness.project.dockerfile import parse_dockerfile, remote_sources

__all__ = ["BASE_IMAGE", "PLACEHOLDER", "LoadedScenario", "discover", "load_all", "load_scenario"]

_NAMED_EXPECTATION = re.compile(r"expectation '([^']+)'")


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with where it came from, for reports and error positions."""

    scenario: Scenario
    path: Path
    positions: Positioned
    flags: tuple[str, ...] = ()  # host-reaching requests the user allowed (see security)

    def line_of(self, *path: str | int) -> int:
        return self.positions.locate(str(self.path), tuple(path)).line

    @property
    def directory(self) -> Path:
        return self.path.parent


M = TypeVar("M", bound=BaseModel)


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[str | int, ...]:
    """Pydantic's error location without its own entries (union tags such as
    `list[str]`): keep only the steps that exist in the document, plus a final
    missing key."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        exists = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if exists:
            node = node[part]
        elif isinstance(part, str) and i == len(loc) - 1 and isinstance(node, dict):
            pass  # a missing key: keep it, so the message names it
        else:
            continue  # a pydantic tag, not a place in the file
        path.append(part)
    return tuple(path)


def _pydantic_errors(exc: ValidationError, doc: Positioned, file: str) -> list[ScenarioError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = _data_path(err["loc"], doc.data)
        where = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        at_key = False
        last = err["loc"][-1] if err["loc"] else "(top level)"
        if err["type"] == "extra_forbidden":
            msg, at_key = f"unknown key {last!r}", True
        elif err["type"] == "missing":
            msg = f"missing required key {last!r}"
        elif "input" in err and err["type"] not in ("value_error", "assertion_error"):
            msg = f"{msg} (got {err['input']!r:.60})"
        named = _NAMED_EXPECTATION.search(msg)
        if loc == ("expect",) and named:
            loc = ("expect", named.group(1))
        errors.append(ScenarioError(doc.locate(file, loc, key=at_key), f"{where}: {msg}"))
    return errors


def _step_problems(scenario: Scenario, base: Path) -> list[tuple[Where, str]]:
    """Every step's names, references and own checks, in order: a step sees only what
    the scenario and the steps before it provide (generic over the registered specs)."""
    problems: list[tuple[Where, str]] = []
    ctx = LoadContext(
        base=base,
        images=frozenset(scenario.images),
        volumes=frozenset(scenario.volumes),
        networks=frozenset(scenario.networks),
    )
    ctx.names("image").update({*scenario.images, BASE_IMAGE})
    ctx.names("volume").update(scenario.volumes)
    ctx.names("network").update(scenario.networks)
    seen: set[str] = set()
    for i, step in enumerate(scenario.steps):
        spec = step.spec
        where: Where = ("steps", i, step.kind)
        if spec.name in seen:
            problems.append(((*where, "name"), f"duplicate step name {spec.name!r}"))
        seen.add(spec.name)
        for ref in spec.refs():
            known = ctx.names(ref.kind)
            if ref.name not in known:
                problems.append(((*where, *ref.path), ref.problem(known)))
        problems += [((*where, *path), message) for path, message in spec.problems(ctx)]
        for kind, name in spec.provides(ctx):
            ctx.names(kind).add(name)
    return problems


def _placeholder_problems(text: str, scenario: Scenario, name: str) -> list[str]:
    """A Containerfile may name only {{ base }} and the scenario's other images."""
    problems = []
    for var in PLACEHOLDER.findall(text):
        ok = var == BASE_IMAGE or (
            var.startswith("images.") and var[7:] in scenario.images and var[7:] != name
        )
        if not ok:
            problems.append(
                f"unknown placeholder {{{{ {var} }}}}; expected "
                "{{ base }} or {{ images.OTHER }}"
            )
    return problems


def _image_problems(scenario: Scenario, base: Path) -> list[tuple[Where, str]]:
    """Placeholders of inline Containerfiles; contexts and files inside the scenario's dir."""
    problems: list[tuple[Where, str]] = []
    for name, image in scenario.images.items():
        where: Where = ("images", name)
        if image.containerfile is not None:
            problems += [
                ((*where, "containerfile"), m)
                for m in _placeholder_problems(image.containerfile, scenario, name)
            ]
        if image.context is not None:
            ctx = (base / image.context).resolve()
            if not ctx.is_relative_to(base.resolve()):
                problems.append(
                    ((*where, "context"), "context must stay inside the scenario's directory")
                )
            elif not (ctx / image.file).resolve().is_relative_to(ctx):
                problems.append(((*where, "file"), "file must stay inside the context"))
            elif not (ctx / image.file).is_file():
                problems.append(((*where, "context"), f"no {image.file} in {ctx}"))
            else:
                problems += [((*where, "context"), m) for m in context_problems(ctx)]
                text = (ctx / image.file).read_text(encoding="utf-8", errors="replace")
                problems += [
                    ((*where, "file"), f"{image.file}: {m}")
                    for m in _placeholder_problems(text, scenario, name)
                ]
    return problems


_LOCAL = "harness-local-"


def _as_parseable(text: str) -> str:
    """Placeholders become plain local names, so the builder's parser reads the file."""
    return PLACEHOLDER.sub(lambda m: _LOCAL + m.group(1).replace(".", "-"), text)


def _fetches(text: str, file: str) -> list[tuple[int, str, str]]:
    """(line in the Containerfile, what it names, message) for everything it would fetch
    from outside: scenario images are built only from {{ base }}, {{ images.NAME }} or
    scratch."""
    try:
        sources = remote_sources(parse_dockerfile(_as_parseable(text), file))
    except ScenarioError as exc:
        return [(exc.location.line, "", exc.message)]
    return [
        (
            s.location.line,
            s.reference,
            f"{s.kind} {s.reference} would be fetched from outside; build from "
            "{{ base }}, {{ images.NAME }} or scratch (nothing is ever pulled)",
        )
        for s in sources
        if not s.reference.startswith(_LOCAL)
    ]


def _column(lines: list[str], line: int, token: str) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    found = text.find(token) if token else -1
    return found + 1 if found >= 0 else len(text) - len(text.lstrip()) + 1


def _fetch_problems(
    scenario: Scenario, base: Path, doc: Positioned, file: str, text: str
) -> list[ScenarioError]:
    """Nothing that pulls, checked with the builder's own grammar before any engine is used."""
    errors = []
    lines = text.splitlines()
    for name, image in scenario.images.items():
        if image.containerfile is not None:
            block = doc.locate(file, ("images", name, "containerfile")).line
            for line, token, message in _fetches(image.containerfile, file):
                at = block + line
                errors.append(ScenarioError(Location(file, at, _column(lines, at, token)), message))
        elif image.context is not None:
            path = (base / image.context / image.file).resolve()
            if path.is_file() and path.is_relative_to(base.resolve()):
                own = path.read_text(encoding="utf-8", errors="replace")
                own_lines = own.splitlines()
                for line, token, message in _fetches(own, str(path)):
                    where = Location(str(path), line, _column(own_lines, line, token))
                    errors.append(ScenarioError(where, message))
    return errors


def _key_problems(scenario: Scenario) -> list[tuple[Where, str]]:
    """Expectations, comparisons and known divergences name steps that exist."""
    problems: list[tuple[Where, str]] = []
    seen = set(scenario.step_names)
    for rel in scenario.host_files:
        if not rel or _escapes(rel):
            problems.append(
                (("host_files", rel), f"host file {rel!r} must be a relative path in tmp")
            )
    for key in [*scenario.expect, *scenario.compare]:
        head = key.split(".", 1)[0]
        if head not in seen and head != "image":
            table = "expect" if key in scenario.expect else "compare"
            problems.append(
                (
                    (table, key),
                    f"{key!r} names no step; expected STEP.FIELD with STEP one of {sorted(seen)}",
                )
            )
    for key, expected in scenario.expect.items():
        for op in set(expected if isinstance(expected, dict) else ()) & set(KEY_MATCHERS):
            if expected[op].split(".", 1)[0] not in seen:
                problems.append((("expect", key), f"{op} {expected[op]!r} names no step"))
    for i, kd in enumerate(scenario.known_divergences):
        if kd.key.split(".", 1)[0] not in seen | {"image"}:
            problems.append((("known_divergences", i, "key"), f"{kd.key!r} names no step"))
    return problems


def _escapes(rel: str) -> bool:
    return rel.startswith("/") or ".." in rel.replace("\\", "/").split("/")


def _check_references(
    scenario: Scenario, doc: Positioned, file: str, base: Path, text: str
) -> list[ScenarioError]:
    problems = [
        *_step_problems(scenario, base),
        *_image_problems(scenario, base),
        *_key_problems(scenario),
    ]
    return [ScenarioError(_precise(doc, file, path, msg, text), msg) for path, msg in problems]


def _precise(
    doc: Positioned, file: str, path: tuple[str | int, ...], msg: str, text: str
) -> Location:
    """Point at the placeholder itself inside a block scalar, not at the block's start."""
    where = doc.locate(file, path, key=path[0] in ("expect", "compare"))
    found = PLACEHOLDER.search(msg)
    if found and where.line:
        for number, line in enumerate(text.splitlines()[where.line - 1 :], start=where.line):
            col = line.find(found.group(0))
            if col >= 0:
                return Location(file, number, col + 1)
    return where


def _read(path: Path) -> str:
    """The file's text, refusing anything that is not a regular file of sane size
    before reading it (a FIFO or /dev/zero would never end)."""
    file = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioErrors([ScenarioError(Location(file, 1, 1), "not a regular file")])
        if info.st_size > MAX_BYTES:
            raise ScenarioErrors(
                [ScenarioError(Location(file, 1, 1), f"file larger than {MAX_BYTES} bytes")]
            )
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioErrors([ScenarioError(Location(file, 1, 1), f"cannot read: {exc}")]) from None


def _security(
    scenario: Scenario, doc: Positioned, file: str, base: Path, policy: Policy
) -> tuple[list[ScenarioError], tuple[str, ...]]:
    """Refusals for what the policy does not allow; flags for what it does."""
    errors, flags = [], []
    for concern in concerns(scenario, base):
        if policy.allows(concern.kind):
            flags.append(concern.detail)
        else:
            where = concern.at or doc.locate(file, concern.where)
            errors.append(ScenarioError(where, refusal(concern)))
    return errors, tuple(flags)


def read_validated(path: Path, model: type[M], top: str) -> tuple[str, Positioned, M]:
    """Read one YAML file, parse it with positions and validate it against `model`;
    ScenarioErrors at file:line:col for every problem (`top`: what the top level holds).
    Scenarios and engines files share it, so both report mistakes the same way."""
    file = str(path)
    text = _read(path)
    try:
        doc = load_positioned(text, file)
    except ScenarioError as exc:
        raise ScenarioErrors([exc]) from None
    if not isinstance(doc.data, dict):
        where = Location(file, 1, 1)
        raise ScenarioErrors([ScenarioError(where, f"expected a mapping at the top level ({top})")])
    try:
        return text, doc, model.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioErrors(_pydantic_errors(exc, doc, file)) from None


def load_scenario(path: Path, policy: Policy | None = None) -> LoadedScenario:
    """Load and validate one file; raise ScenarioErrors listing every problem found."""
    file = str(path)
    top = "schema, id, area, title, steps, ..."
    text, doc, scenario = read_validated(path, Scenario, top)
    problems = _check_references(scenario, doc, file, path.parent, text)
    problems += _fetch_problems(scenario, path.parent, doc, file, text)
    refused, flags = _security(scenario, doc, file, path.parent, policy or Policy())
    if problems or refused:
        raise ScenarioErrors(problems + refused)
    return LoadedScenario(scenario, path, doc, flags)


def discover(paths: list[Path]) -> list[Path]:
    """Scenario files under the given files or directories, sorted, contexts skipped."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                f
                for f in sorted(p.rglob("*.y*ml"))
                if f.suffix in (".yaml", ".yml") and "contexts" not in f.parts
            )
        else:
            found.append(p)
    return found


def load_all(paths: list[Path], policy: Policy | None = None) -> list[LoadedScenario]:
    """Load every scenario under `paths`; collect all errors, including duplicate ids."""
    loaded: list[LoadedScenario] = []
    errors: list[ScenarioError] = []
    files = discover(paths)
    if not files:
        raise ScenarioErrors(
            [
                ScenarioError(
                    Location(", ".join(map(str, paths))), "no scenario files (*.yaml) found"
                )
            ]
        )
    for f in files:
        if not f.exists():
            errors.append(ScenarioError(Location(str(f), 1, 1), "no such file"))
            continue
        try:
            loaded.append(load_scenario(f, policy))
        except ScenarioErrors as exc:
            errors.extend(exc.errors)
    first: dict[str, LoadedScenario] = {}
    for item in loaded:
        sid = item.scenario.id
        if sid in first:
            errors.append(
                ScenarioError(
                    item.positions.locate(str(item.path), ("id",)),
                    f"duplicate scenario id {sid!r} (first in {first[sid].path})",
                )
            )
        else:
            first[sid] = item
    if errors:
        raise ScenarioErrors(errors)
    return loaded
