"""Redaction of a whole results document that cannot destroy it.

`harness.redact` finds secrets and masks text; this module decides where and
which. Harness-owned fields (the schema id, run ids and times, engine
fingerprints and names, scenario ids, areas and files, statuses, verdicts,
check and difference keys, step kinds, summary counts) and every mapping key
are never touched, so a redacted document always validates. A secret that is
too short, or equals a word those fields use (`docker`, `portable`, `pass`),
would turn ordinary text into `***` everywhere: it is masked only where its
key names it (`DB_PASSWORD=…`, env maps), and `run.warnings` says so without
ever printing the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.model.redact import _ENV_KEYS, MASK, MIN_LENGTH, Secret, _text, is_secret, redact
from harness.verdict.compare import VERDICTS
from harness.verdict.enums import Status

# Paths of harness-owned values; "*" is any list index or mapping key; a path that
# ends at a container protects everything below it.
PROTECTED: tuple[tuple[str, ...], ...] = (
    ("schema",),
    ("summary",),
    ("run", "id"),
    ("run", "started"),
    ("run", "finished"),
    ("run", "incomplete"),
    ("run", "host"),
    ("run", "build_stats"),
    ("run", "stale_removed"),
    ("run", "warnings"),
    ("run", "sources"),
    ("engines",),
    ("scenarios", "*", "id"),
    ("scenarios", "*", "area"),
    ("scenarios", "*", "file"),
    ("scenarios", "*", "line"),
    ("scenarios", "*", "verdict"),
    ("scenarios", "*", "engines", "*", "status"),
    ("scenarios", "*", "engines", "*", "duration_s"),
    ("scenarios", "*", "engines", "*", "checks", "*", "key"),
    ("scenarios", "*", "engines", "*", "checks", "*", "ok"),
    ("scenarios", "*", "differences", "*", "key"),
    ("scenarios", "*", "known_divergences", "*", "engine"),
    ("scenarios", "*", "known_divergences", "*", "key"),
    ("scenarios", "*", "stale_divergences", "*", "engine"),
    ("scenarios", "*", "stale_divergences", "*", "key"),
    ("scenarios", "*", "legs"),
    ("scenarios", "*", "steps", "*", "kind"),
)
STATUSES = tuple(Status)
_WORD = re.compile(r"[A-Za-z0-9]+")


Trie = dict[str, Any]
_END = ""  # marks a protected node in the trie (no key of the document is "" there)


def _trie(patterns: Iterable[tuple[str, ...]]) -> Trie:
    root: Trie = {}
    for pattern in patterns:
        node = root
        for step in pattern:
            node = node.setdefault(step, {})
        node[_END] = True
    return root


_TRIE = _trie(PROTECTED)


def _step(nodes: list[Trie], key: str) -> tuple[list[Trie], bool]:
    """The trie nodes below `nodes` for `key` (or any key), and whether it is protected.
    Off the trie (most of a document) the list is empty and costs nothing."""
    if not nodes:
        return nodes, False
    below = [n[k] for n in nodes for k in (key, "*") if k in n]
    return below, any(_END in n for n in below)


def _owned_words(value: Any, nodes: list[Trie], protected: bool, words: set[str]) -> None:
    """Every value of a protected field, and every key, with the words inside them."""
    if isinstance(value, dict):
        for k, v in value.items():
            words.add(str(k))
            words.update(_WORD.findall(str(k)))
            below, owned = _step(nodes, str(k))
            _owned_words(v, below, protected or owned, words)
    elif isinstance(value, list):
        below, owned = _step(nodes, "*")
        for v in value:
            _owned_words(v, below, protected or owned, words)
    elif protected and isinstance(value, str):
        words.add(value)
        words.update(_WORD.findall(value))


def vocabulary(document: dict[str, Any]) -> set[str]:
    """Words the results themselves use: a secret equal to one is unsafe to mask."""
    words = {*VERDICTS, *STATUSES, "true", "false", "null", "docker", "podman", MASK}
    _owned_words(document, [_TRIE], False, words)
    return {w.lower() for w in words}


def _unsafe(secret: Secret, words: set[str]) -> str | None:
    if len(secret.value) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if secret.value.lower() in words or secret.value.strip().lower() in words:
        return "equal to a word the results themselves use"
    return None


def _walk(value: Any, nodes: list[Trie], secrets: list[str], under_env: bool) -> Any:
    if isinstance(value, str):
        return _text(value, secrets)
    if isinstance(value, list):
        below, owned = _step(nodes, "*")
        return [v if owned else _walk(v, below, secrets, under_env) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            below, owned = _step(nodes, str(k))
            env_like = under_env or (isinstance(k, str) and k.lower() in _ENV_KEYS)
            if owned:
                out[k] = v
            elif env_like and isinstance(k, str) and is_secret(k) and isinstance(v, str):
                out[k] = MASK
            else:
                out[k] = _walk(v, below, secrets, env_like and isinstance(v, dict))
        return out
    return value


def redact_document(document: dict[str, Any], secrets: Iterable[Secret]) -> dict[str, Any]:
    """A copy of `document` with safe secrets masked in every non-owned string, and a
    warning in `run.warnings` for each secret left to key-based masking only."""
    words = vocabulary(document)
    applied: set[str] = set()
    warnings: list[str] = []
    for secret in secrets:
        reason = _unsafe(secret, words)
        if reason is None:
            applied.add(secret.value)
        else:
            warnings.append(
                f"secret {secret.key} ({secret.source}) not masked in free text: {reason}; "
                "masked only where its key names it"
            )
    ordered = sorted(applied, key=len, reverse=True)
    out = dict(_walk(document, [_TRIE], ordered, False))
    if warnings:
        run = dict(out["run"])
        run["warnings"] = [*run.get("warnings", []), *dict.fromkeys(warnings)]
        out["run"] = run
    return out


@dataclass(frozen=True)
class TextMask:
    """The secrets safe to mask in free text, for text outside the document."""

    values: frozenset[str]

    def __call__(self, text: str) -> str:
        return _text(text, sorted(self.values, key=len, reverse=True))

    def data(self, value: Any) -> Any:
        """Plain data (an outcome on its way to another process) masked the same way."""
        return redact(value, set(self.values))


def text_redactor(secrets: Iterable[Secret], words: Iterable[str] = ()) -> TextMask:
    """Masking for text outside the document (a progress line, a pytest failure):
    the same secrets, the same refusal of unsafe ones, decided against the fixed
    vocabulary plus `words` (engine names, the scenario id)."""
    owned = {*VERDICTS, *STATUSES, "true", "false", "null", "docker", "podman", MASK}
    owned |= {w.lower() for word in words for w in (word, *_WORD.findall(word))}
    return TextMask(frozenset(s.value for s in secrets if _unsafe(s, owned) is None))
