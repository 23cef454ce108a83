"""The docker/podman command lines derived from recorded steps."""

from __future__ import annotations

import shlex

from harness.report.repro import binaries, commands


def test_run_step_flags_and_quoting() -> None:
    step = {
        "kind": "run",
        "name": "plain",
        "image": "app",
        "entrypoint": ["/bin/sh", "-c"],
        "command": ["echo $HOME; id"],
        "env": {"A": "x y"},
        "user": "1000:1000",
        "workdir": "/tmp",
    }
    (line,) = commands([step], "docker")
    assert shlex.split(line) == [
        "docker", "run", "--rm", "--entrypoint", "/bin/sh", "-e", "A=x y", "-u", "1000:1000",
        "-w", "/tmp", "app", "-c", "echo $HOME; id",
    ]  # fmt: skip


def test_numeric_limits_are_text() -> None:
    step = {"kind": "run", "name": "r", "image": "app", "cpus": 0.5, "pids_limit": 20}
    assert commands([step], "docker") == ["docker run --rm --cpus 0.5 --pids-limit 20 app"]


def test_empty_entrypoint_resets_it() -> None:
    (line,) = commands([{"kind": "run", "name": "r", "image": "app", "entrypoint": ""}], "podman")
    assert line == "podman run --rm --entrypoint '' app"


def test_cli_step_is_run_with_pull_never() -> None:
    step = {"kind": "cli", "name": "m", "image": "app", "options": ["--entrypoint", "nosuch"]}
    assert commands([step], "podman") == ["podman run --pull never --entrypoint nosuch app"]


def test_exec_names_its_container_and_cleans_up() -> None:
    steps = [
        {"kind": "run", "name": "srv", "image": "app", "detach": True},
        {"kind": "exec", "name": "probe", "container": "srv", "command": ["cat", "/etc/hostname"]},
    ]
    assert commands(steps, "docker") == [
        "docker run -d --name srv app",
        "docker exec srv cat /etc/hostname",
        "docker rm -f srv",
    ]


def test_unknown_step_kind_is_a_comment_and_image_refs_are_used() -> None:
    steps = [{"kind": "volume", "name": "v"}, {"kind": "run", "name": "r", "image": "app"}]
    lines = commands(steps, "docker", {"app": {"docker": "harness-x-app:1234"}})
    assert lines == ["# step v: volume has no CLI equivalent", "docker run --rm harness-x-app:1234"]


def test_binaries_from_merged_columns() -> None:
    assert binaries(["docker@24@ci", "nerdctl"]) == ["docker", "podman", "nerdctl"]
    # Podman's Docker-compatible API is reproduced with the docker CLI, not a made-up binary.
    assert binaries(["docker", "podman", "podman-docker-api"]) == ["docker", "podman"]


def test_container_steps_name_their_target() -> None:
    steps = [
        {"kind": "run", "name": "srv", "image": "app", "detach": True},
        {"kind": "stop", "name": "halt", "container": "srv", "timeout": 2},
        {"kind": "kill", "name": "k", "container": "srv", "signal": "SIGTERM"},
        {"kind": "read_file", "name": "f", "container": "srv", "path": "/etc/my file"},
    ]
    assert commands(steps, "podman") == [
        "podman run -d --name srv app",
        "podman stop -t 2 srv",
        "podman kill -s SIGTERM srv",
        "podman exec srv cat '/etc/my file'",
        "podman rm -f srv",
    ]
