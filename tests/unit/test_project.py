"""harness.project: Dockerfiles, compose files, ignore files, .env and discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.project.compose import parse_compose
from harness.project.discover import discover, is_dockerfile_name
from harness.project.dockerfile import parse_dockerfile, remote_sources
from harness.project.envfile import parse_env
from harness.project.expand import expand
from harness.project.ignore import find_ignore_files

SOURCES = """\
# syntax=docker/dockerfile:1
ARG REG=docker.io/library
ARG TAG
FROM --platform=linux/amd64 ${REG}/python:${TAG:-3.12} AS build
RUN --mount=type=cache,target=/c \\
    --mount=type=bind,from=ghcr.io/astral-sh/uv:0.5,source=/uv,target=/bin/uv \\
    uv sync
COPY --from=build /a /b
COPY --from=0 /a /c
COPY --from=nginx:1.27 /etc/nginx /etc/nginx
ADD https://example.invalid/x.tgz /x
ADD local.tgz /y
FROM scratch
FROM build
RUN <<EOF
echo $TAG
EOF
"""


def test_remote_sources_lists_every_spelling_with_positions() -> None:
    parsed = parse_dockerfile(SOURCES, "Dockerfile")
    found = [
        (s.kind, s.reference, s.location.line, s.location.column) for s in remote_sources(parsed)
    ]
    assert found == [
        ("from", "docker.io/library/python:3.12", 4, 29),
        ("mount-from", "ghcr.io/astral-sh/uv:0.5", 6, 5),
        ("copy-from", "nginx:1.27", 10, 6),
        ("add-url", "https://example.invalid/x.tgz", 11, 5),
    ]


def test_build_args_override_global_arg_defaults() -> None:
    parsed = parse_dockerfile(SOURCES, "Dockerfile")
    refs = [s.reference for s in remote_sources(parsed, {"TAG": "3.11", "OTHER": "x"})]
    assert refs[0] == "docker.io/library/python:3.11"


def test_heredoc_and_continuation_are_one_instruction_each() -> None:
    parsed = parse_dockerfile(SOURCES, "Dockerfile")
    run = [i for i in parsed.instructions if i.keyword == "RUN"]
    assert (run[0].line, run[0].end_line) == (5, 7)
    assert run[0].flag_values("mount")[0] == "type=cache,target=/c"
    assert run[1].heredocs == ("echo $TAG\n",)
    assert parsed.directives == {"syntax": "docker/dockerfile:1"}
    assert [s.name for s in parsed.stages()] == ["build", None, None]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("FROM a\nFROOM b\n", ":2:1", "unknown instruction FROOM"),
        ("FROM a\n  RUN\n", ":2:3", "RUN requires at least one argument"),
        ("RUN true\nFROM a\n", ":1:1", "before the first FROM"),
        ("FROM a\nRUN <<EOT\ntrue\n", ":2:1", "unterminated heredoc"),
        ("FROM a\nONBUILD FROM b\n", ":2:1", "ONBUILD FROM is not allowed"),
    ],
)
def test_parse_errors_carry_file_line_column(text: str, where: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_dockerfile(text, "Containerfile")
    assert str(caught.value).startswith(f"Containerfile{where}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "scope", "expected"),
    [
        ("${A}", {"A": "x"}, "x"),
        ("$A/b", {"A": "x"}, "x/b"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A:+alt}", {"A": "x"}, "alt"),
        ("${A+alt}", {}, ""),
        ("${MISSING}", {}, ""),
        ("\\$A", {"A": "x"}, "$A"),
        ("${A:-${B}}", {"B": "y"}, "y"),
    ],
)
def test_expand(text: str, scope: dict[str, str], expected: str) -> None:
    assert expand(text, scope) == expected


COMPOSE = """\
services:
  web:
    build: {context: app, dockerfile: web.Dockerfile, target: prod, args: [A=1]}
    ports: ['127.0.0.1:80:8080/tcp', '9000', {target: 53, published: 5353}]
    volumes: ['./d:/d:ro,z', 'data:/data', {type: bind, source: ., target: /s, bind: {selinux: z}}]
    depends_on: {db: {condition: service_healthy}}
  db: {image: postgres}
"""


def test_compose_typed_data_and_positions() -> None:
    parsed = parse_compose(COMPOSE, "compose.yaml")
    web = parsed.services["web"]
    assert web.build is not None
    assert (web.build.context, web.build.dockerfile) == ("app", "web.Dockerfile")
    assert (web.build.target, web.build.args) == ("prod", {"A": "1"})
    assert [(p.host_ip, p.published, p.target) for p in web.ports] == [
        ("127.0.0.1", "80", "8080"),
        (None, None, "9000"),
        (None, "5353", "53"),
    ]
    assert [(m.type, m.source, m.options, m.selinux) for m in web.volumes] == [
        ("bind", "./d", ("ro", "z"), None),
        ("volume", "data", (), None),
        ("bind", ".", (), "z"),
    ]
    assert web.depends_on == {"db": "service_healthy"}
    assert str(parsed.locate(web.ports[0].path)) == "compose.yaml:4:13"


def test_compose_errors_have_positions() -> None:
    with pytest.raises(ScenarioError, match=r"^c.yaml:3:6: service 'b' must be a mapping"):
        parse_compose("services:\n  a: {}\n  b: [1]\n", "c.yaml")
    with pytest.raises(ScenarioError, match=r"^c.yaml:3:3: duplicate key 'a'"):
        parse_compose("services:\n  a: {}\n  a: {}\n", "c.yaml")


def test_env_file_quotes() -> None:
    entries = parse_env("# c\nA=\"x y\"\nexport B='z'\nC=plain\nD=\n", ".env")
    assert [(e.key, e.value, e.quote, e.location.line) for e in entries] == [
        ("A", "x y", '"', 2),
        ("B", "z", "'", 3),
        ("C", "plain", None, 4),
        ("D", "", None, 5),
    ]
    with pytest.raises(ScenarioError, match=r"^\.env:1:1: "):
        parse_env("NOT A LINE\n", ".env")


def test_ignore_file_precedence(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("a\n")
    files = find_ignore_files(str(tmp_path))
    assert files.effective("docker") == str(tmp_path / ".dockerignore")
    assert files.effective("podman") == str(tmp_path / ".dockerignore")
    (tmp_path / ".containerignore").write_text("b\n")
    files = find_ignore_files(str(tmp_path))
    assert files.effective("docker") == str(tmp_path / ".dockerignore")
    assert files.effective("podman") == str(tmp_path / ".containerignore")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dockerfile", True),
        ("Containerfile", True),
        ("api.Dockerfile", True),
        ("Dockerfile.dev", True),
        ("Dockerfile.dockerignore", False),
        ("dockerfile.py", False),
    ],
)
def test_dockerfile_names(name: str, expected: bool) -> None:
    assert is_dockerfile_name(name) is expected


def test_discover_follows_compose_builds(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Containerfile").write_text("FROM a\n")
    (tmp_path / "compose.yaml").write_text("services:\n  s:\n    build: svc\n")
    (tmp_path / "compose.override.yaml").write_text("services: {}\n")
    (tmp_path / ".env").write_text("A=1\n")
    project = discover([str(tmp_path)])
    assert [c.path for c in project.compose] == [
        str(tmp_path / "compose.override.yaml"),
        str(tmp_path / "compose.yaml"),
    ]
    assert project.dockerfiles == [str(tmp_path / "svc" / "Containerfile")]
    assert project.contexts == [str(tmp_path / "svc")]
    assert project.env_files == [str(tmp_path / ".env")]
    assert project.builds[0].service == "s"
