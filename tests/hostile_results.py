"""Hostile results documents, generated: every string a results.json may carry
replaced by Markdown, HTML, shell, XML and terminal traps. Shared by the report
tests and scripts/figures_reports.py. Each generated document is valid against
the results schema (that is the point: valid input, hostile content), and the
malformed ones in MALFORMED are not.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.report.synthetic import synthetic_document

CANARY = "pwned-canary"
HOSTILE: tuple[str, ...] = (
    "# Forged heading",
    "\n# Forged heading after a newline\n",
    "\r\n## Forged with CRLF\r\n",
    "Forged setext\n===",
    "[click me](javascript:alert(1))",
    "[ref]: javascript:alert(1)",
    "![pixel](https://evil.invalid/track.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "</code></td></tr></table><h1>forged</h1>",
    "<https://evil.invalid/autolink>",
    "https://evil.invalid/bare-autolink",
    "www.evil.invalid",
    "mallory@evil.invalid",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "&lt;script&gt; &#x3C;b&#x3E; &amp;",
    "| forged | table | row |",
    "`code` ``fence`` ```",
    "*emph* _under_ **bold** ~~strike~~",
    "$$x^2$$ $y$",
    ":rocket: :warning:",
    "- forged list item",
    "1. forged numbered item",
    "> forged quote",
    "$(echo pwned > pwned-canary)",
    "`echo pwned > pwned-canary`",
    "; echo pwned > pwned-canary ;",
    "' ; echo pwned > pwned-canary ; '",
    '" ; echo pwned > pwned-canary ; "',
    "&& : > pwned-canary || true",
    "| tee pwned-canary",
    "\n: > pwned-canary\n",
    "${HOME:?}/pwned-canary",
    "-v /:/host --privileged",
    "--rm; rm -rf ~",
    "\x1b[31mred\x1b[0m \x1b]0;forged title\x07 \x1b]8;;https://evil.invalid\x1b\\link",
    "\x9b31mC1 CSI",
    "nul\x00byte",
    "bell\x07backspace\x08formfeed\x0cvtab\x0b",
    "noncharacter \ufffe \uffff",
    "lone surrogates \ud800 \udfff",
    "bidi \u202egnirts\u202c \u2066iso\u2069",
    "]]><!-- --><?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    "\\",
    "",
    "x" * 5000,
)
MODES = ("append", "prepend", "replace", "wrap", "fields")
# Kept by the "fields" mode: names a reproducer line needs valid, so every other field
# reaches the command line (a hostile name or image only ever makes the line a comment).
_NAMES = {"name", "container", "image", "kind"}
# Values the schema fixes (an enum or a const): kept, or the document would not be valid.
_FIXED = {"schema", "verdict", "status"}
# Free-form maps whose keys are data too (engine names, observation keys, env names).
_KEYED = {"engines", "values", "observations", "expect", "env", "labels", "images", "leftovers"}
Poison = Callable[[str], str]

RICH_STEPS: list[dict[str, Any]] = [
    {
        "kind": "run",
        "name": "srv",
        "image": "app",
        "detach": True,
        "command": ["sh", "-c", "echo hi"],
        "entrypoint": ["/bin/sh", "-c"],
        "env": {"GREETING": "hello"},
        "user": "1000",
        "workdir": "/tmp",
        "hostname": "box",
        "network": "net",
        "memory": "64m",
        "cap_add": ["NET_ADMIN"],
        "ports": {"80/tcp": "8080"},
        "labels": {"team": "infra"},
        "mounts": [{"type": "volume", "source": "data", "target": "/data"}],
        "healthcheck": {"test": ["CMD", "true"], "interval": "1s"},
    },
    {"kind": "cli", "name": "c", "image": "app", "options": ["--entrypoint", "x"], "args": ["a"]},
    {"kind": "exec", "name": "e", "container": "srv", "command": ["cat", "/etc/hostname"]},
    {"kind": "stop", "name": "st", "container": "srv", "timeout": 3},
    {"kind": "kill", "name": "k", "container": "srv", "signal": "KILL"},
    {"kind": "read_file", "name": "r", "container": "srv", "path": "/etc/hostname"},
    {"kind": "healthcheck_run", "name": "h", "container": "srv"},
    {"kind": "volume", "name": "v"},
]


def base_document(seed: int = 7) -> dict[str, Any]:
    """A valid document that fills every optional field a report reads."""
    doc = synthetic_document(scenarios=6, engines=("docker", "podman"), seed=seed)
    known = {"engine": "podman", "key": "s0.stdout", "why": "it differs", "link": "https://x.io/1"}
    for i, s in enumerate(doc["scenarios"]):
        s["verdict"] = ("divergent", "known-divergence", "error", "failing", "portable")[i % 5]
        s["known_divergences"] = [dict(known)]
        s["stale_divergences"] = [dict(known)]
        s["host_access"] = ["bind mount of /srv (allowed by --allow-host-binds)"]
        s["legs"] = [{"run": "leg-a", "verdict": "portable"}, {"run": "leg-b", "verdict": "error"}]
        s["images"] = {"app": {"docker": "harness-app:1", "podman": "harness-app:2"}}
        s["differences"] = [{"key": "s0.stdout", "values": {"docker": "a\n", "podman": "b\n"}}]
        for outcome in s["engines"].values():
            outcome["leftovers"] = ["container abc123"]
            outcome["error"] = "engine said no"
    doc["scenarios"][0]["steps"] = copy.deepcopy(RICH_STEPS)
    doc["scenarios"][1]["fixed_divergences"] = [{**known, "versions": "<2", "fixed_in": "2.0"}]
    doc["scenarios"][2]["fixed_divergences"] = [{**known, "versions": "<2", "fixed_in": "2.0"}]
    ids = [s["id"] for s in doc["scenarios"]]
    doc["drift"] = [
        {
            "engine": "podman",
            "from": "podman-old",
            "to": "podman",
            "from_version": "1.0",
            "to_version": "2.0",
            "reference": "docker",
            "fixed": [{"scenario": ids[1], "keys": ["s0.stdout"]}],
            "introduced": [{"scenario": ids[0], "keys": ["s0.stdout", "s0.exit_code"]}],
            "changed": [{"scenario": "not-in-the-document", "keys": ["s0.stderr"]}],
            "unchanged": 3,
        }
    ]
    doc["run"]["leftovers"] = {"docker": ["volume v1"]}
    doc["run"]["sources"] = [{"id": "leg-a", "host": {"name": "ci-1"}}]
    return doc


def _walk(
    value: Any, poison: Poison, key: str | None = None, keep: frozenset[str] = frozenset()
) -> Any:
    if isinstance(value, str):
        return value if key in _FIXED | keep else poison(value)
    if isinstance(value, list):
        return [_walk(v, poison, None, keep) for v in value]
    if isinstance(value, dict):
        if key == "summary":  # verdict names to counts, fixed by the schema
            return dict(value)
        keyed = key in _KEYED
        return {
            (poison(k) if keyed else k): _walk(v, poison, None if keyed else k, keep)
            for k, v in value.items()
        }
    return value


def poisoned(
    document: dict[str, Any], poison: Poison, keep_kinds: bool = True, keep_names: bool = False
) -> dict[str, Any]:
    """`document` with every free string (and free-form key) passed through `poison`."""
    doc = _walk(document, poison, keep=frozenset(_NAMES if keep_names else ()))
    doc["schema"] = document["schema"]
    if keep_kinds:
        for new, old in zip(doc["scenarios"], document["scenarios"], strict=True):
            for step, original in zip(new.get("steps", []), old.get("steps", []), strict=True):
                step["kind"] = original["kind"]
    return dict(doc)


def _fixed(text: str, mode: str) -> Poison:
    def poison(value: str) -> str:
        return {
            "append": value + text,
            "prepend": text + value,
            "replace": text,
            "wrap": text + value + text,
            "fields": value + text,
        }[mode]

    return poison


def _mixed(rng: random.Random) -> Poison:
    def poison(value: str) -> str:
        # never empty where the value was not (an empty id is invalid, not hostile)
        return rng.choice([value, *HOSTILE]) + rng.choice(["", value, *HOSTILE]) or value

    return poison


def hostile_documents(mixed: int = 60) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, document): each hostile string in each mode, then `mixed` random blends."""
    base = base_document()
    for n, text in enumerate(HOSTILE):
        for mode in MODES if text else ("append",):  # an empty id is invalid, not hostile
            yield (
                f"h{n:02d}-{mode}",
                poisoned(base, _fixed(text, mode), keep_names=mode == "fields"),
            )
    for n in range(mixed):
        rng = random.Random(n)
        yield f"mixed-{n:03d}", poisoned(base, _mixed(rng), keep_kinds=n % 4 != 0)


def dump(document: Any) -> str:
    """JSON as a hostile writer would send it: lone surrogates travel as \\u escapes."""
    return json.dumps(document, ensure_ascii=True)


def _nested(depth: int) -> str:
    return '{"schema": "harness.results/1", "x": ' + "[" * depth + "]" * depth + "}"


def malformed_inputs(tmp: Path) -> Iterator[tuple[str, Path]]:
    """(name, path) of inputs that are not results documents; each must exit 2."""
    good = base_document()
    texts: dict[str, str | bytes] = {
        "not json": "this is not json {",
        "empty file": "",
        "truncated": dump(good)[:-20],
        "top-level list": "[]",
        "top-level string": '"results"',
        "NaN": dump(good).replace('"duration_s": ', '"duration_s": NaN, "x": ', 1),
        "invalid utf-8": b'{"schema": "harness.results/1", "x": "\xff\xfe"}',
        "deep nesting (parser)": _nested(100_000),
        "deep nesting (schema)": _nested(500),
        "wrong schema id": dump({**good, "schema": "harness.results/999"}),
        "missing scenarios": dump({k: v for k, v in good.items() if k != "scenarios"}),
    }
    wrong = copy.deepcopy(good)
    wrong["scenarios"][2]["engines"]["docker"]["duration_s"] = "fast"
    texts["wrong type deep"] = dump(wrong)
    wrong = copy.deepcopy(good)
    wrong["scenarios"][1]["verdict"] = "# pwned"
    texts["verdict not in enum"] = dump(wrong)
    wrong = copy.deepcopy(good)
    wrong["engines"][0]["available"] = "yes"
    texts["engine available not bool"] = dump(wrong)
    for n, (name, text) in enumerate(texts.items()):
        path = tmp / f"malformed-{n:02d}.json"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        yield name, path
    (tmp / "a-directory.json").mkdir(exist_ok=True)
    yield "a directory", tmp / "a-directory.json"
    yield "a missing file", tmp / "does-not-exist.json"
