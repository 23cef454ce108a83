"""Tie a measured difference to the line that caused it and the scenario that proves it.

Each fact key names the Dockerfile instruction (or compose key) it comes from, the
cause as the scenario library demonstrated it in isolation, and the fix. The
scenario ids are checked against the library by tests/unit/test_check_logic.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from harness.check.model import Difference
from harness.errors import Location
from harness.project.compose import ComposeFile
from harness.project.dockerfile import Dockerfile
from harness.project.envfile import read_env

FORMAT_FIX = "build with `podman build --format docker` (BUILDAH_FORMAT=docker)"


@dataclass(frozen=True)
class Cause:
    keyword: str
    scenarios: tuple[str, ...]
    cause: str = ""
    fix: str = ""


CAUSES = {
    "image.healthcheck": Cause(
        "HEALTHCHECK",
        ("healthchecks.image-oci-format", "builds.keeps-default-format"),
        "Podman builds OCI images by default; the OCI config has no healthcheck",
        FORMAT_FIX + ", or declare the healthcheck in compose / at run time",
    ),
    "image.shell": Cause(
        "SHELL",
        ("builds.keeps-oci-format", "builds.keeps-default-format"),
        "the OCI image format has no SHELL",
        FORMAT_FIX,
    ),
    "image.onbuild": Cause(
        "ONBUILD",
        ("builds.keeps-default-format",),
        "the OCI image format has no ONBUILD triggers",
        FORMAT_FIX,
    ),
    "image.stop_signal": Cause("STOPSIGNAL", ("lifecycle.stop-stopsignal",)),
    "image.user": Cause("USER", ("builds.user-then-workdir",)),
    "image.workdir": Cause("WORKDIR", ("builds.user-then-workdir",)),
    "image.exposed_ports": Cause("EXPOSE", ()),
    "image.volumes": Cause("VOLUME", ()),
    "image.env": Cause("ENV", ()),
    "image.cmd": Cause("CMD", ()),
    "image.entrypoint": Cause("ENTRYPOINT", ()),
    "image.labels": Cause("LABEL", ()),
    "build.ok": Cause("FROM", ()),
    "run.health": Cause(
        "HEALTHCHECK",
        ("healthchecks.image-oci-format", "lifecycle.healthcheck-run"),
        "the image's healthcheck is missing or not scheduled on one engine",
        FORMAT_FIX,
    ),
    "run.stop": Cause(
        "STOPSIGNAL",
        ("lifecycle.stop-stopsignal", "lifecycle.stop-sigterm"),
        "the main process ignored the stop signal on one engine and was killed",
    ),
    "run.stop_exit_code": Cause("STOPSIGNAL", ("lifecycle.stop-stopsignal",)),
    "run.ports_answer": Cause("EXPOSE", ()),
    "run.stdout": Cause("CMD", ()),
    "run.stderr": Cause("CMD", ()),
    "run.exit_code": Cause("CMD", ("lifecycle.exit-codes",)),
    "run.state": Cause("CMD", ()),
}
FS_CAUSE = Cause(
    "COPY",
    ("builds.ignore-both", "builds.dockerignore", "builds.containerignore"),
    "files in the build context are filtered differently (.containerignore is read by "
    "Podman only, before .dockerignore), or ownership/modes are applied differently",
    "keep .dockerignore and .containerignore identical (or have only .dockerignore)",
)


WORKDIR_CAUSE = Cause(
    "WORKDIR",
    ("builds.user-then-workdir",),
    "Docker creates a missing WORKDIR in the image (owned by root); Podman's builder "
    "leaves it out of the image and it is created when a container starts",
    "create the directory with RUN mkdir (and chown) before WORKDIR",
)


def _last(parsed: Dockerfile, keyword: str) -> Location | None:
    found = [i for i in parsed.instructions if i.keyword == keyword]
    if not found:
        return None
    ins = found[-1]
    return Location(parsed.path, ins.line, ins.column)


def _copy_for(parsed: Dockerfile, path: str) -> Location | None:
    """The last instruction naming `path`, else the last COPY/ADD/RUN: what most
    likely wrote it."""
    for ins in reversed(parsed.instructions):
        if ins.keyword in ("COPY", "ADD", "RUN", "WORKDIR") and path in ins.original:
            return Location(parsed.path, ins.line, ins.column)
    for keyword in ("COPY", "ADD", "RUN"):
        where = _last(parsed, keyword)
        if where is not None:
            return where
    return None


def explain(diff: Difference, parsed: Dockerfile) -> Difference:
    """Fill location, cause, fix and scenarios of a difference from its key."""
    if diff.key.startswith("fs:"):
        diff.location = diff.location or _copy_for(parsed, diff.key[3:])
        cause = FS_CAUSE
        if diff.location and parsed.lines[diff.location.line - 1].lstrip().upper().startswith(
            "WORKDIR"
        ):
            cause = WORKDIR_CAUSE
    else:
        found = CAUSES.get(diff.key)
        if found is None:
            return diff
        cause = found
        diff.location = diff.location or _last(parsed, cause.keyword)
    if diff.location is None:
        diff.location = Location(parsed.path, 1, 1)
    diff.cause, diff.fix, diff.scenarios = cause.cause, cause.fix, cause.scenarios
    return diff


def all_scenarios() -> set[str]:
    found = {s for c in CAUSES.values() for s in c.scenarios}
    return found | set(FS_CAUSE.scenarios)


COMPOSE_CAUSES = {
    "health": Cause(
        "healthcheck",
        ("compose.health-gating", "healthchecks.image-oci-format"),
        "the service's healthcheck is missing (OCI build) or not scheduled on one engine",
        "declare the healthcheck in compose, or build with --format docker",
    ),
    "state": Cause("depends_on", ("compose.health-gating",)),
    "resolves": Cause(
        "networks",
        ("compose.name-resolution", "networks.user-bridge-names"),
        "a service name does not resolve from another service's container (Podman 4.3 "
        "writes containers.conf dns_servers into resolv.conf instead of aardvark-dns)",
        "do not set engine-wide dns_servers for Podman, or give the services `dns:` "
        "nothing and rely on the network's own DNS",
    ),
    "ports": Cause("ports", ("compose.published-port",)),
    "restarts": Cause("restart", ()),
    "volume": Cause(
        "volumes",
        ("volumes.copy-up", "volumes.nonroot-ownership"),
        "a new named volume is filled from the image, or owned, differently",
    ),
    "exit_code": Cause("command", ()),
    "env": Cause(
        "env_file",
        ("compose.env-file-quotes",),
        "a quoted value in an env_file reaches the container with its quotes on one "
        "engine (podman-compose hands the file to `podman run --env-file`, which keeps "
        "them; compose tools strip them)",
        "write env_file values without surrounding quotes (KEY=x y)",
    ),
    "stop_timeout": Cause(
        "stop_grace_period",
        ("compose.stop-grace-period",),
        "the service's stop_grace_period did not become the container's stop timeout on "
        "one engine (podman-compose passes none), so stops SIGKILL it after 10 s",
        "make shutdown finish within 10 s, or stop the service with `podman stop -t N`",
    ),
    "leaves": Cause(
        "volumes",
        ("compose.down-cleanup",),
        "`down` leaves a different set of networks or volumes (podman-compose 1.0 keeps "
        "the project's networks)",
        "remove them after `down` (`podman network rm`), or use `down` of podman-compose >= 1.1",
    ),
}


UP_HANG = Cause(
    "depends_on",
    ("compose.health-gating",),
    "`up -d` did not return on one engine: a compose tool that waits for `condition: "
    "service_healthy` (podman-compose 1.1 and later) waits forever where the dependency's "
    "health check never runs (Podman without systemd timers)",
    "let the dependent service retry its connection instead of `condition: "
    "service_healthy`, or run Podman where systemd schedules its health checks",
)


def _healthy_condition(compose: ComposeFile) -> Location | None:
    """The first `condition: service_healthy` in the file, where a hanging `up` waits."""
    for name, service in compose.services.items():
        for dep, condition in service.depends_on.items():
            if condition == "service_healthy":
                return compose.locate(("services", name, "depends_on", dep, "condition"))
    return None


def _never_started(diff: Difference, facts: dict[str, dict[str, Any]]) -> str:
    """`api.resolves.web`: the engines on which `web` never had a container."""
    target = diff.key.split(".", 2)[2] if diff.key.count(".") >= 2 else ""
    return ", ".join(sorted(n for n, f in facts.items() if f.get(f"{target}.state") == "missing"))


def _env_line(compose: ComposeFile, service: str, key: str) -> Location | None:
    """Where an env_file of `service` sets `key` (the last file that does wins)."""
    found = compose.services.get(service)
    where = None
    for full in found.env_file_paths(compose.path) if found is not None else []:
        if os.path.isfile(full):
            where = next((e.location for e in read_env(full) if e.key == key), where)
    return where


def explain_compose(
    diff: Difference, compose: ComposeFile, facts: dict[str, dict[str, Any]] | None = None
) -> Difference:
    """Point a compose difference (`service.fact...`) at the service key behind it;
    `facts` (engine -> facts) tell a consequence from a cause."""
    parts = diff.key.split(".")
    service, fact = parts[0], parts[1] if len(parts) > 1 else ""
    if diff.key == "up.exit_code" and None in diff.values.values():
        diff.location = _healthy_condition(compose) or compose.locate(("services",), key=True)
        diff.cause, diff.fix, diff.scenarios = UP_HANG.cause, UP_HANG.fix, UP_HANG.scenarios
        return diff
    missing = _never_started(diff, facts or {}) if fact == "resolves" else ""
    if missing:
        target = parts[2]
        diff.location = compose.locate(("services", target), key=True)
        diff.cause = f"service {target} never started on {missing}, so its name resolves nowhere"
        diff.scenarios = UP_HANG.scenarios
        return diff
    cause = COMPOSE_CAUSES.get(fact)
    written = _env_line(compose, service, parts[2]) if fact == "env" and len(parts) > 2 else None
    if written is not None:  # the env_file line that wrote the value, quotes and all
        diff.location = written
    elif service in ("up", "down"):  # up.networks, down.leaves.volumes: the top-level key
        section = parts[-1] if parts[-1] in ("volumes", "networks") else "services"
        diff.location = compose.locate((section,), key=True)
    elif cause is not None:
        diff.location = compose.locate(("services", service, cause.keyword))
    else:
        diff.location = compose.locate(("services", service), key=True)
    if cause is not None:
        diff.cause, diff.fix, diff.scenarios = cause.cause, cause.fix, cause.scenarios
    return diff
