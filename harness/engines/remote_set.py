"""The remote engines a command line names: `--engine NAME=URL` and `--engines FILE`.

Both are read and checked before any engine is created, so a typo is bad input
(file:line:col, or the `--engine` argument) and never a half-started run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.engines import available_adapters
from harness.engines.base import Engine
from harness.engines.remote import RemoteSpec, create_remote, parse_engine_arg
from harness.errors import Location, ScenarioError, ScenarioErrors
from harness.model.engines_file import load_engines_file

Maker = Callable[[], Engine]


def remote_specs(engine_args: list[str], engines_file: str | None) -> list[RemoteSpec]:
    """Every remote engine named, the file's first, then `--engine NAME=URL` ones."""
    specs = []
    if engines_file:
        specs = [
            RemoteSpec(e.name, e.kind, e.url, e.identity, e.known_hosts)
            for e in load_engines_file(Path(engines_file))
        ]
    errors = []
    for arg in engine_args:
        if "=" not in arg:
            continue
        try:
            specs.append(parse_engine_arg(arg))
        except ValueError as exc:
            errors.append(ScenarioError(Location("--engine"), str(exc)))
    if errors:
        raise ScenarioErrors(errors)
    return specs


def remote_engines(engine_args: list[str], engines_file: str | None) -> dict[str, Maker]:
    """Name -> a function creating that engine (no connection is made until it is used)."""
    adapters = available_adapters()

    def maker(spec: RemoteSpec) -> Maker:
        return lambda: create_remote(spec, adapters[spec.kind])

    return {spec.name: maker(spec) for spec in remote_specs(engine_args, engines_file)}
