"""Secrets never reach an output: env values whose keys look secret become `***`.

A scenario's env (run and exec steps, build args, `-e KEY=VALUE` in cli
options, `ENV`/`ARG` lines of Containerfiles) may carry a token. Its value is
replaced wherever it appears in the results document: the structured env, the
`KEY=VALUE` strings of inspect documents, and any text an engine printed
(stdout, errors, repro commands). Every report renders from that document,
so redacting it once covers results.json, HTML, JUnit and Markdown.
"""

from __future__ import annotations

import re
from typing import Any

from harness.model.scenario import Scenario

SECRET_KEY = re.compile(r"(?i)(pass|secret|token|key|credential|auth)")
MASK = "***"
MIN_LENGTH = 3  # shorter values would mask ordinary text everywhere; their keys still mask them
_ENV_LINE = re.compile(r"^\s*(?:ENV|ARG)\s+(.+)$", re.I | re.M)
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S+)")
_ENV_KEYS = ("env", "environment", "build_args")


def is_secret(key: str) -> bool:
    return SECRET_KEY.search(key) is not None


def secret_values(scenario: Scenario) -> set[str]:
    """Every value a scenario gives to a key that looks secret."""
    pairs: list[tuple[str, str]] = []
    for step in scenario.steps:
        pairs += list(step.spec.secret_pairs())
    for image in scenario.images.values():
        pairs += list(image.build_args.items())
        for line in _ENV_LINE.findall(image.containerfile or ""):
            pairs += [(k, v.strip("\"'")) for k, v in _PAIR.findall(line)]
    return {value for key, value in pairs if is_secret(key) and value}


def _text(value: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= MIN_LENGTH:
            value = value.replace(secret, MASK)
    key, eq, rest = value.partition("=")
    if eq and rest and is_secret(key) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{key}={MASK}"
    return value


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
