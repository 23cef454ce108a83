"""`harness lint [PATH ...]`: static portability findings, optionally judged by results.

Exit codes: 0 nothing at or above --min-severity; 1 findings; 2 bad input (file:line:col).
"""

from __future__ import annotations

import argparse
import sys

from harness.errors import ScenarioError
from harness.lint import measured
from harness.lint.docs import explain
from harness.lint.formats import to_json, to_sarif, to_text
from harness.lint.inputs import load_inputs
from harness.lint.registry import REGISTRY, SEVERITIES, all_rules
from harness.lint.runner import Selection, lint

OK, FINDINGS, BAD_INPUT = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("lint", help="static Docker-to-Podman portability checks")
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument(
        "--results",
        action="append",
        default=[],
        metavar="RESULTS.json",
        help="results.json of `harness run` on your engines (repeatable)",
    )
    p.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="RULE",
        help="only these rules (id, id prefix or name; repeatable)",
    )
    p.add_argument("--ignore", action="append", default=[], metavar="RULE")
    p.add_argument("--min-severity", choices=list(SEVERITIES), default="info")
    p.add_argument(
        "--local-image",
        action="append",
        default=[],
        metavar="NAME",
        help="an image name that exists locally (not a short-name pull)",
    )
    p.add_argument("--explain", metavar="RULE", help="print a rule's documentation and exit")
    p.set_defaults(func=run)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("harness")
    except PackageNotFoundError:
        return "0"


def _explain(name: str) -> int:
    all_rules()
    rule = REGISTRY.get(name.upper()) or next(
        (r for r in REGISTRY.values() if r.name == name), None
    )
    if rule is None:
        print(f"unknown rule {name!r}", file=sys.stderr)
        return BAD_INPUT
    print(explain(rule))
    return OK


def run(args: argparse.Namespace) -> int:
    if args.explain:
        return _explain(args.explain)
    try:
        inputs = load_inputs(args.paths, frozenset(args.local_image))
        evidence = measured.read_evidence(args.results) if args.results else None
    except ScenarioError as exc:
        print(exc.args[0], file=sys.stderr)
        return BAD_INPUT
    findings = lint(inputs, Selection(tuple(args.select), tuple(args.ignore)))
    if evidence is not None:
        measured.apply(findings, evidence)
    shown = [f for f in findings if f.at_least(args.min_severity)]
    if args.format == "json":
        print(to_json(shown))
    elif args.format == "sarif":
        print(to_sarif(shown, all_rules(), _version()))
    else:
        print(to_text(shown))
    return FINDINGS if shown else OK
