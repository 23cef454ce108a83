"""Every lint rule fires on its minimal positive project and not on its negative one."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lint.inputs import load_inputs
from harness.lint.registry import all_rules
from harness.lint.runner import Selection, lint

B = "FROM harness-fixture-base\n"


def compose(body: str) -> dict[str, str]:
    return {"compose.yaml": "services:\n" + body, "Dockerfile": B}


CASES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "PM101": (
        {"Dockerfile": B + "HEALTHCHECK CMD true\n"},
        {"Dockerfile": B + "HEALTHCHECK NONE\n"},
    ),
    "PM102": ({"Dockerfile": B + 'SHELL ["/bin/sh", "-c"]\n'}, {"Dockerfile": B + "RUN true\n"}),
    "PM103": ({"Dockerfile": B + "ONBUILD RUN true\n"}, {"Dockerfile": B + "RUN true\n"}),
    "PM111": (
        {"Dockerfile": B, ".dockerignore": "a\n", ".containerignore": "b\n"},
        {"Dockerfile": B, ".dockerignore": "a\n"},
    ),
    "PM112": (
        {"Dockerfile": B, ".containerignore": "b\n"},
        {"Dockerfile": B, ".containerignore": "b\n", ".dockerignore": "b\n"},
    ),
    "PM113": (
        {"Dockerfile": B + "USER 1000\nWORKDIR /w\n"},
        {"Dockerfile": B + "WORKDIR /w\nUSER 1000\n"},
    ),
    "PM121": ({"Dockerfile": B + "RUN <<EOT\ntrue\nEOT\n"}, {"Dockerfile": B + "RUN true\n"}),
    "PM122": (
        {"Dockerfile": B + "RUN --mount=type=cache,target=/c true\n"},
        {"Dockerfile": B + "RUN --mount=type=bind,target=/c true\n"},
    ),
    "PM123": ({"Dockerfile": "# syntax=docker/dockerfile:1\n" + B}, {"Dockerfile": "# hi\n" + B}),
    "PM201": (
        {"Dockerfile": "FROM python:3.12\n"},
        {"Dockerfile": "FROM docker.io/library/python:3.12\n"},
    ),
    "PM202": (
        compose("  db:\n    image: postgres:16\n"),
        compose("  db:\n    image: docker.io/library/postgres:16\n"),
    ),
    "PM301": (
        compose(
            "  a:\n    build: .\n    depends_on:\n      b:\n        condition: "
            "service_healthy\n  b:\n    build: .\n"
        ),
        compose("  a:\n    build: .\n    depends_on: [b]\n  b:\n    build: .\n"),
    ),
    "PM302": (
        compose("  a:\n    build: .\n    stop_grace_period: 30s\n"),
        compose("  a:\n    build: .\n"),
    ),
    "PM303": (
        {**compose("  a:\n    build: .\n    env_file: a.env\n"), "a.env": 'X="y z"\n'},
        {**compose("  a:\n    build: .\n    env_file: a.env\n"), "a.env": "X=y z\n"},
    ),
    "PM304": (
        compose("  a:\n    build: .\n    healthcheck:\n      test: [CMD, 'true']\n"),
        compose("  a:\n    build: .\n    healthcheck:\n      test: 'true'\n      disable: false\n"),
    ),
    "PM305": (compose("  a:\n    build: .\nnetworks:\n  n: {}\n"), compose("  a:\n    build: .\n")),
    "PM306": (
        {**compose("  a:\n    build: .\n"), "docker-compose.yml": "services: {}\n"},
        {**compose("  a:\n    build: .\n"), "compose.override.yaml": "services: {}\n"},
    ),
    "PM401": (
        compose("  a:\n    build: .\n    healthcheck:\n      test: 'true'\n"),
        compose("  a:\n    build: .\n    healthcheck:\n      disable: true\n"),
    ),
    "PM402": (
        compose("  a:\n    build: .\n    restart: always\n"),
        compose("  a:\n    build: .\n    restart: on-failure\n"),
    ),
    "PM403": (
        compose("  a:\n    build: .\n    read_only: true\n"),
        compose("  a:\n    build: .\n    read_only: true\n    tmpfs: [/tmp, /run, /var/tmp]\n"),
    ),
    "PM404": (
        compose("  a:\n    build: .\n    command: ping -c1 127.0.0.1\n"),
        compose("  a:\n    build: .\n    command: ping -c1 127.0.0.1\n    cap_add: [NET_RAW]\n"),
    ),
    "PM405": (
        compose("  a:\n    build: .\n    ipc: service:b\n  b:\n    build: .\n"),
        compose("  a:\n    build: .\n    ipc: service:b\n  b:\n    build: .\n    ipc: shareable\n"),
    ),
    "PM406": (
        compose("  a:\n    build: .\n    user: '1000'\n"),
        compose("  a:\n    build: .\n    user: root\n"),
    ),
    "PM407": (
        compose("  a:\n    build: .\n    user: '1000'\n    cap_add: [NET_ADMIN]\n"),
        compose("  a:\n    build: .\n    cap_add: [NET_ADMIN]\n"),
    ),
    "PM408": (
        compose("  a:\n    build: .\n    working_dir: /w\n"),
        {
            "compose.yaml": "services:\n  a:\n    build: .\n    working_dir: /w\n",
            "Dockerfile": B + "WORKDIR /w\n",
        },
    ),
    "PM409": (
        compose("  a:\n    build: .\n    mem_limit: 64m\n"),
        compose("  a:\n    build: .\n    mem_limit: 64m\n    pids_limit: 100\n"),
    ),
    "PM501": (
        compose("  a:\n    build: .\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n"),
        compose("  a:\n    build: .\n    volumes: ['data:/data']\n"),
    ),
    "PM502": (
        compose("  a:\n    build: .\n    ports: ['443:8443']\n"),
        compose("  a:\n    build: .\n    ports: ['8443:443']\n"),
    ),
    "PM503": (
        compose("  a:\n    build: .\n    network_mode: host\n"),
        compose("  a:\n    build: .\n    network_mode: bridge\n"),
    ),
    "PM504": (
        compose("  a:\n    build: .\n    extra_hosts: ['h:host-gateway']\n"),
        compose("  a:\n    build: .\n    extra_hosts: ['h:10.0.0.1']\n"),
    ),
    "PM505": (
        compose("  a:\n    build: .\n    environment: {URL: 'http://host.docker.internal'}\n"),
        compose(
            "  a:\n    build: .\n    environment: {URL: 'http://host.docker.internal'}\n"
            "    extra_hosts: ['host.docker.internal:host-gateway']\n"
        ),
    ),
    "PM506": (compose("  a:\n    build: .\n    dns: [1.1.1.1]\n"), compose("  a:\n    build: .\n")),
    "PM507": (
        compose(
            "  a:\n    build: .\n    networks: [x]\n  b:\n    build: .\n    networks: [y]\n"
            "networks:\n  x: {}\n  y: {}\n"
        ),
        compose("  a:\n    build: .\n    networks: [x]\nnetworks:\n  x: {}\n  y: {}\n"),
    ),
    "PM601": (
        {**compose("  a:\n    build: .\n    volumes: ['./d:/d']\n"), "d/f": ""},
        {**compose("  a:\n    build: .\n    volumes: ['./d:/d:Z']\n"), "d/f": ""},
    ),
    "PM602": (
        compose("  a:\n    build: .\n    volumes: ['./d:/d:z']\n"),
        {**compose("  a:\n    build: .\n    volumes: ['./d:/d:z']\n"), "d/f": ""},
    ),
    "PM604": (
        {**compose("  a:\n    build: .\n    user: '1000'\n    volumes: ['./d:/d:z']\n"), "d/f": ""},
        {
            **compose("  a:\n    build: .\n    user: '1000'\n    volumes: ['./d:/d:z,U']\n"),
            "d/f": "",
        },
    ),
    "PM603": (
        compose("  a:\n    build: .\n    user: '1000'\n    volumes: ['v:/v']\n"),
        compose("  a:\n    build: .\n    volumes: ['v:/v']\n"),
    ),
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def rule_ids(root: Path, rule_id: str) -> list[str]:
    inputs = load_inputs([str(root)], frozenset({"harness-fixture-base"}))
    return [f.rule.id for f in lint(inputs, Selection(select=(rule_id,)))]


def test_every_rule_has_a_case() -> None:
    assert sorted(CASES) == [r.id for r in all_rules()]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_positive(rule_id: str, tmp_path: Path) -> None:
    write(tmp_path, CASES[rule_id][0])
    assert rule_ids(tmp_path, rule_id) == [rule_id]


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_negative(rule_id: str, tmp_path: Path) -> None:
    write(tmp_path, CASES[rule_id][1])
    assert rule_ids(tmp_path, rule_id) == []


def test_rule_metadata_is_complete() -> None:
    scenario_ids = {
        line.split(":", 1)[1].strip()
        for path in Path("scenarios").rglob("*.yaml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("id:")
    }
    rules = all_rules()
    assert len(rules) >= 25
    for rule in rules:
        assert rule.link.startswith("https://"), rule.id
        assert rule.fix and rule.title and rule.description != rule.title, rule.id
        assert set(rule.evidence) <= scenario_ids, (rule.id, set(rule.evidence) - scenario_ids)
