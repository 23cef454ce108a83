"""`harness check [PATH]`: build and run your own project on every engine, compare.

Exit codes as for `run`: 0 portable; 1 a difference or failure; 2 a file that cannot be
parsed (file:line:col, before any engine resource exists); 3 an engine unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.check.artifact import Options
from harness.check.compose import check_compose
from harness.check.document import to_document
from harness.check.project import load_project
from harness.check.report import write_check_reports
from harness.check.runner import CheckRun, cleanup, run_check
from harness.engines import create_engine, default_names
from harness.errors import ScenarioError
from harness.labels import new_run_id
from harness.lint.runner import lint
from harness.verdict.enums import Verdict

OK, FINDINGS, BAD_INPUT, ENGINE_TROUBLE = 0, 1, 2, 3


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("check", help="build and run your project on every engine")
    p.add_argument("path", nargs="?", default=".", metavar="PATH")
    p.add_argument("--engine", action="append", metavar="NAME")
    p.add_argument("--url", action="append", default=[], metavar="NAME=URL")
    p.add_argument("--out", default="harness-check", metavar="DIR")
    p.add_argument("--service", action="append", metavar="NAME")
    p.add_argument("--smoke", metavar="CMD", help="run this instead of the default command")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S")
    p.add_argument("--share-images", action="store_true", help="copy missing bases")
    p.add_argument("--pull", action="store_true", help="let engines pull missing bases")
    p.add_argument("--no-cache", action="store_true", help="rebuild; remove built images")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def exit_code(document: dict[str, Any]) -> int:
    if any(not e["available"] for e in document["engines"]):
        return ENGINE_TROUBLE
    verdicts = {s["verdict"] for s in document["scenarios"]}
    if Verdict.ERROR in verdicts:
        return ENGINE_TROUBLE
    return FINDINGS if verdicts & {Verdict.DIVERGENT, Verdict.FAILING} else OK


def _urls(pairs: list[str]) -> dict[str, str]:
    return dict(p.partition("=")[::2] for p in pairs)


def run(args: argparse.Namespace) -> int:
    try:
        project = load_project(args.path, args.service)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    urls = _urls(args.url)
    engines = [create_engine(n, urls.get(n)) for n in dict.fromkeys(args.engine or default_names())]
    infos = [e.info() for e in engines]
    usable = [e for e, i in zip(engines, infos, strict=True) if i.available]
    opts = Options(
        run_id=new_run_id(),
        timeout=args.timeout,
        smoke=args.smoke,
        share_images=args.share_images,
        pull=args.pull,
        use_cache=not args.no_cache,
        services=tuple(args.service or ()),
    )
    checked = CheckRun(project, usable, opts)
    try:
        run_check(checked)
        check_compose(checked)
    finally:
        cleanup(checked)
        for engine in engines:
            engine.close()
    document = to_document(checked, lint(project.inputs), infos)
    write_check_reports(document, Path(args.out))  # validates (results.invalid.json if not)
    if not args.quiet:
        print((Path(args.out) / "summary.md").read_text().split("\n\n# ")[0])
    return exit_code(document)
