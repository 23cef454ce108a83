"""results.json (a contract): the source of truth every report is rendered from.

Written atomically (temporary file in the same directory, then rename) and
validated against the JSON Schema shipped in harness/schemas. `merge` joins
results from several runs (CI matrix legs) into one document whose engine
columns are named `engine@version@host` where needed to keep them apart.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from harness.model.redact import scenario_secrets
from harness.results.drift import drift
from harness.results.redaction import redact_document
from harness.run.runner import RunResult, ScenarioResult
from harness.verdict.compare import VERDICTS, EngineOutcome

SCHEMA_ID = "harness.results/1"
MAX_TEXT = 4000


@cache
def results_schema() -> dict[str, Any]:
    text = (Path(__file__).parent.parent / "schemas" / "results-1.schema.json").read_text()
    return dict(json.loads(text))


def validate(document: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError if `document` breaks the contract."""
    jsonschema.validate(document, results_schema())


def _excerpt(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"\n… [{len(value) - MAX_TEXT} more characters]"
    return value


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
        return _excerpt(value)
    except (TypeError, ValueError):
        return repr(value)


def _outcome_json(outcome: EngineOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "duration_s": outcome.duration_s,
        "checks": [{k: _jsonable(v) for k, v in c.to_json().items()} for c in outcome.checks],
        "observations": {k: _jsonable(v) for k, v in sorted(outcome.observations.items())},
        "error": outcome.error,
        "leftovers": outcome.leftovers,
        "raw": {k: _jsonable(v) for k, v in sorted(outcome.raw.items())},
    }


def _scenario_json(result: ScenarioResult) -> dict[str, Any]:
    s = result.loaded.scenario
    return {
        "id": s.id,
        "area": s.area,
        "title": s.title,
        "description": s.description,
        "file": str(result.loaded.path),
        "line": result.loaded.line_of("id"),
        "refs": list(s.refs),
        "verdict": result.verdict,
        "engines": {name: _outcome_json(o) for name, o in result.outcomes.items()},
        "differences": [
            {"key": d["key"], "values": {k: _jsonable(v) for k, v in d["values"].items()}}
            for d in result.differences
        ],
        "representation": [
            {**d, "values": {k: _jsonable(v) for k, v in d["values"].items()}}
            for d in result.representation
        ],
        "known_divergences": [_jsonable(kd) for kd in result.divergences],
        "stale_divergences": [_jsonable(kd) for kd in result.stale_divergences],
        "fixed_divergences": [_jsonable(kd) for kd in result.fixed_divergences],
        "host_access": list(result.loaded.flags),
        "expect": {k: _jsonable(v) for k, v in s.expect.items()},
        "steps": [{"kind": st.kind, **st.spec.model_dump(exclude_defaults=True)} for st in s.steps],
    }


def _capabilities(run: RunResult, engine: str) -> dict[str, Any]:
    """The optional `capabilities` of an engine entry, when they were probed."""
    found = run.capabilities.get(engine)
    return {"capabilities": found} if found else {}


def to_document(run: RunResult) -> dict[str, Any]:
    """The results.json document of one run, with every secret env value masked
    (both front doors, `harness run` and the pytest plugin, come through here)."""
    secrets = [
        s for r in run.scenarios for s in scenario_secrets(r.loaded.scenario, r.loaded.directory)
    ]
    return redact_document(_document(run), secrets)


def _document(run: RunResult) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "run": {
            "id": run.run_id,
            "started": run.started,
            "finished": run.finished,
            "incomplete": run.incomplete,
            "host": {
                "name": socket.gethostname(),
                "os": platform.platform(),
                "python": platform.python_version(),
            },
            "build_stats": run.build_stats,
            "leftovers": run.leftovers,
            "stale_removed": run.stale_removed,
        },
        "engines": [
            {**info.to_json(), "host": socket.gethostname(), **_capabilities(run, info.name)}
            for info in run.engines
        ],
        "scenarios": [_scenario_json(r) for r in run.scenarios],
        "summary": summarize(r.verdict for r in run.scenarios),
    }
    document["drift"] = drift(document)
    return document


def verdict_table(document: dict[str, Any]) -> dict[str, str]:
    """`id` -> verdict and `id[engine]` -> status, for comparing two runs of the library."""
    table: dict[str, str] = {}
    for s in document["scenarios"]:
        table[s["id"]] = str(s["verdict"])
        for engine, outcome in s["engines"].items():
            table[f"{s['id']}[{engine}]"] = str(outcome["status"])
    return table


def summarize(verdicts: Any) -> dict[str, int]:
    counts: dict[str, int] = {str(v): 0 for v in VERDICTS}
    for v in verdicts:
        counts[v] += 1
    return counts


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write so a reader never sees half a file, even if the harness dies midway."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes 0600; reports are for every reader, as any new file would be.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ResultsInvalid(Exception):
    """The results broke the contract; the raw document is in a side file (exit 3)."""


def _side_file(path: Path, document: dict[str, Any]) -> Path:
    """The raw results, readable by their owner only: they were never checked."""
    side = path.with_name(path.stem + ".invalid.json")
    text = json.dumps(document, indent=2, default=repr, ensure_ascii=True) + "\n"
    side.unlink(missing_ok=True)
    fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
    return side


def write_results(path: Path, document: dict[str, Any]) -> None:
    """Validate, then write atomically; an invalid document still lands in a side
    file (`results.invalid.json`, mode 0600) and ResultsInvalid says why."""
    try:
        validate(document)
        text = json.dumps(document, indent=2, sort_keys=False) + "\n"
        text.encode("utf-8")
    except (jsonschema.ValidationError, TypeError, ValueError) as exc:
        path.parent.mkdir(parents=True, exist_ok=True)
        side = _side_file(path, document)
        where = f" at {exc.json_path}" if isinstance(exc, jsonschema.ValidationError) else ""
        reason = exc.message if isinstance(exc, jsonschema.ValidationError) else str(exc)
        raise ResultsInvalid(
            f"results do not match the results schema{where}: {reason[:300]}; "
            f"raw results written to {side}"
        ) from None
    write_atomic(path, text)


def read_results(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    validate(document)
    return dict(document)
