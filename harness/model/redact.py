"""Secrets never reach an output: env values whose keys look secret become `***`.

A scenario's env (run and exec steps, build args, `-e KEY=VALUE` in cli
options, `ENV`/`ARG` lines of Containerfiles in both the `KEY=value` and the
legacy `ENV KEY value` forms, `environment:` of its compose files) may carry a
token, and `-e NAME` (or a compose `environment` entry without a value) copies
the harness's own environment into the container. Each such value is replaced
wherever it appears in the results document: the structured env, the
`KEY=VALUE` strings of inspect documents, and any text an engine printed.
Every report renders from that document, and both front doors (`harness run`,
the pytest plugin) build it with `to_document`, so one redaction covers all.

Harness-owned fields (ids, engine names, statuses, verdicts, schema values,
keys) are never touched: masking them would corrupt the results. A value too
short or too common to mask in free text (it equals a word the results use,
`docker`, `portable`, `pass`) is not masked blindly: it is masked only where its
key names it, and a warning says so (see harness/results/redaction.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.model.scenario import Scenario
from harness.model.specs.cli import CliSpec
from harness.model.specs.compose import ComposeUpSpec

SECRET_KEY = re.compile(r"(?i)(pass|secret|token|key|credential|auth)")
MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary text everywhere; their keys still mask them
_ENV_LINE = re.compile(r"^\s*(ENV|ARG)\s+(.+)$", re.I | re.M)
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)")
_LEGACY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+(.+)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_KEYS = ("env", "environment", "build_args")
HOST_ENV = "the harness's own environment"


@dataclass(frozen=True)
class Secret:
    """A value to keep out of every output, with the key that named it (never the value)."""

    key: str
    value: str
    source: str = ""


def is_secret(key: str) -> bool:
    return SECRET_KEY.search(key) is not None


def _option_values(options: list[str]) -> list[str]:
    """Values of -e/--env/--build-arg in every spelling: `-e X`, `-eX`, `--env=X`."""
    values: list[str] = []
    for i, opt in enumerate(options):
        if opt in ("-e", "--env", "--build-arg") and i + 1 < len(options):
            values.append(options[i + 1])
        elif opt.startswith(("--env=", "--build-arg=")):
            values.append(opt.split("=", 1)[1])
        elif opt.startswith("-e") and len(opt) > 2 and not opt.startswith("--"):
            values.append(opt[2:])
    return values


def _host_env(name: str, source: str) -> list[Secret]:
    """`-e NAME` without a value: the container gets the harness's own NAME."""
    value = os.environ.get(name)
    return [Secret(name, value, f"{source} ({HOST_ENV})")] if value else []


def _host_env_secrets(spec: CliSpec, source: str) -> list[Secret]:
    found: list[Secret] = []
    for value in _option_values([*spec.options, *spec.args]):
        if "=" not in value and _NAME.fullmatch(value):
            found += _host_env(value, source)
    return found


def _containerfile_pairs(text: str) -> list[tuple[str, str]]:
    """KEY=value pairs of ENV/ARG lines, and the legacy `ENV KEY value` (one pair)."""
    joined = re.sub(r"\\\r?\n", " ", text)
    pairs: list[tuple[str, str]] = []
    for word, rest in _ENV_LINE.findall(joined):
        found = _PAIR.findall(rest)
        legacy = _LEGACY.fullmatch(rest.strip())
        if word.upper() == "ENV" and legacy and "=" not in rest.split(None, 1)[0]:
            pairs.append((legacy.group(1), legacy.group(2).strip().strip("\"'")))
        else:
            pairs += [(k, v.strip("\"'")) for k, v in found]
    return pairs


def _compose_secrets(path: Path, source: str) -> list[Secret]:
    """`environment:` of every service, as a map or a list; entries without a value
    take the harness's own environment, as docker-compose and podman-compose do."""
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    services = doc.get("services") if isinstance(doc, dict) else None
    found: list[Secret] = []
    for service in services.values() if isinstance(services, dict) else ():
        env = service.get("environment") if isinstance(service, dict) else None
        items = list(env.items()) if isinstance(env, dict) else []
        if isinstance(env, list):
            items = [(str(e).partition("=")[0], str(e).partition("=")[2] or None) for e in env]
        for key, value in items:
            if value is None and _NAME.fullmatch(str(key)):
                found += _host_env(str(key), source)
            elif value is not None and is_secret(str(key)) and str(value):
                found.append(Secret(str(key), str(value), source))
    return found


def scenario_secrets(scenario: Scenario, directory: Path | None = None) -> list[Secret]:
    """Every value a scenario gives to a key that looks secret, and every value it
    takes from the harness's environment; `directory` adds its compose files."""
    found: list[Secret] = []
    for step in scenario.steps:
        spec = step.spec
        found += [Secret(k, str(v), scenario.id) for k, v in spec.secret_pairs() if is_secret(k)]
        if isinstance(spec, CliSpec):
            found += _host_env_secrets(spec, scenario.id)
        if isinstance(spec, ComposeUpSpec) and directory is not None:
            found += _compose_secrets(directory / spec.file, f"{scenario.id} {spec.file}")
    for image in scenario.images.values():
        pairs = [*image.build_args.items(), *_containerfile_pairs(image.containerfile or "")]
        found += [Secret(k, v, scenario.id) for k, v in pairs if is_secret(k)]
    return [s for s in found if s.value]


def secret_values(scenario: Scenario) -> set[str]:
    """Every value a scenario gives to a key that looks secret."""
    return {s.value for s in scenario_secrets(scenario)}


def _text(value: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= MIN_LENGTH:
            value = value.replace(secret, MASK)
    key, eq, rest = value.partition("=")
    if eq and rest and is_secret(key) and _NAME.fullmatch(key):
        return f"{key}={MASK}"
    return value


def redact_text(value: str, secrets: set[str]) -> str:
    """One string with every secret masked (longest first), and `KEY=value` of a secret key."""
    return _text(value, sorted(secrets, key=len, reverse=True))


def redact(value: Any, secrets: set[str], under_env: bool = False) -> Any:
    """A copy of `value` with every secret masked (longest secrets first)."""
    ordered = sorted(secrets, key=len, reverse=True)
    return _walk(value, ordered, under_env)


def _walk(value: Any, secrets: list[str], under_env: bool) -> Any:
    if isinstance(value, str):
        return _text(value, secrets)
    if isinstance(value, list):
        return [_walk(v, secrets, under_env) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            env_like = under_env or (isinstance(k, str) and k.lower() in _ENV_KEYS)
            if env_like and isinstance(k, str) and is_secret(k) and isinstance(v, str):
                out[k] = MASK
            else:
                out[k] = _walk(v, secrets, env_like and isinstance(v, dict))
        return out
    return value
