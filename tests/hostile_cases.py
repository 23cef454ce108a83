"""Bad scenario files: hand-written traps and generators, shared by the tests and
scripts/figures.py. Every case here must be rejected with file:line:col."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

GOOD = """\
schema: 1
id: fuzz.base
area: fuzz
title: A valid scenario to break
refs: [https://docs.docker.com/reference/]
images:
  app:
    containerfile: |
      FROM {{ base }}
      CMD ["true"]
volumes:
  data: {}
host_files:
  in.txt: hello
steps:
  - run: {name: a, image: app, command: [echo, hi], timeout: 10, mounts: [{type: volume, source: data, target: /d}]}
  - run: {name: b, image: base, command: [sleep, "5"], detach: true}
  - exec: {name: c, container: b, command: ["true"], timeout: 5}
expect:
  a.exit_code: 0
"""


def _steps(body: str) -> str:
    head = GOOD.split("steps:")[0]
    return head + "steps:\n" + body


def _replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


TRAPS: dict[str, str] = {
    # malformed YAML
    "unclosed flow": "schema: 1\nid: [a, b\n",
    "tab indent": "schema: 1\nsteps:\n\t- run: {}\n",
    "bad indent": "schema: 1\n  id: x\n id: y\n",
    "unclosed quote": 'schema: 1\ntitle: "never ends\n',
    "two documents": GOOD + "---\n" + GOOD,
    "empty file": "",
    "only a comment": "# nothing\n",
    "top-level list": "- schema: 1\n",
    "top-level scalar": "just text\n",
    "invalid utf-8": "schema: 1\ntitle: caf\udce9\n",
    "nul byte": "schema: 1\x00\n",
    # wrong types
    "schema as text": _replace("schema: 1", 'schema: "1"'),
    "schema 2": _replace("schema: 1", "schema: 2"),
    "steps a mapping": _replace("steps:\n  - run: {name: a", "steps:\n  x:\n  - run: {name: a"),
    "command a string": _replace("command: [echo, hi]", "command: echo hi"),
    "command with a number": _replace("command: [echo, hi]", "command: [echo, 1]"),
    "env value a number": _replace("image: app,", "image: app, env: {A: 1},"),
    "refs a string": _replace("refs: [https://docs.docker.com/reference/]", "refs: https://x"),
    "title empty": _replace("title: A valid scenario to break", 'title: ""'),
    "timeout as text": _replace("timeout: 10", 'timeout: "10"'),
    "id pattern": _replace("id: fuzz.base", "id: Fuzz Base"),
    # unknown keys
    "unknown top key": GOOD + "extra: 1\n",
    "typo in run": _replace("command: [echo, hi]", "comand: [echo, hi]"),
    "unknown mount key": _replace("target: /d}", "target: /d, mode: rw}"),
    "two kinds in a step": _replace(
        "  - run: {name: b", "  - exec: {name: z, container: b, command: [x]}\n    run: {name: b"
    ),
    # YAML 1.1 traps: these stay strings, so typed fields refuse them
    "sexagesimal port": _replace("timeout: 10,", "timeout: 10, ports: {80/tcp: 22:22},"),
    "off as a bool": _replace("detach: true", "detach: off"),
    "yes as a bool": _replace("detach: true", "detach: yes"),
    "octal-looking number": _replace("timeout: 10", "timeout: 0o17x"),
    "merge key": _replace(
        "volumes:\n  data: {}", "base: &b {options: {}}\nvolumes:\n  data: {<<: *b}"
    ),
    "python tag": _replace(
        "title: A valid scenario to break", "title: !!python/object:os.system x"
    ),
    "custom tag": _replace("title: A valid scenario to break", "title: !secret t"),
    "duplicate key": _replace("area: fuzz", "area: fuzz\narea: again"),
    "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(8)
    ),
    "deep nesting": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    # undefined references
    "unknown image": _replace("image: app,", "image: nope,"),
    "unknown container": _replace("container: b,", "container: nope,"),
    "exec on a non-detached run": _replace("container: b,", "container: a,"),
    "unknown volume": _replace("source: data", "source: nope"),
    "expect names no step": GOOD + "  nope.exit_code: 0\n",
    "compare names no step": GOOD + "compare: [nope.stdout]\n",
    "unknown placeholder": _replace("FROM {{ base }}", "FROM {{ images.nope }}"),
    "self placeholder": _replace("FROM {{ base }}", "FROM {{ images.app }}"),
    "duplicate step name": _replace("name: b,", "name: a,").replace(
        "container: b,", "container: a,"
    ),
    "known divergence names no step": GOOD
    + "known_divergences: [{engine: podman, key: nope.x, why: w}]\n",
    # absurd values
    "negative timeout": _replace("timeout: 10", "timeout: -1"),
    "zero timeout": _replace("timeout: 10", "timeout: 0"),
    "infinite timeout": _replace("timeout: 10", "timeout: .inf"),
    "nan timeout": _replace("timeout: 10", "timeout: .nan"),
    "huge timeout": _replace("timeout: 10", "timeout: 1e300"),
    "memory beyond the host": _replace("image: app,", "image: app, memory: 64t,"),
    "memory nonsense": _replace("image: app,", "image: app, memory: lots,"),
    "negative cpus": _replace("image: app,", "image: app, cpus: -1,"),
    "negative pids": _replace("image: app,", "image: app, pids_limit: -5,"),
    "huge stop timeout": _replace("image: app,", "image: app, stop_timeout: 100000,"),
    "huge integer": _replace("image: app,", "image: app, pids_limit: " + "9" * 400 + ","),
    "scenario timeout negative": GOOD + "timeout: -5\n",
    "integer past Python's limit": _replace(
        "image: app,", "image: app, pids_limit: " + "9" * 5000 + ","
    ),
    "deep block nesting": "a:\n" + "".join("  " * i + "- \n" for i in range(3000)),
    # path traversal and host access
    "bind /etc": _replace(
        "{type: volume, source: data, target: /d}", "{type: bind, source: /etc, target: /d}"
    ),
    "bind ../..": _replace(
        "{type: volume, source: data, target: /d}", "{type: bind, source: ../../.., target: /d}"
    ),
    "bind tmp/..": _replace(
        "{type: volume, source: data, target: /d}",
        "{type: bind, source: '{{ tmp }}/../..', target: /d}",
    ),
    "bind without source": _replace(
        "{type: volume, source: data, target: /d}", "{type: bind, target: /d}"
    ),
    "context ../..": _replace(
        'containerfile: |\n      FROM {{ base }}\n      CMD ["true"]', "context: ../../.."
    ),
    "context absolute": _replace(
        'containerfile: |\n      FROM {{ base }}\n      CMD ["true"]', "context: /etc"
    ),
    "host file escapes": _replace("in.txt: hello", "../../escape.txt: hello"),
    "host file absolute": _replace("in.txt: hello", "/etc/cron.d/x: hello"),
    "host step escapes": _replace(
        "  - exec: {name: c",
        "  - host: {name: h, path: '{{ tmp }}/../../etc/shadow'}\n  - exec: {name: c",
    ),
    "host step outside tmp": _replace(
        "  - exec: {name: c", "  - host: {name: h, path: /etc/shadow}\n  - exec: {name: c"
    ),
    "privileged": _replace("image: app,", "image: app, privileged: true,"),
    "cli privileged": _steps("  - cli: {name: c, image: base, options: [--privileged]}\n"),
    "cli bind /": _steps("  - cli: {name: c, image: base, options: [-v, '/:/host']}\n"),
    "cli bind --volume=": _steps(
        "  - cli: {name: c, image: base, options: ['--volume=/etc:/x:ro']}\n"
    ),
    "cli mount bind": _steps(
        "  - cli: {name: c, image: base, options: [--mount, 'type=bind,source=/,target=/h']}\n"
    ),
    "cli bind tmp/..": _steps(
        "  - cli: {name: c, image: base, options: [-v, '{{ tmp }}/../x:/x']}\n"
    ),
    "cli unknown placeholder": _steps(
        "  - cli: {name: c, image: base, options: ['{{ secrets.x }}']}\n"
    ),
    # size
    "very large file": GOOD + "description: |\n" + ("  " + "x" * 99 + "\n") * 11000,
    "many values": GOOD + "compare: [" + ", ".join(["a.stdout"] * 60000) + "]\n",
}


# --- generators: a valid document with exactly one thing made wrong ---------------

REQUIRED = ["schema", "id", "area", "title", "refs", "steps"]
MUTATIONS = ["unknown_key", "drop_required", "wrong_type", "bad_reference", "absurd"]


def good_document() -> dict[str, Any]:
    return dict(yaml.safe_load(GOOD))


def _mappings(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(node, dict):
        found.append(path)
        for k, v in node.items():
            found += _mappings(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _mappings(v, (*path, i))
    return found


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


WRONG_TYPES: list[tuple[tuple[Any, ...], Any]] = [
    (("schema",), "one"),
    (("id",), 7),
    (("title",), ["list"]),
    (("refs",), "https://x"),
    (("steps",), {"run": {}}),
    (("steps", 0, "run", "command"), "echo hi"),
    (("steps", 0, "run", "timeout"), "ten"),
    (("steps", 1, "run", "detach"), "off"),
    (("steps", 0, "run", "mounts"), {"type": "volume"}),
    (("images", "app", "containerfile"), 12),
    (("volumes", "data"), ["x"]),
    (("host_files", "in.txt"), 5),
    (("expect",), ["a.exit_code"]),
]
BAD_REFERENCES: list[tuple[tuple[Any, ...], Any]] = [
    (("steps", 0, "run", "image"), "ghost"),
    (("steps", 2, "exec", "container"), "ghost"),
    (("steps", 0, "run", "mounts", 0, "source"), "ghost"),
]
ABSURD: list[tuple[tuple[Any, ...], Any]] = [
    (("steps", 0, "run", "timeout"), -3),
    (("steps", 0, "run", "timeout"), 10**9),
    (("steps", 2, "exec", "timeout"), 0),
    (("steps", 0, "run", "memory"), "900t"),
    (("steps", 0, "run", "cpus"), 0),
    (("steps", 0, "run", "pids_limit"), -9),
]


def mutate(kind: str, choice: int, text: str) -> dict[str, Any]:
    """The good document with one defect of `kind`; `choice` and `text` pick which."""
    doc = copy.deepcopy(good_document())
    if kind == "unknown_key":
        maps = [p for p in _mappings(doc) if not _free_form(p)]
        target = _at(doc, maps[choice % len(maps)])
        target["x_" + re.sub(r"[^a-z0-9_]", "", text.lower())[:20]] = text
    elif kind == "drop_required":
        del doc[REQUIRED[choice % len(REQUIRED)]]
    else:
        table = {"wrong_type": WRONG_TYPES, "bad_reference": BAD_REFERENCES, "absurd": ABSURD}
        path, value = table[kind][choice % len(table[kind])]
        _at(doc, path[:-1])[path[-1]] = value
    if kind == "bad_reference" and "expect" in doc:
        doc["expect"]["ghost.stdout"] = text  # a second, always-wrong reference
    return doc


def _free_form(path: tuple[Any, ...]) -> bool:
    """Mappings whose keys are the user's own (names, env, expectations, files)."""
    last = path[-1] if path else None
    return last in ("images", "volumes", "expect", "host_files", "env", "labels", "options")


def dump(doc: dict[str, Any], style: str) -> str:
    return json.dumps(doc) if style == "json" else yaml.safe_dump(doc, sort_keys=False)


def position_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(str(path))}:\d+:\d+: \S")
