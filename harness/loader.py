"""Scenario files -> validated `Scenario` objects, or errors at file:line:col.

Validation runs in three layers, all before any engine is touched: YAML
syntax (yamlpos), shape and types (pydantic models), then cross-references
(steps name images and containers that exist, expectations name steps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import Location, ScenarioError, ScenarioErrors
from harness.scenario import KEY_MATCHERS, CliSpec, ExecSpec, NetworkRmSpec, RunSpec, Scenario
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


def _resource_refs(
    scenario: Scenario, spec: Any, runs: set[str], base: Path
) -> list[tuple[tuple[str | int, ...], str]]:
    """A step's references to scenario volumes, networks, bind sources and placeholders."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    vol = getattr(spec, "volume", None)
    if vol is not None and vol not in scenario.volumes:
        out.append(
            (("volume",), f"unknown volume {vol!r}; expected one of {sorted(scenario.volumes)}")
        )
    net = getattr(spec, "network", None)
    if isinstance(spec, NetworkRmSpec) and net not in scenario.networks:
        out.append((("network",), f"unknown network {net!r}"))
    anon = getattr(spec, "anonymous", None)
    if anon is not None and anon.container not in runs:
        out.append((("anonymous", "container"), f"{anon.container!r} is not an earlier 'run' step"))
    same = getattr(spec, "same_name_as", None)
    if same is not None and same not in runs:
        out.append((("same_name_as",), f"{same!r} is not an earlier 'run' step"))
    for j, m in enumerate(getattr(spec, "mounts", [])):
        if m.type == "volume" and m.source is not None and m.source not in scenario.volumes:
            out.append((("mounts", j, "source"), f"unknown volume {m.source!r}"))
        if m.type == "bind" and not _bind_ok(m.source, base):
            out.append(
                (("mounts", j, "source"), "a bind source is under {{ tmp }} or the scenario's dir")
            )
    if isinstance(spec, CliSpec):
        known = {"tmp", *(f"volumes.{v}" for v in scenario.volumes)}
        known |= {f"networks.{n}" for n in scenario.networks}
        for var in PLACEHOLDER.findall(" ".join([*spec.options, *spec.args])):
            if var not in known:
                out.append((("options",), f"unknown placeholder {{{{ {var} }}}}"))
    if isinstance(spec, ExecSpec):
        known = {f"networks.{n}" for n in scenario.networks} | {f"containers.{r}" for r in runs}
        for var in PLACEHOLDER.findall(" ".join(spec.command)):
            if var not in known:
                out.append(
                    (
                        ("command",),
                        f"unknown placeholder {{{{ {var} }}}}; expected {{{{ networks.NAME }}}} "
                        "or {{ containers.STEP }} of an earlier 'run' step",
                    )
                )
    return out


def _bind_ok(source: str | None, base: Path) -> bool:
    if source is None:
        return False
    if re.match(r"^\{\{ ?tmp ?\}\}(/|$)", source):
        return ".." not in source.split("/")
    return not source.startswith("/") and (base / source).resolve().is_relative_to(base.resolve())


def _check_references(
    scenario: Scenario, doc: Positioned, file: str, base: Path, text: str
) -> list[ScenarioError]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    where: tuple[str | int, ...]
    images = set(scenario.images) | {BASE_IMAGE}
    seen: set[str] = set()
    detached: set[str] = set()
    runs: set[str] = set()
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
        running = step.kind in ("exec", "read_file", "probe")
        if container is not None and container not in (detached if running else runs):
            kind = "detached 'run'" if running else "'run'"
            problems.append(((*where, "container"), f"{container!r} is not an earlier {kind} step"))
        problems += [((*where, *p), m) for p, m in _resource_refs(scenario, spec, runs, base)]
        if isinstance(spec, RunSpec):
            runs.add(spec.name)
            if spec.detach:
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
    for key, expected in scenario.expect.items():
        for op in set(expected if isinstance(expected, dict) else ()) & set(KEY_MATCHERS):
            if expected[op].split(".", 1)[0] not in seen:
                problems.append((("expect", key), f"{op} {expected[op]!r} names no step"))
    for i, kd in enumerate(scenario.known_divergences):
        if kd.key.split(".", 1)[0] not in seen | {"image"}:
            problems.append((("known_divergences", i, "key"), f"{kd.key!r} names no step"))
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
