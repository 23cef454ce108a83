"""Generated bad inputs for scripts/figures.py (issue 13 #8): scenario files,
Containerfiles (inline and in contexts), compose files under contexts/, and
results files for `harness report`.

Every case must be refused with file:line:col (results files: with the file and
JSON path, BadResults) and no traceback. A sample goes through the real
`harness run` / `harness report` in a subprocess, and the engines are asked, by
the scenario label, whether anything was created for it (it must not be).
"""

from __future__ import annotations

import copy
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.engines.base import Engine  # noqa: E402
from harness.errors import ScenarioErrors  # noqa: E402
from harness.labels import SCENARIO  # noqa: E402
from harness.model.loader import load_scenario  # noqa: E402
from harness.report.inputs import BadResults, load_results  # noqa: E402
from tests.hostile_cases import MUTATIONS, TRAPS, dump, mutate  # noqa: E402
from tests.hostile_results import base_document, malformed_inputs  # noqa: E402
from tests.hostile_results import dump as dump_results  # noqa: E402

POSITION = re.compile(r"^/\S*:\d+:\d+: \S")
HEAD = """\
schema: 1
id: {id}
area: figures
title: A generated bad input
refs: [https://docs.docker.com/reference/]
"""
REMOTE = ["busybox", "alpine:3", "quay.io/x/y:1", "registry.invalid/z", "docker.io/library/a"]
FETCHES = [
    "FROM {r}",
    "from {r} AS s",
    "FROM --platform=linux/amd64 {r}",
    "FROM \\\n  {r}",
    "ARG B={r}\nFROM ${{B}}",
    "ARG B\nFROM ${{B:-{r}}}",
    "FROM {{{{ base }}}}\nCOPY --from={r} /x /x",
    "FROM {{{{ base }}}}\nRUN --mount=type=bind,from={r},target=/d true",
    "FROM {{{{ base }}}}\nADD https://example.invalid/{n}.tgz /x",
    "FROM {{{{ base }}}}\nADD --checksum=sha256:00 http://{n}.invalid/f /f",
    "FROM {{{{ base }}}}\nBOGUS {n}",
    "FROM {{{{ base }}}}\nRUN",
    "FROM {{{{ base }}}}\nONBUILD FROM {r}",
    "RUN true",
    "FROM {{{{ ghost }}}}",
]
COMPOSE = [
    "services:\n  web:\n    image: {r}\n",
    "services:\n  web:\n    build: .\n",
    "services:\n  web: {n}\n",
    "services: [{n}]\n",
    "version: '3'\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    privileged: true\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    pid: host\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    devices: [/dev/sda]\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    volumes: [/etc:/host]\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    env_file: /etc/{n}\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    cap_add: [SYS_ADMIN]\n",
    "services:\n  web:\n    image: '{{{{ base }}}}'\n    labels: {{io.harness.run: {n}}}\n",
    "services:\n  web:\n    image: '{{{{ images.{n} }}}}'\n",
    "services:\n  web: {{image: '{{{{ base }}}}'\n",
    "\t{n}: [\n",
]


@dataclass
class BadFigures:
    tried: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)  # with file:line:col, no traceback
    problems: list[str] = field(default_factory=list)
    through_cli: int = 0  # run through the real command in a subprocess
    cli_clean: int = 0  # exit 2, no traceback
    created: int = 0  # engine resources labelled with a bad case's id, after - before: 0


def _token(rng: random.Random) -> str:
    return "".join(rng.choice("abcxyz019") for _ in range(rng.randint(1, 8)))


def _scenario_texts(count: int, rng: random.Random) -> Iterator[str]:
    yield from TRAPS.values()
    for _ in range(count):
        kind = rng.choice(MUTATIONS)
        text = "".join(rng.choice("abcXYZ_- :/[]{}") for _ in range(rng.randint(1, 12)))
        yield dump(mutate(kind, rng.randint(0, 1000), text), rng.choice(["yaml", "json"]))
    for _ in range(count // 3):
        yield "".join(chr(rng.randint(1, 0x2FF)) for _ in range(rng.randint(0, 200)))


def _containerfile(rng: random.Random) -> str:
    return rng.choice(FETCHES).format(r=rng.choice(REMOTE), n=_token(rng))


def _write_case(directory: Path, family: str, i: int, rng: random.Random) -> Path:
    """One scenario directory with one defect of `family`; the scenario file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path, head = directory / "s.yaml", HEAD.format(id=f"figures.bad-{family}-{i}")
    if family == "containerfile":
        body = "".join(f"      {line}\n" for line in _containerfile(rng).splitlines())
        path.write_text(f"{head}images:\n  app:\n    containerfile: |\n{body}"
                        "steps:\n  - run: {name: a, image: app}\n")  # fmt: skip
    elif family == "context":
        (directory / "contexts" / "app").mkdir(parents=True)
        name = rng.choice(["Containerfile", "Dockerfile"])
        (directory / "contexts" / "app" / name).write_text(_containerfile(rng) + "\n")
        path.write_text(f"{head}images:\n  app: {{context: contexts/app, file: {name}}}\n"
                        "steps:\n  - run: {name: a, image: app}\n")  # fmt: skip
    else:
        (directory / "contexts").mkdir()
        text = rng.choice(COMPOSE).format(r=rng.choice(REMOTE), n=_token(rng))
        (directory / "contexts" / "app.yaml").write_text(text)
        path.write_text(f"{head}steps:\n  - compose_up: {{name: up, file: contexts/app.yaml}}\n")
    return path


def _refused(path: Path) -> str | None:
    """None when refused with file:line:col on every error, else what went wrong."""
    try:
        load_scenario(path)
    except ScenarioErrors as exc:
        bad = [str(e.args[0]) for e in exc.errors if not POSITION.match(str(e.args[0]))]
        return f"no position: {bad[0][:120]!r}" if bad else None
    except Exception as exc:  # a crash is exactly what this counts
        return f"crash {type(exc).__name__}: {exc}"[:160]
    return "accepted"


def _count(figures: BadFigures, family: str, problem: str | None, what: str) -> None:
    figures.tried[family] = figures.tried.get(family, 0) + 1
    if problem is None:
        figures.refused[family] = figures.refused.get(family, 0) + 1
    else:
        figures.problems.append(f"{family}: {problem}: {what[:80]!r}")


def _results_texts(count: int, rng: random.Random) -> Iterator[str]:
    """Results documents with one defect: a leaf of the wrong type, a key dropped or
    added, the text cut short or a byte flipped."""
    good = base_document()
    text = dump_results(good)
    wrong: list[Any] = ["x", -1, None, [], {}, 1.5, True, "# pwned"]
    for i in range(count):
        doc = copy.deepcopy(good)
        mode = i % 4
        if mode == 3:
            cut = rng.randint(0, len(text) - 1)
            yield text[:cut] + rng.choice(["", "\x00", "{", "]", "\udcff"]) + text[cut + 1 : cut]
            continue
        node, key = _random_slot(doc, rng)
        if mode == 0:
            node[key] = rng.choice([w for w in wrong if type(w) is not type(node[key])])
        elif mode == 1 and isinstance(node, dict):
            node[f"x_{_token(rng)}"] = 1
        elif isinstance(node, dict):
            del node[key]
        else:
            node[key] = {"x": 1}
        yield dump_results(doc)


def _random_slot(doc: Any, rng: random.Random) -> tuple[Any, Any]:
    """A random container and one of its keys/indexes, descending a random path."""
    node, key = doc, rng.choice(list(doc))
    while isinstance(node[key], dict | list) and node[key] and rng.random() < 0.8:
        node = node[key]
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
    return node, key


def _results_refused(path: Path) -> str | None:
    try:
        load_results(path)
    except BadResults as exc:
        return None if str(exc).startswith(str(path)) else f"no file name: {exc}"[:160]
    except Exception as exc:
        return f"crash {type(exc).__name__}: {exc}"[:160]
    return "accepted"


def _valid_results(text: str) -> bool:
    from harness.results.document import validate

    try:
        validate(json.loads(text))
    except Exception:
        return False
    return True


def _through_cli(path: Path, work: Path, targets: list[Engine], figures: BadFigures) -> None:
    """The real `harness run` on one bad case: exit 2, no traceback, nothing created."""
    scenario_id = f"figures.bad-{path.parent.name}"
    before = _labelled(targets, scenario_id)
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(path), "-q", "--out", str(work / "o"),
         *(a for e in targets for a in ("--engine", e.name))],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    figures.through_cli += 1
    if done.returncode == 2 and "Traceback" not in done.stderr:
        figures.cli_clean += 1
    else:
        figures.problems.append(f"cli: {path}: exit {done.returncode}: {done.stderr[-200:]!r}")
    figures.created += _labelled(targets, scenario_id) - before


def _labelled(targets: list[Engine], scenario_id: str) -> int:
    """Containers, volumes and networks labelled with this scenario id, on every engine."""
    return sum(
        len(ids) for e in targets for ids in e.list_labelled({SCENARIO: scenario_id}).values()
    )


def bad_inputs(count: int, work: Path, targets: list[Engine], every: int = 40) -> BadFigures:
    """About `count` generated bad inputs plus the hand-written traps; every `every`-th
    scenario-directory case also goes through `harness run`."""
    rng, figures = random.Random(13), BadFigures()
    path = work / "scenario.yaml"
    for text in _scenario_texts(count * 2 // 5, rng):
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        _count(figures, "scenario file", _refused(path), text)
    for family in ("containerfile", "context", "compose"):
        for i in range(count * 3 // 25):
            case = _write_case(work / f"{family}-{i}", family, i, rng)
            inner = [p for p in case.parent.rglob("*") if p.is_file() and p != case]
            _count(figures, family, _refused(case), "".join(p.read_text() for p in inner))
            if i % every == 0:
                _through_cli(case, work, targets, figures)
    for i, text in enumerate(_results_texts(count * 3 // 25, rng)):
        if _valid_results(text):
            continue  # a mutation the contract allows: not a bad input
        results = work / f"results-{i}.json"
        results.write_text(text, encoding="utf-8", errors="surrogateescape")
        _count(figures, "results file", _results_refused(results), text)
    (work / "malformed").mkdir()
    for name, bad in malformed_inputs(work / "malformed"):
        _count(figures, "results file", _results_refused(bad), name)
    return figures
