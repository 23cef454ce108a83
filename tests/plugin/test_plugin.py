"""The pytest plugin, driven through pytester: collection, options, markers, verdicts.

Tests that need no engine use a dead socket or --collect-only; the others run on
the real engines (one tiny scenario on the base image each).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.results.document import validate

DEAD = "unix:///nonexistent/harness-test.sock"


def scenario(sid: str, expect: str = 'echo.stdout: "hi\\n"', extra: str = "") -> str:
    return (
        f"schema: 1\nid: plug.{sid}\narea: plug\ntitle: t\nrefs: [https://x.invalid]\n"
        "steps:\n"
        "  - run: {name: echo, image: base, command: [echo, hi]}\n"
        f"expect:\n  {expect}\n{extra}"
    )


@pytest.fixture
def library(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yaml", ok=scenario("ok"))
    (pytester.path / "ci.yaml").write_text("on: push\njobs: {}\n")  # not a scenario
    return pytester


def test_collects_one_item_per_scenario_and_engine(library: pytest.Pytester) -> None:
    result = library.runpytest("--collect-only", "-q", "--engine", "docker", "--engine", "podman")
    result.stdout.fnmatch_lines(["ok.yaml::plug.ok[[]docker[]]", "ok.yaml::plug.ok[[]podman[]]"])
    assert "ci.yaml" not in result.stdout.str()
    assert result.ret == 0


def test_markers_are_registered_for_strict_markers(library: pytest.Pytester) -> None:
    result = library.runpytest(
        "--strict-markers",
        "--collect-only",
        "-q",
        "-m",
        "plug and podman and harness",
        "--engine",
        "docker",
        "--engine",
        "podman",
    )
    result.stdout.fnmatch_lines(["ok.yaml::plug.ok[[]podman[]]", "*1/2 tests collected*"])
    assert result.ret == 0
    markers = library.runpytest("--markers", "--engine", "docker")
    markers.stdout.fnmatch_lines(["@pytest.mark.harness:*", "@pytest.mark.docker:*"])


def test_invalid_scenario_is_a_collection_error_with_its_position(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", bad=scenario("bad").replace("command:", "comand:"))
    result = pytester.runpytest("--engine", "docker")
    result.stdout.fnmatch_lines(["*bad.yaml:7:*unknown key 'comand'*"])
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_dead_engine_is_a_skip_at_setup_and_an_error_in_results(library: pytest.Pytester) -> None:
    out = library.path / "out"
    result = library.runpytest(
        "-rs", "--engine", "podman", "--podman-url", DEAD, "--compat-report", str(out)
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["collected 1 item", "SKIPPED*engine podman unavailable*"])
    document = json.loads((out / "results.json").read_text())
    validate(document)
    assert document["scenarios"][0]["engines"]["podman"]["status"] == "error"
    assert document["engines"][0]["available"] is False


engine_test = pytest.mark.engine


@engine_test
def test_failure_names_the_yaml_line_and_the_observations(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", wrong=scenario("wrong", expect='echo.stdout: "bye\\n"'))
    result = pytester.runpytest("--engine", "docker", "--engine", "podman")
    result.stdout.fnmatch_lines(
        [
            "*plug.wrong failed on docker*",
            "wrong.yaml:9: expectation echo.stdout on docker",
            "    expected: 'bye\\n'",
            "    actual:   'hi\\n'",
        ]
    )
    if result.parseoutcomes().get("skipped"):
        pytest.skip("podman did not answer during the inner run (a busy shared service)")
    result.assert_outcomes(failed=2)
    # The podman item ran after docker's in this process: docker's value is shown too.
    result.stdout.fnmatch_lines(
        ["wrong.yaml:9: expectation echo.stdout on podman", "    docker:*'hi\\n'"]
    )


@engine_test
def test_known_divergence_is_a_strict_xfail(pytester: pytest.Pytester) -> None:
    declared = (
        "known_divergences:\n  - {engine: docker, key: echo.stdout, why: declared for the test}\n"
    )
    pytester.makefile(".yaml", seen=scenario("seen", 'echo.stdout: "bye\\n"', declared))
    pytester.makefile(".yaml", gone=scenario("gone", extra=declared))
    result = pytester.runpytest("--engine", "docker")
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*scenario plug.gone[[]docker[]]*", "[[]XPASS(strict)[]] known divergence: echo.stdout"]
    )
    result.stdout.fnmatch_lines(["stale known divergence: plug.gone [[]docker[]] echo.stdout"])


@engine_test
def test_intermittent_divergence_may_pass(pytester: pytest.Pytester) -> None:
    declared = (
        "known_divergences:\n  - {engine: docker, key: echo.stdout, why: a race,"
        " observed: never, intermittent: true}\n"
    )
    pytester.makefile(".yaml", race=scenario("race", extra=declared))
    result = pytester.runpytest("--engine", "docker", "-rX")
    result.assert_outcomes(xpassed=1)
    assert "stale known divergence" not in result.stdout.str()


@engine_test
def test_unexplained_failure_is_not_hidden_by_the_xfail(pytester: pytest.Pytester) -> None:
    declared = "known_divergences:\n  - {engine: docker, key: echo.exit_code, why: w}\n"
    both = 'echo.stdout: "bye\\n"\n  echo.exit_code: 3'
    pytester.makefile(".yaml", mixed=scenario("mixed", both, declared))
    result = pytester.runpytest("--engine", "docker")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*expectation echo.stdout on docker*"])


@engine_test
@pytest.mark.slow
def test_xdist_run_writes_one_report_builds_base_once_and_groups(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """-n 2 on both engines with a base image nobody has built yet (a busybox copy with
    a marker appended: a new content hash): every worker needs it, one builds it."""
    busybox = tmp_path / "busybox"
    shutil.copy2("/bin/busybox", busybox)
    with busybox.open("ab") as handle:
        handle.write(os.urandom(16))
    for sid in ("one", "two", "three"):
        pytester.makefile(".yaml", **{sid: scenario(sid)})
    pytester.makefile(".yaml", held_a=scenario("held-a", extra="exclusive: [slot]\n"))
    pytester.makefile(".yaml", held_b=scenario("held-b", extra="exclusive: [slot]\n"))
    out = pytester.path / "out"
    env_before = os.environ.get("HARNESS_BUSYBOX")
    os.environ["HARNESS_BUSYBOX"] = str(busybox)
    try:
        result = pytester.runpytest_subprocess(
            "-n",
            "2",
            "-v",
            "-p",
            "no:cacheprovider",
            "--compat-report",
            str(out),
            "--engine",
            "docker",
            "--engine",
            "podman",
        )
    finally:
        if env_before is None:
            del os.environ["HARNESS_BUSYBOX"]
        else:
            os.environ["HARNESS_BUSYBOX"] = env_before
    document = json.loads((out / "results.json").read_text())
    try:
        result.assert_outcomes(passed=10)
        validate(document)
        assert {s["verdict"] for s in document["scenarios"]} == {"portable"}
        assert len(document["scenarios"]) == 5
        for name in ("docker", "podman"):
            # one base build per engine for the whole run, whichever worker asked first
            assert document["run"]["build_stats"][name]["builds"] == 1, document["run"]
        text = result.stdout.str()
        workers = {
            line.split("]")[0] + "]"
            for line in text.splitlines()
            if "plug.held-" in line and "PASSED" in line
        }
        assert len(workers) == 1, text  # the exclusive group ran on one worker
        assert "scheduling tests via ExclusiveGroupScheduling" in text
    finally:
        _remove_base_images(document["run"]["id"])


def _remove_base_images(run_id: str) -> None:
    for cli in (["docker"], ["podman", "--url", "unix:///run/podman/podman.sock"]):
        done = subprocess.run(
            [*cli, "images", "-q", "--filter", f"label=io.harness.run={run_id}"],
            capture_output=True,
            text=True,
            check=False,
        )
        ids = sorted(set(done.stdout.split()))
        if ids:
            subprocess.run([*cli, "rmi", "-f", *ids], capture_output=True, check=False)
