"""Host access by allowlist: every way a scenario reaches the host (tests/host_access_cases)
is refused at load time without its `--allow-*` flag, at file:line:col of the offending
option, and accepted and flagged with it; `io.harness.*` labels and unknown options are
refused whatever the flags."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import BAD_INPUT, main
from harness.errors import ScenarioErrors
from harness.model.access import FLAGS, FORBIDDEN, HOST_BIND, HOST_NETWORK
from harness.model.check import classify_compose_file, classify_run_argv, refused
from harness.model.cli_grammar import LONG, image_index, parse
from harness.model.confine import confined, escapes
from harness.model.host_access import classify_argv
from harness.model.loader import discover, load_scenario
from harness.model.security import Policy, field_of
from tests.host_access_cases import ATTEMPTS, FLAGGED_ATTEMPTS, Attempt, cli, spelled

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def allowing(*kinds: str) -> Policy:
    return Policy.from_flags({field_of(FLAGS[k]): True for k in kinds if k in FLAGS})


def assert_refused_at_marker(attempt: Attempt, directory: Path, policy: Policy) -> None:
    path = attempt.write(directory)
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path, policy)
    file, line, column = attempt.expected_position(path)
    hint = FLAGS.get(attempt.kind, "no flag allows it")
    located = [
        e
        for e in info.value.errors
        if (e.location.file, e.location.line, e.location.column) == (file, line, column)
    ]
    assert located, (f"{file}:{line}:{column}", [str(e) for e in info.value.errors])
    assert any(hint in e.message for e in located), [e.message for e in located]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.name)
def test_refused_without_its_flag_at_the_option(tmp_path: Path, attempt: Attempt) -> None:
    assert_refused_at_marker(attempt, tmp_path, Policy())


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.name)
def test_accepted_and_flagged_with_its_flag(tmp_path: Path, attempt: Attempt) -> None:
    if attempt.kind == FORBIDDEN:
        assert_refused_at_marker(attempt, tmp_path, Policy.everything())
        return
    loaded = load_scenario(attempt.write(tmp_path), allowing(attempt.kind, *attempt.also))
    assert loaded.flags, "allowed host access must be flagged in the report"
    # Any other flag alone does not let it through.
    others = [k for k in FLAGS if k != attempt.kind and k not in attempt.also]
    with pytest.raises(ScenarioErrors):
        load_scenario(attempt.write(tmp_path), allowing(*others))


@pytest.mark.parametrize("attempt", FLAGGED_ATTEMPTS, ids=lambda a: a.name)
def test_host_networking_is_allowed_and_flagged(tmp_path: Path, attempt: Attempt) -> None:
    loaded = load_scenario(attempt.write(tmp_path))
    assert any("host" in flag for flag in loaded.flags), loaded.flags


@FUZZ
@given(seed=st.integers(min_value=0, max_value=10**9))
def test_generated_spellings_are_refused_then_flagged(tmp_path: Path, seed: int) -> None:
    options, at, kind = spelled(seed)
    found = classify_argv(options)
    assert (at, kind) in [(i, k) for i, k, _ in found], (options, found)
    attempt = cli(f"gen-{seed}", kind, options, at=at)
    assert_refused_at_marker(attempt, tmp_path, Policy())
    if kind != FORBIDDEN:
        assert load_scenario(attempt.write(tmp_path), allowing(kind)).flags


def test_the_library_scenarios_grant_only_what_is_known() -> None:
    """The library loads with the flags its namespace and capability scenarios need,
    and nothing else it does reaches the host."""
    policy = allowing("host-namespace", "capability")
    refusals = []
    for path in discover([ROOT / "scenarios"]):
        try:
            load_scenario(path, policy)
        except ScenarioErrors as exc:
            refusals += [str(e) for e in exc.errors]
    assert not refusals, refusals


def test_the_library_compose_file_grants_nothing() -> None:
    assert classify_compose_file(ROOT / "scenarios/compose/contexts/app.yaml") == []


def test_cli_refusal_exits_2_and_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cli("pid", "host-namespace", ["--pid=host"]).write(tmp_path)
    assert main(["validate", str(path)]) == BAD_INPUT
    assert "--allow-host-namespaces" in capsys.readouterr().err
    assert main(["validate", str(path), "--allow-host-namespaces"]) == 0


def test_pflag_grammar() -> None:
    parsed, bad = parse(["-itv", "/a:/b", "-Pv/c:/d", "-e=X=1", "--rm", "--entrypoint="])
    assert not bad
    assert [(p.option.long, p.value) for p in parsed] == [
        ("interactive", "true"),
        ("tty", "true"),
        ("volume", "/a:/b"),
        ("publish-all", "true"),
        ("volume", "/c:/d"),
        ("env", "X=1"),
        ("rm", "true"),
        ("entrypoint", ""),
    ]
    # A value-taking flag takes the next argument even when it looks like an option.
    parsed, bad = parse(["--entrypoint", "--privileged"])
    assert [(p.option.long, p.value) for p in parsed] == [("entrypoint", "--privileged")]
    assert image_index(["-e", "A=1", "--", "img", "-v"]) == (2, 3)
    assert image_index(["-d", "img", "--privileged"]) == (1, 1)


def test_every_option_of_both_clis_is_in_the_table() -> None:
    """The table against the help of the CLIs on this host, when they are installed."""
    import shutil
    import subprocess

    for cli_name in ("docker", "podman"):
        if shutil.which(cli_name) is None:
            continue
        text = subprocess.run(
            [cli_name, "run", "--help"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
        names = {
            word[2:].split("=")[0]
            for line in text.splitlines()
            for word in line.split()[:2]
            if word.startswith("--")
        }
        missing = sorted(n for n in names if n not in LONG)
        assert not missing, (cli_name, missing)


def test_check_classifies_a_docker_run_line() -> None:
    argv = ["docker", "run", "--rm", "-v", "/:/host", "--pid", "host", "alpine", "sh"]
    found = classify_run_argv(argv)
    assert [(c.kind, c.at.column if c.at else 0) for c in found] == [
        (HOST_BIND, len("docker run --rm ") + 1),
        ("host-namespace", len("docker run --rm -v /:/host ") + 1),
    ]
    assert len(refused(found, Policy())) == 2
    assert refused(found, allowing(HOST_BIND, "host-namespace")) == []
    smuggled = classify_run_argv(["podman", "run", "--", "--privileged"])
    assert [c.kind for c in smuggled] == [FORBIDDEN]
    assert refused(classify_run_argv(["docker", "run", "--net=host", "img"]), Policy()) == []
    assert [c.kind for c in classify_run_argv(["docker", "run", "--net=host", "img"])] == [
        HOST_NETWORK
    ]


def test_a_symlink_planted_in_tmp_is_refused_at_run_time(tmp_path: Path) -> None:
    tmp = tmp_path / "run-tmp"
    (tmp / "dir").mkdir(parents=True)
    os.symlink("/", tmp / "root")
    os.symlink("/etc", tmp / "dir" / "etc")
    assert confined(tmp / "dir", tmp)
    assert confined(tmp / "not-yet" / "there", tmp)  # created later by the engine
    assert not confined(tmp / "root", tmp)
    assert not confined(tmp / "dir" / "etc" / "passwd", tmp)
    assert not confined(tmp / ".." / "x", tmp)
    argv = ["-v", f"{tmp}/root:/h", "--mount", f"type=bind,src={tmp}/dir,dst=/d"]
    argv += ["--env-file", f"{tmp}/dir/etc/environment", "-v", "/elsewhere:/x"]
    assert escapes(argv, tmp) == [f"{tmp}/root", f"{tmp}/dir/etc/environment"]
