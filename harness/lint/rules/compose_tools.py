"""Compose keys the Podman compose tools ignore or translate differently."""

from __future__ import annotations

import os
from collections.abc import Iterator

from harness.errors import Location
from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, DIFFERS, INFO, Hit, rule
from harness.project.envfile import read_env

WAIT_CONDITIONS = ("service_healthy", "service_completed_successfully")


@rule(
    "PM301",
    "depends-on-condition",
    "depends_on conditions are not honoured by podman-compose before 1.3",
    BREAKS,
    {"podman": "", "podman-compose": "<1.3"},
    "Wait in the dependent service itself (retry the connection), or use docker compose "
    "against the Podman socket, or podman-compose 1.3+ on Podman 4.6+.",
    "https://github.com/containers/podman-compose/issues/866",
    ("compose.health-gating",),
)
def depends_on_condition(inputs: Inputs) -> Iterator[Hit]:
    """podman-compose 1.0.x reads `depends_on` as a start order only: the dependent
    service starts right after its dependency, without waiting for `service_healthy` or
    `service_completed_successfully`. 1.3 to 1.6 honour the conditions but start early or
    wait forever in some cases (podman-compose#1183), and on a host without systemd the
    dependency never becomes healthy at all (see PM401)."""
    for compose, service in inputs.services():
        for name, condition in service.depends_on.items():
            if condition in WAIT_CONDITIONS:
                yield Hit(
                    compose.locate((*service.path, "depends_on", name, "condition")),
                    f"depends_on {name}: {condition} is not waited for by podman-compose < 1.3",
                )


@rule(
    "PM302",
    "stop-grace-period",
    "stop_grace_period is ignored by podman-compose",
    DIFFERS,
    {"podman-compose": ""},
    "Make shutdown fast enough for 10 s, or stop the service with `podman stop -t N` yourself.",
    "https://github.com/containers/podman-compose/issues/154",
    ("compose.stop-grace-period",),
)
def stop_grace_period(inputs: Inputs) -> Iterator[Hit]:
    """podman-compose passes no stop timeout from `stop_grace_period`; containers get
    Podman's default 10 s and are then SIGKILLed, so databases and queue workers that
    drain for longer lose work (fixed only in recent podman-compose)."""
    for compose, service in inputs.services():
        if "stop_grace_period" in service.raw:
            yield Hit(
                compose.locate((*service.path, "stop_grace_period")),
                f"stop_grace_period {service.raw['stop_grace_period']} is ignored by "
                "podman-compose (10 s, then SIGKILL)",
            )


@rule(
    "PM303",
    "env-file-quotes",
    "Quoted values in an env_file keep their quotes under podman-compose",
    DIFFERS,
    {"podman-compose": ""},
    "Write env_file values without surrounding quotes (KEY=x y).",
    "https://github.com/containers/podman-compose/issues/721",
    ("compose.env-file-quotes",),
)
def env_file_quotes(inputs: Inputs) -> Iterator[Hit]:
    """docker compose strips surrounding quotes from `env_file` values (`A="x y"` gives
    `x y`); podman-compose hands the file to `podman --env-file`, which keeps them, so
    the container sees `"x y"` with the quotes."""
    seen: set[str] = set()
    for compose, service in inputs.services():
        for path in service.env_file_paths(compose.path):
            if path in seen or not os.path.isfile(path):
                continue
            seen.add(path)
            for entry in read_env(path):
                if entry.quote:
                    yield Hit(
                        entry.location, f"{entry.key}={entry.raw}: podman-compose keeps the quotes"
                    )


@rule(
    "PM304",
    "healthcheck-test-form",
    "Compose healthcheck `test` forms that podman-compose translates differently",
    DIFFERS,
    {"podman-compose": ""},
    "Use the string form (`test: curl -f http://localhost/`), which both tools run via a shell.",
    "https://github.com/containers/podman-compose/issues/1256",
)
def healthcheck_test_form(inputs: Inputs) -> Iterator[Hit]:
    """podman-compose releases have wrapped the exec form `["CMD", ...]` in `/bin/sh -c`
    and passed `["CMD-SHELL", "..."]` on as a JSON array, so checks that pass on Docker
    fail (or run a different command) on Podman."""
    for compose, service in inputs.services():
        test = (service.healthcheck or {}).get("test")
        if isinstance(test, list) and test and str(test[0]) in ("CMD", "CMD-SHELL"):
            yield Hit(
                compose.locate((*service.path, "healthcheck", "test")),
                f"healthcheck test in {test[0]} list form: podman-compose translates it "
                "differently",
            )


@rule(
    "PM305",
    "down-leaves-networks",
    "podman-compose 1.0 `down` leaves the project's networks behind",
    INFO,
    {"podman-compose": ""},
    "Remove the networks after `down` (`podman network rm`), or name them and reuse them.",
    "https://github.com/containers/podman-compose/issues/490",
    ("compose.down-cleanup",),
)
def down_leaves_networks(inputs: Inputs) -> Iterator[Hit]:
    """`docker compose down` removes the networks `up` created; podman-compose 1.0.3 stops
    and removes the containers but never the networks, which pile up and can collide
    with the next project's subnets or names."""
    for compose in inputs.compose:
        networks = compose.data.get("networks")
        if isinstance(networks, dict) and networks:
            yield Hit(
                compose.locate(("networks",), key=True),
                "`podman-compose down` (1.0) leaves these networks behind",
            )


@rule(
    "PM306",
    "several-compose-files",
    "Several default compose files in one directory: the tools pick different ones",
    DIFFERS,
    {"podman-compose": ""},
    "Keep one compose file (plus its override), or pass `-f` explicitly everywhere.",
    "https://docs.docker.com/compose/intro/compose-application-model/#the-compose-file",
)
def several_compose_files(inputs: Inputs) -> Iterator[Hit]:
    """docker compose reads the first of compose.yaml, compose.yml, docker-compose.yaml,
    docker-compose.yml (plus that name's override file). podman-compose 1.0 reads every
    default name that exists and merges them, so a leftover docker-compose.yml beside
    compose.yaml changes the project on Podman only."""
    for directory, names in inputs.compose_dirs.items():
        plain = [n for n in names if ".override." not in n]
        if len(plain) > 1:
            second = sorted(plain, key=_rank)[1]
            yield Hit(
                Location(os.path.join(directory, second), 1, 1),
                f"{', '.join(sorted(plain, key=_rank))}: docker compose reads only the "
                "first, podman-compose 1.0 merges them all",
            )


def _rank(name: str) -> int:
    order = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
    return order.index(name) if name in order else len(order)
