"""Remote engines without an engine: URLs, names, the engines file's errors at
file:line:col, the ssh command line, and what a remote surface refuses up front."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.engines.base import ContainerSpec, MountSpec, Unsupported
from harness.engines.remote import RemoteSpec, kind_of, parse_engine_arg
from harness.engines.remote_set import remote_specs
from harness.engines.ssh_tunnel import SshTunnel, parse_ssh_url, ssh_argv
from harness.errors import ScenarioErrors
from harness.model.engines_file import load_engines_file
from harness.model.versions import surface_kind
from harness.steps.vantage import host_side, namespace_link


def test_ssh_url_parts_and_default_socket() -> None:
    target = parse_ssh_url("ssh://core@laptop:2222?identity=/k&known_hosts=/kh", "/run/x.sock")
    assert (target.user, target.host, target.port) == ("core", "laptop", 2222)
    assert target.socket == "/run/x.sock"
    assert (target.identity, target.known_hosts) == ("/k", "/kh")
    assert target.url() == "ssh://core@laptop:2222/run/x.sock"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("tcp://host:2375", "expected ssh://"),
        ("ssh://", "expected ssh://"),
        ("ssh://host:notaport/s", "bad port"),
        ("ssh://host/s?password=x", "unknown option"),
    ],
)
def test_bad_ssh_urls_say_why(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_ssh_url(url, "/s")


def test_ssh_never_prompts_and_uses_only_the_given_files(tmp_path: Path) -> None:
    target = parse_ssh_url("ssh://root@127.0.0.1:2200/var/run/docker.sock", "/unused")
    target = target.__class__(**{**target.__dict__, "identity": "/k", "known_hosts": "/kh"})
    argv = ssh_argv(target, tmp_path / "engine.sock")
    joined = " ".join(argv)
    assert "BatchMode=yes" in joined and "StrictHostKeyChecking=yes" in joined
    assert "UserKnownHostsFile=/kh" in joined and "IdentitiesOnly=yes" in joined
    assert argv[argv.index("-i") + 1] == "/k" and argv[argv.index("-p") + 1] == "2200"
    assert argv[argv.index("-L") + 1] == f"{tmp_path / 'engine.sock'}:/var/run/docker.sock"
    assert argv[-2:] == ["--", "root@127.0.0.1"]  # a host cannot pass as an option


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("podman-laptop", "podman"),
        ("podman-docker-api-ci", "podman-docker-api"),
        ("docker", "docker"),
        ("dockerish", None),
        ("laptop", None),
    ],
)
def test_the_kind_comes_from_the_name(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


def test_engine_arg_checks_name_and_url() -> None:
    spec = parse_engine_arg("podman-laptop=ssh://core@h:22/run/user/1000/podman/podman.sock")
    assert (spec.name, spec.kind) == ("podman-laptop", "podman")
    with pytest.raises(ValueError, match="cannot tell the kind"):
        parse_engine_arg("laptop=ssh://h")
    with pytest.raises(ValueError, match="bad engine name"):
        parse_engine_arg("Podman Laptop=ssh://h")
    with pytest.raises(ValueError, match="expected ssh://"):
        parse_engine_arg("docker-ci=http://h")


def test_engine_args_errors_are_bad_input_naming_the_option() -> None:
    with pytest.raises(ScenarioErrors) as info:
        remote_specs(["docker", "laptop=ssh://h", "x y=ssh://h"], None)
    assert [str(e.args[0]).split(":")[0] for e in info.value.errors] == ["--engine"] * 2


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "engines.yaml"
    path.write_text(text)
    return path


def test_engines_file_resolves_paths_next_to_itself(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "engines:\n"
        "  - name: podman-laptop\n"
        "    kind: podman\n"
        "    url: ssh://core@127.0.0.1:2222/run/podman/podman.sock\n"
        "    identity: keys/id\n"
        "    known_hosts: /etc/kh\n",
    )
    [entry] = load_engines_file(path)
    assert entry.identity == str(tmp_path / "keys" / "id")
    assert entry.known_hosts == "/etc/kh"
    [spec] = remote_specs([], str(path))
    assert spec.target().identity == entry.identity and spec.kind == "podman"


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("engines:\n  - name: a\n    kind: crio\n    url: ssh://h\n", ":3:11", "kind"),
        ("engines:\n  - name: docker-x\n    kind: docker\n    url: tcp://h\n", ":4:10", "ssh://"),
        ("engines:\n  - name: Bad Name\n    kind: docker\n    url: ssh://h\n", ":2:11", "name"),
        ("engines:\n  - name: d\n    kind: docker\n    url: ssh://h\n    key: x\n", ":5:5", "key"),
        ("engines:\n  - name: d\n    kind: docker\n", ":2:5", "url"),
        (
            "engines:\n  - {name: d, kind: docker, url: 'ssh://h'}\n  - {name: d, kind: podman,"
            " url: 'ssh://h'}\n",
            ":3:12",
            "given twice",
        ),
        ("engines: [\n", ":", "engines.yaml"),
    ],
)
def test_engines_file_errors_point_at_file_line_col(
    tmp_path: Path, text: str, where: str, says: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioErrors) as info:
        load_engines_file(path)
    message = str(info.value.errors[0].args[0])
    assert message.startswith(f"{path}{where}"), message
    assert says in message


def _remote(**kwargs: Any) -> Any:
    from harness.engines.docker import DockerEngine
    from harness.engines.remote import create_remote

    spec = RemoteSpec("docker-far", "docker", "ssh://root@192.0.2.1:22", **kwargs)
    return create_remote(spec, DockerEngine)


def test_a_remote_surface_refuses_host_side_work_without_connecting() -> None:
    engine = _remote()
    try:
        assert surface_kind("docker-far") == "docker"  # docker's known divergences apply
        for call in (
            lambda: host_side(engine, lambda: True),
            lambda: namespace_link(engine, "net"),
            lambda: engine.push_image("x"),
            engine.compose_cli,
            lambda: engine.create_volume("v", {}, {"type": "none", "device": "/srv", "o": "bind"}),
            lambda: engine.create_container(
                ContainerSpec("i", "n", {}, mounts=(MountSpec("bind", "/t", "/s"),))
            ),
        ):
            with pytest.raises(Unsupported, match=r"192\.0\.2\.1"):
                call()
        assert isinstance(engine.tunnel, SshTunnel) and engine.tunnel.pid is None
        assert engine.url == "ssh://root@192.0.2.1:22/var/run/docker.sock"
    finally:
        engine.close()


def test_ssh_urls_declare_their_columns_kind_where_they_are_only_judged() -> None:
    from harness.engines.remote import declare_remote_kinds

    declare_remote_kinds(
        {"podman-judged": "ssh://h/run/podman/podman.sock", "docker-local": "unix:///x"}
    )
    assert surface_kind("podman-judged") == "podman"
    assert surface_kind("docker-local") == "docker-local"  # not remote: name unchanged
