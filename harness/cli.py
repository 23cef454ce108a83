"""`harness` command: run | report | engines | validate | clean | schema.

Exit codes (a contract): 0 all portable or known; 1 a divergence or failure;
2 bad input or usage; 3 an engine could not be used.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.engines import create_engine, default_names
from harness.engines.base import CacheCleaner, Engine
from harness.engines.remote_set import remote_engines
from harness.errors import EngineError, EngineUnavailable, ScenarioErrors
from harness.labels import CACHE, RUN
from harness.model.loader import load_all
from harness.model.redact import scenario_secrets
from harness.model.scenario import scenario_json_schema
from harness.model.security import HELP, Policy, field_of
from harness.report import write_reports
from harness.report.escape import terminal
from harness.results.document import ResultsInvalid, to_document
from harness.results.redaction import text_redactor
from harness.run.fingerprint import fingerprints
from harness.run.janitor import sweep_host_leftovers, sweep_stale
from harness.run.runner import run_scenarios
from harness.run.signals import interrupt_once
from harness.verdict.compare import EngineOutcome
from harness.verdict.enums import Verdict

OK, FINDINGS, BAD_INPUT, ENGINE_TROUBLE = 0, 1, 2, 3
if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _engines(args: argparse.Namespace) -> list[Engine]:
    """`--engine NAME` or `NAME=URL` (a remote engine), `--url`, and `--engines FILE`."""
    urls = _urls(args.url)
    remote = remote_engines(args.engine or [], args.engines)
    chosen = [n.partition("=")[0] for n in args.engine or []] or default_names()
    names = dict.fromkeys([*chosen, *remote])
    return [remote[n]() if n in remote else create_engine(n, urls.get(n)) for n in names]


def _urls(pairs: list[str]) -> dict[str, str]:
    urls = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep:
            raise SystemExit(f"--url expects NAME=URL, got {pair!r}")
        urls[name] = url
    return urls


def _exit_code(document: dict[str, Any]) -> int:
    if any(not e["available"] for e in document["engines"]):
        return ENGINE_TROUBLE
    verdicts = {s["verdict"] for s in document["scenarios"]}
    if Verdict.ERROR in verdicts:
        return ENGINE_TROUBLE
    if verdicts & {Verdict.DIVERGENT, Verdict.FAILING}:
        return FINDINGS
    return OK


def _policy(args: argparse.Namespace) -> Policy:
    return Policy.from_flags(vars(args))


def cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_all([Path(p) for p in args.paths], _policy(args))
    if args.filter:
        scenarios = [s for s in scenarios if args.filter in s.scenario.id]
    engines = _engines(args)
    masks = {
        s.scenario.id: text_redactor(
            scenario_secrets(s.scenario, s.directory), [s.scenario.id, *(e.name for e in engines)]
        )
        for s in scenarios
    }

    def progress(scenario_id: str, engine: str, outcome: EngineOutcome) -> None:
        if not args.quiet:
            # The error may quote a build log: masked like the results, and made inert.
            detail = f" ({masks[scenario_id](outcome.error)})" if outcome.error else ""
            line = (
                f"{outcome.status:>5}  {scenario_id} [{engine}] {outcome.duration_s:.1f}s{detail}"
            )
            print(terminal(line), file=sys.stderr)

    with interrupt_once() as interrupt:
        try:
            result = run_scenarios(scenarios, engines, jobs=args.jobs, progress=progress)
        finally:
            for engine in engines:
                engine.close()
        document = to_document(result)
        paths = write_reports(document, Path(args.out))
    counts = ", ".join(f"{n} {v}" for v, n in document["summary"].items() if n)
    print(f"{len(document['scenarios'])} scenarios: {counts}")
    for warning in document["run"].get("warnings", []):
        print(terminal(f"warning: {warning}"), file=sys.stderr)
    for engine in document["engines"]:
        if not engine["available"]:
            print(terminal(f"engine {engine['name']} unavailable: {engine['error']}"))
        elif engine["error"]:
            print(terminal(f"engine {engine['name']}: {engine['error']}"))
    for name, left in result.leftovers.items():
        print(f"engine {name}: {len(left)} leftovers found after the run (removed)")
    if result.incomplete:
        print(f"interrupted by {signal.Signals(interrupt.received or 2).name}: results incomplete")
    print("wrote " + ", ".join(str(p) for p in paths))
    return _exit_code(document) if not result.incomplete else ENGINE_TROUBLE


def cmd_validate(args: argparse.Namespace) -> int:
    scenarios = load_all([Path(p) for p in args.paths], _policy(args))
    print(f"{len(scenarios)} scenario files valid")
    return OK


def cmd_engines(args: argparse.Namespace) -> int:
    engines = _engines(args)
    infos = fingerprints(engines, probe=args.json)  # --json: with probed capabilities
    for engine in engines:
        engine.close()
    if args.json:
        print(json.dumps(infos, indent=2))
    else:
        for info in infos:
            state = info["version"] if info["available"] else f"unavailable: {info['error']}"
            print(
                terminal(
                    f"{info['name']:<20} {state}  runtime={info['runtime']} "
                    f"cgroup=v{info['cgroup_version']} storage={info['storage_driver']} "
                    f"network={info['network_backend']} build={info['default_build_format']}"
                )
            )
    return OK if all(i["available"] for i in infos) else ENGINE_TROUBLE


def cmd_clean(args: argparse.Namespace) -> int:
    """Default: only what dead harness processes left (live runs and the user's own
    resources are never touched); `--run ID` one run; `--all` every labelled resource."""
    status = OK
    swept = sweep_host_leftovers()
    if swept:
        print(f"removed {swept} temporary directories and host links of dead harness processes")
    for engine in _engines(args):
        try:
            if args.run or args.all:
                removed = engine.remove_labelled({RUN: args.run or ""})
                detail = ""
            else:
                report = sweep_stale(engine)
                removed = report.total
                for error in report.errors:
                    print(error, file=sys.stderr)
                    status = ENGINE_TROUBLE
                detail = f" of {len(report.removed)} dead runs; left {len(report.live)} live runs"
            images = 0
            if args.images and isinstance(engine, CacheCleaner):
                images = len(engine.remove_cache_images(CACHE))
            print(f"{engine.name}: removed {removed} resources{detail}, {images} cached image tags")
        except (EngineError, EngineUnavailable) as exc:
            print(terminal(f"{engine.name}: {exc}"), file=sys.stderr)
            status = ENGINE_TROUBLE
        finally:
            engine.close()
    return status


def cmd_report(args: argparse.Namespace) -> int:
    """Every input is untrusted: checked against the schema first (exit 2 with the
    file and JSON path), then rendered by reports that escape every string."""
    from harness.report.inputs import BadResults, load_results
    from harness.results.merge import merge_documents

    try:
        documents = [load_results(Path(p)) for p in args.results]
    except BadResults as exc:
        print(f"error: {terminal(str(exc))}", file=sys.stderr)
        return BAD_INPUT
    document = merge_documents(documents) if len(documents) > 1 else documents[0]
    paths = write_reports(document, Path(args.out))
    print(terminal("wrote " + ", ".join(str(p) for p in paths)))
    return _exit_code(document)


def cmd_schema(args: argparse.Namespace) -> int:
    if args.which == "scenario":
        print(json.dumps(scenario_json_schema(), indent=2))
    else:
        from harness.results.document import results_schema

        print(json.dumps(results_schema(), indent=2))
    return OK


def _engine_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        action="append",
        help="engine adapter, or NAME=ssh://... for a remote one (repeatable); "
        "default: every registered adapter",
    )
    p.add_argument(
        "--engines",
        metavar="FILE",
        help="engines file (YAML): remote engines, each a column (docs/remote.md)",
    )
    p.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="API URL for an engine, e.g. docker=unix:///var/run/docker.sock",
    )


def _security_opts(p: argparse.ArgumentParser) -> None:
    """One `--allow-*` flag per kind of host access (harness.model.security)."""
    for flag, text in HELP.items():
        p.add_argument(flag, action="store_true", dest=field_of(flag), help=text)


def _add_run(sub: Subparsers) -> None:
    run = sub.add_parser("run", help="run scenarios on engines and write the reports")
    run.add_argument("paths", nargs="*", default=["scenarios"])
    _engine_opts(run)
    _security_opts(run)
    run.add_argument("--out", default="reports")
    run.add_argument("-j", "--jobs", type=int, default=1)
    run.add_argument("-k", "--filter", help="only scenarios whose id contains this text")
    run.add_argument("-q", "--quiet", action="store_true")
    run.set_defaults(func=cmd_run)


def _add_small_commands(sub: Subparsers) -> None:
    report = sub.add_parser("report", help="merge results.json files and render reports")
    report.add_argument("results", nargs="+")
    report.add_argument("--out", default="reports")
    report.set_defaults(func=cmd_report)

    engines = sub.add_parser("engines", help="list engine adapters and their fingerprints")
    _engine_opts(engines)
    engines.add_argument("--json", action="store_true")
    engines.set_defaults(func=cmd_engines)

    validate = sub.add_parser("validate", help="check scenario files; run nothing")
    validate.add_argument("paths", nargs="*", default=["scenarios"])
    _security_opts(validate)
    validate.set_defaults(func=cmd_validate)

    schema = sub.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=["scenario", "results"])
    schema.set_defaults(func=cmd_schema)


def _add_clean(sub: Subparsers) -> None:
    clean = sub.add_parser(
        "clean", help="remove what crashed harness runs left (live runs are left alone)"
    )
    _engine_opts(clean)
    scope = clean.add_mutually_exclusive_group()
    scope.add_argument("--run", help="remove every resource of this run id, live or not")
    scope.add_argument(
        "--all", action="store_true", help="remove every harness-labelled resource, live or not"
    )
    clean.add_argument(
        "--images", action="store_true", help="also remove cached images no container uses"
    )
    clean.set_defaults(func=cmd_clean)


def build_parser() -> argparse.ArgumentParser:
    from harness.check.cli import add_parser as add_check
    from harness.lint.cli import add_parser as add_lint

    parser = argparse.ArgumentParser(prog="harness", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_small_commands(sub)
    _add_clean(sub)
    add_lint(sub)
    add_check(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ScenarioErrors as exc:
        for error in exc.errors:
            print(terminal(error.args[0]), file=sys.stderr)
        return BAD_INPUT
    except EngineUnavailable as exc:
        print(terminal(f"error: {exc}"), file=sys.stderr)
        return ENGINE_TROUBLE
    except ResultsInvalid as exc:
        # The raw results are in the side file the message names; no report was rendered.
        print(terminal(f"error: {exc}"), file=sys.stderr)
        return ENGINE_TROUBLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
