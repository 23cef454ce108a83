"""pytest plugin (entry point `pytest11`): `pytest scenarios/` runs every scenario
on every engine, one item per (scenario, engine) named `id[engine]`.

A second front door onto the same runner: items call `runner.run_item`, the
controller combines outcomes with `runner.assemble` (the verdicts of `harness
run`) and, with `--compat-report DIR`, writes one results.json and one report
for the whole run, however many xdist workers ran the items. Only YAML files
that declare `schema: 1` and an `id:` at the top level are collected, so a
project's own YAML (CI files, test data) is left alone.

Parallel runs (`-n N`) share the run id (controller -> `workerinput`), build
each image once per engine on the host (`ImageCache` file lock), and keep
scenarios that hold something exclusive (a fixed host port) on one worker, in
order (`pytest_xdist.ExclusiveGroupScheduling`, used for `--dist load`, the
default of `-n`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.engines import adapter_names, default_names
from harness.engines.remote import declare_remote_kinds
from harness.labels import new_run_id
from harness.pytest_plugin.items import ScenarioFile, looks_like_scenario
from harness.pytest_plugin.policy import add_policy_options, policy_of
from harness.pytest_plugin.session import COLLECTOR, SESSION, Collector, HarnessSession
from harness.report import write_reports
from harness.report.escape import terminal
from harness.results.document import ResultsInvalid

_DOCUMENT = pytest.StashKey[dict[str, Any]]()
_UNSHOWN = pytest.StashKey[list[str]]()
_WRITE_ERROR = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "container engine portability scenarios")
    group.addoption(
        "--engine",
        action="append",
        dest="harness_engines",
        metavar="NAME",
        help="engine to run scenarios on (repeatable); default: as `harness run`",
    )
    # One `--NAME-url` per registered adapter, read from the entry points without
    # importing them (third-party adapters get theirs too).
    for name in adapter_names():
        group.addoption(
            f"--{name}-url",
            dest=_url_dest(name),
            metavar="URL",
            help=f"API URL of the {name} engine (same as --engine-url {name}=URL)",
        )
    group.addoption(
        "--engine-url",
        action="append",
        default=[],
        dest="harness_engine_urls",
        metavar="NAME=URL",
        help="API URL for any engine adapter, like `harness run --url`",
    )
    add_policy_options(group)
    group.addoption(
        "--compat-report",
        dest="harness_compat_report",
        metavar="DIR",
        help="write results.json, report.html, junit.xml, summary.md into DIR",
    )


def _url_dest(name: str) -> str:
    return "harness_url_" + name.replace("-", "_").replace("@", "_at_").replace(".", "_")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "harness: a container engine scenario item")
    names = list(dict.fromkeys(config.option.harness_engines or default_names()))
    for name in names:
        config.addinivalue_line("markers", f"{name}: scenario items run on engine {name!r}")
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    run_id = workerinput.get("harness_run_id") or new_run_id()
    urls = dict(pair.partition("=")[::2] for pair in config.option.harness_engine_urls)
    for name in adapter_names():
        url = getattr(config.option, _url_dest(name), None)
        if url:
            urls[name] = url
    declare_remote_kinds(urls)  # `--engine-url podman-laptop=ssh://...` is a podman
    policy = policy_of(config)
    config.stash[SESSION] = HarnessSession(run_id, names, urls, policy=policy)
    if not _is_worker(config):
        collector = Collector(run_id, names, policy=policy)
        config.stash[COLLECTOR] = collector
        config.pluginmanager.register(_ReportListener(collector), "harness-report-listener")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: every worker joins the controller's run id."""
    node.workerinput["harness_run_id"] = node.config.stash[SESSION].run_id


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`-n N` (`--dist load`): load balancing that keeps exclusive scenarios together."""
    if config.getvalue("dist") != "load":
        return None
    from harness.pytest_plugin.xdist import ExclusiveGroupScheduling

    return ExclusiveGroupScheduling(config, log)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if looks_like_scenario(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class _ReportListener:
    """Registered on the controller only: every item's report, from whichever worker."""

    def __init__(self, collector: Collector) -> None:
        self.collector = collector

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.record(report)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    config.stash[SESSION].close()
    if _is_worker(config) or COLLECTOR not in config.stash:
        return
    collector = config.stash[COLLECTOR]
    if not collector.outcomes:
        return
    document = collector.document(incomplete=exitstatus == pytest.ExitCode.INTERRUPTED)
    config.stash[_DOCUMENT] = document
    out = config.option.harness_compat_report
    if out:
        try:
            write_reports(document, Path(out))
        except ResultsInvalid as exc:  # the raw results are in the side file it names
            config.stash[_WRITE_ERROR] = str(exc)
            session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
    unshown = collector.unshown_divergences(document)
    config.stash[_UNSHOWN] = unshown
    if unshown and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    document = config.stash.get(_DOCUMENT, None)
    if document is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section("harness")
    counts = ", ".join(f"{n} {v}" for v, n in document["summary"].items() if n)
    write(f"run {document['run']['id']}: {len(document['scenarios'])} scenarios: {counts}")
    for warning in document["run"].get("warnings", []):
        write(terminal(f"warning: {warning}"), yellow=True)
    for scenario in document["scenarios"]:
        for kd in scenario["stale_divergences"]:
            write(f"stale known divergence: {scenario['id']} [{kd['engine']}] {kd['key']}")
    for sid in config.stash.get(_UNSHOWN, []):
        write(f"divergent across engines (no item failed): {sid}")
    out = config.option.harness_compat_report
    if _WRITE_ERROR in config.stash:
        write(terminal(f"error: {config.stash[_WRITE_ERROR]}"), red=True)
    elif out:
        write(f"wrote {Path(out) / 'results.json'} and reports")
