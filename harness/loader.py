"""Scenario files -> validated `Scenario` objects, or errors at file:line:col.

Validation runs in three layers, all before any engine is touched: YAML
syntax (yamlpos), shape and types (pydantic models), then cross-references
(steps name images and containers that exist, expectations name steps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from harness.errors import Location, ScenarioError, ScenarioErrors
from harness.scenario import RunSpec, Scenario
from harness.yamlpos import Positioned, load_positioned

PLACEHOLDER = re.compile(r"\{\{\s*([^}]*?)\s*\}\}")
BASE_IMAGE = "base"
_NAMED_EXPECTATION = re.compile(r"expectation '([^']+)'")


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario with where it came from, for reports and error positions."""

    scenario: Scenario
    path: Path
    positions: Positioned

    def line_of(self, *path: str | int) -> int:
        return self.positions.locate(str(self.path), tuple(path)).line

    @property
    def directory(self) -> Path:
        return self.path.parent


def _pydantic_errors(exc: ValidationError, doc: Positioned, file: str) -> list[ScenarioError]:
    errors = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        where = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        at_key = False
        if err["type"] == "extra_forbidden":
            msg, at_key = f"unknown key {loc[-1]!r}", True
        elif err["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}"
        elif "input" in err and err["type"] not in ("value_error", "assertion_error"):
            msg = f"{msg} (got {err['input']!r:.60})"
        named = _NAMED_EXPECTATION.search(msg)
        if loc == ("expect",) and named:
            loc = ("expect", named.group(1))
        errors.append(ScenarioError(doc.locate(file, loc, key=at_key), f"{where}: {msg}"))
    return errors


def _check_references(
    scenario: Scenario, doc: Positioned, file: str, base: Path, text: str
) -> list[ScenarioError]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    where: tuple[str | int, ...]
    images = set(scenario.images) | {BASE_IMAGE}
    seen: set[str] = set()
    detached: set[str] = set()
    for i, step in enumerate(scenario.steps):
        spec = step.spec
        where = ("steps", i, step.kind)
        if spec.name in seen:
            problems.append(((*where, "name"), f"duplicate step name {spec.name!r}"))
        seen.add(spec.name)
        image = getattr(spec, "image", None)
        if image is not None and image not in images:
            problems.append(
                ((*where, "image"), f"unknown image {image!r}; expected one of {sorted(images)}")
            )
        container = getattr(spec, "container", None)
        if container is not None and container not in detached:
            problems.append(
                ((*where, "container"), f"{container!r} is not an earlier detached 'run' step")
            )
        if isinstance(spec, RunSpec) and spec.detach:
            detached.add(spec.name)
    for name, image in scenario.images.items():
        where = ("images", name)
        if image.containerfile is not None:
            for var in PLACEHOLDER.findall(image.containerfile):
                ok = var == BASE_IMAGE or (
                    var.startswith("images.") and var[7:] in scenario.images and var[7:] != name
                )
                if not ok:
                    problems.append(
                        (
                            (*where, "containerfile"),
                            f"unknown placeholder {{{{ {var} }}}}; expected "
                            "{{ base }} or {{ images.OTHER }}",
                        )
                    )
        if image.context is not None:
            ctx = (base / image.context).resolve()
            if not ctx.is_relative_to(base.resolve()):
                problems.append(
                    ((*where, "context"), "context must stay inside the scenario's directory")
                )
            elif not (ctx / image.file).is_file():
                problems.append(((*where, "context"), f"no {image.file} in {ctx}"))
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
    for i, kd in enumerate(scenario.known_divergences):
        if kd.key.split(".", 1)[0] not in seen | {"image"}:
            problems.append((("known_divergences", i, "key"), f"{kd.key!r} names no step"))
    return [ScenarioError(_precise(doc, file, path, msg, text), msg) for path, msg in problems]


def _precise(doc: Positioned, file: str, path: tuple[str | int, ...], msg: str,
             text: str) -> Location:
    """Point at the placeholder itself inside a block scalar, not at the block's start."""
    where = doc.locate(file, path, key=path[0] in ("expect", "compare"))
    found = PLACEHOLDER.search(msg)
    if found and where.line:
        for number, line in enumerate(text.splitlines()[where.line - 1:], start=where.line):
            col = line.find(found.group(0))
            if col >= 0:
                return Location(file, number, col + 1)
    return where


def load_scenario(path: Path) -> LoadedScenario:
    """Load and validate one file; raise ScenarioErrors listing every problem found."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioErrors([ScenarioError(Location(file), f"cannot read: {exc}")]) from None
    try:
        doc = load_positioned(text, file)
    except ScenarioError as exc:
        raise ScenarioErrors([exc]) from None
    if not isinstance(doc.data, dict):
        raise ScenarioErrors(
            [
                ScenarioError(
                    Location(file, 1, 1),
                    "expected a mapping at the top level (schema, id, area, title, steps, ...)",
                )
            ]
        )
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioErrors(_pydantic_errors(exc, doc, file)) from None
    problems = _check_references(scenario, doc, file, path.parent, text)
    if problems:
        raise ScenarioErrors(problems)
    return LoadedScenario(scenario, path, doc)


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


def load_all(paths: list[Path]) -> list[LoadedScenario]:
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
            errors.append(ScenarioError(Location(str(f)), "no such file"))
            continue
        try:
            loaded.append(load_scenario(f))
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
