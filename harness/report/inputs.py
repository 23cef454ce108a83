"""Reading a results.json that anyone may have written (`harness report`'s inputs).

A merged CI leg can come from a fork's pull request, so every input is checked
before a report reads it: a readable regular file of bounded size, UTF-8 JSON
(no NaN or Infinity), nested no deeper than the contract needs, and valid
against the results JSON Schema. Each refusal is one `BadResults` line naming
the file and, for schema errors, the JSON path of the first error; no input
ends in a traceback. Lone surrogates (JSON allows `\\ud800`) become U+FFFD so
every output can be encoded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from harness.report.escape import terminal
from harness.results.document import results_schema

MAX_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64
MAX_MESSAGE = 300


class BadResults(ValueError):
    """An input of `harness report` that is not a results document (exit 2)."""


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise BadResults(f"{path}: is a directory, not a results.json file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadResults(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise BadResults(f"{path}: larger than {MAX_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadResults(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(path: Path, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadResults(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except RecursionError:
        raise BadResults(f"{path}: not a results document: nested too deeply") from None
    except ValueError as exc:
        raise BadResults(f"{path}: not JSON: {exc}") from None


def _check_depth(path: Path, document: Any) -> None:
    """Iteratively, so a deep document cannot exhaust the stack of what reads it later."""
    stack: list[tuple[Any, str, int]] = [(document, "$", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadResults(f"{path}: {_shown(where)}: nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack += [(v, f"{where}.{k}", depth + 1) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]


def _shown(text: str) -> str:
    text = terminal(text).replace("\n", "\\n")
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def _first_error(document: Any) -> ValidationError | None:
    validator = Draft202012Validator(results_schema())
    error: ValidationError | None = best_match(validator.iter_errors(document))
    return error


def _unsurrogate(value: Any) -> Any:
    if isinstance(value, str):
        return (
            "".join("\ufffd" if _is_surrogate(ch) else ch for ch in value) if _has(value) else value
        )
    if isinstance(value, list):
        return [_unsurrogate(v) for v in value]
    if isinstance(value, dict):
        return {_unsurrogate(k): _unsurrogate(v) for k, v in value.items()}
    return value


def _is_surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


def _has(text: str) -> bool:
    return any(map(_is_surrogate, text))


def load_results(path: Path) -> dict[str, Any]:
    """The results document in `path`, checked; BadResults with file and JSON path if not."""
    document = _parse(path, _read_text(path))
    _check_depth(path, document)
    error = _first_error(document)
    if error is not None:
        raise BadResults(f"{path}: {_shown(error.json_path)}: {_shown(error.message)}")
    return dict(_unsurrogate(document))
