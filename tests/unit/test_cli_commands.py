"""`cli` steps for any subcommand: the per-subcommand grammar table against the CLIs'
own --help, what is refused at load time (at file:line:col), and what is allowed."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from harness.errors import ScenarioErrors
from harness.model.access import FORBIDDEN, HOST_BIND, PRIVILEGED
from harness.model.cli_commands import COMMANDS, classify, refused_command
from harness.model.loader import load_scenario
from harness.model.security import Policy


def kinds(words: str, *argv: str) -> list[str]:
    return [kind for _, kind, _ in classify(words.split(), list(argv))]


@pytest.mark.parametrize("cli_name", ["docker", "podman"])
def test_every_option_of_each_subcommand_is_in_the_table(cli_name: str) -> None:
    """Options missing from a table would be refused although the CLI knows them."""
    if shutil.which(cli_name) is None:
        pytest.skip(f"no {cli_name} CLI")
    for words, command in COMMANDS.items():
        text = subprocess.run(
            [cli_name, *words, "--help"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
        names = {
            word[2:].split("=")[0].rstrip(",")
            for line in text.splitlines()
            if line.strip().startswith("-")
            for word in line.split()[:2]
            if word.startswith("--")
        }
        missing = sorted(n for n in names - {"help"} if n not in command.long)
        assert not missing, (cli_name, words, missing)


def test_refused_subcommands() -> None:
    for words in (["pull"], ["push"], ["image", "pull"], ["system", "prune"], ["volume", "prune"]):
        assert refused_command(words), words
    assert "unknown subcommand" in (refused_command(["frobnicate"]) or "")
    assert refused_command(["volume", "create"]) is None
    assert refused_command(["run"]) is None


def test_options_that_reach_beyond_the_scenario_are_refused() -> None:
    assert kinds("stop", "-a", "{{ containers.x }}") == [FORBIDDEN]
    assert kinds("rm", "--latest") == [FORBIDDEN, FORBIDDEN]  # and no container named
    assert kinds("logs", "-f", "{{ containers.x }}") == [FORBIDDEN]
    assert kinds("volume rm", "some-users-volume") == [FORBIDDEN]
    assert kinds("volume create", "-o", "type=none", "-o", "o=bind", "-o", "device=/etc") == [
        HOST_BIND
    ]
    assert kinds("volume create", "--label", "io.harness.run=x", "{{ names.v }}") == [FORBIDDEN]
    assert kinds("network create", "-d", "macvlan", "{{ names.n }}") == ["device"]
    assert kinds("exec", "--privileged", "{{ containers.x }}", "sh") == [PRIVILEGED]
    assert kinds("exec", "--env-file", "/etc/passwd", "{{ containers.x }}", "sh") == [FORBIDDEN]
    assert kinds("tag", "{{ images.base }}", "busybox:latest") == [FORBIDDEN]


def test_what_is_allowed() -> None:
    assert kinds("volume create", "-o", "type=tmpfs", "-o", "device=tmpfs", "{{ names.v }}") == []
    assert kinds("exec", "{{ containers.x }}", "sh", "-c", "exit 3") == []  # the rest is free
    assert kinds("network inspect", "--format", "{{.Name}}", "bridge") == []  # read-only
    assert kinds("tag", "{{ images.base }}", "{{ names.app }}:v1") == []
    assert kinds("ps", "-a", "--format", "{{json .}}") == []
    assert kinds("port", "{{ containers.x }}", "8080/tcp") == []


def test_a_refused_line_is_reported_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            schema: 1
            id: t.refused
            area: t
            title: t
            refs: [https://example.invalid/]
            steps:
              - cli:
                  name: bad
                  command: [stop]
                  args: ["--all"]
              - cli:
                  name: pull
                  command: [pull]
                  args: ["busybox"]
            """
        )
    )
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path, Policy())
    places = sorted((e.location.line, e.location.column) for e in info.value.errors)
    assert (10, 14) in places  # "--all"
    assert any(line == 13 for line, _ in places)  # command: [pull]
