"""Run-time defaults that differ: healthcheck scheduling, restarts, capabilities, limits."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from harness.lint.inputs import Inputs
from harness.lint.registry import BREAKS, DIFFERS, INFO, Hit, rule
from harness.lint.rules._util import final_user, instructions, is_nonroot, words
from harness.project.compose import ComposeFile, Service

NEEDS_CAP = {
    "ping": "NET_RAW",
    "arping": "NET_RAW",
    "traceroute": "NET_RAW",
    "tcpdump": "NET_RAW",
    "mknod": "MKNOD",
}
RESTARTS = ("always", "unless-stopped")
LIMIT_KEYS = ("mem_limit", "memswap_limit", "cpus", "cpu_quota", "cpu_shares")


@rule(
    "PM401",
    "healthcheck-needs-systemd",
    "Healthchecks never run by themselves on Podman hosts without systemd",
    DIFFERS,
    {"podman": ""},
    "Do not gate on `healthy` where Podman runs without systemd (WSL, CI containers, "
    "Alpine/OpenRC); run `podman healthcheck run` from your own loop there.",
    "https://github.com/containers/podman/issues/19326",
    (
        "lifecycle.healthcheck-wait",
        "healthchecks.interval",
        "healthchecks.start-period",
        "healthchecks.timeout",
        "healthchecks.unhealthy-after-retries",
        "compose.health-gating",
    ),
)
def healthcheck_needs_systemd(inputs: Inputs) -> Iterator[Hit]:
    """Podman schedules healthchecks with systemd timers. Without systemd no check ever
    runs by itself: Podman 4.3 prints `unable to get systemd connection to add
    healthchecks`, 4.4+ and 5.x say nothing, and the status stays `starting` forever."""
    for compose, service in inputs.services():
        check = service.healthcheck
        if check is None or check.get("disable") is True:
            continue
        if isinstance(check.get("test"), list) and check["test"][:1] == ["NONE"]:
            continue
        yield Hit(
            compose.locate((*service.path, "healthcheck"), key=True),
            f"service {service.name}: the healthcheck runs only where Podman has systemd",
        )


@rule(
    "PM402",
    "restart-needs-systemd",
    "restart: always/unless-stopped does not survive a reboot without podman-restart.service",
    DIFFERS,
    {"podman": ""},
    "Enable podman-restart.service (Podman 4.4+, needs systemd) or generate Quadlet units.",
    "https://github.com/containers/podman/issues/10539",
)
def restart_policy(inputs: Inputs) -> Iterator[Hit]:
    """Docker's daemon restarts `always`/`unless-stopped` containers when it starts after a
    reboot. Podman has no daemon: the policy works while the host runs, but after a
    reboot nothing brings the containers back unless podman-restart.service (systemd) is
    enabled."""
    for compose, service in inputs.services():
        policy = str(service.raw.get("restart", ""))
        if policy in RESTARTS:
            yield Hit(
                compose.locate((*service.path, "restart")),
                f"restart: {policy} is not applied after a reboot without podman-restart.service",
            )


@rule(
    "PM403",
    "read-only-tmp",
    "read_only: true leaves /tmp, /run and /var/tmp writable on Podman only",
    DIFFERS,
    {"podman": ">=1.3"},
    "Declare the writable paths (`tmpfs: [/tmp, /run]`) so both engines agree.",
    "https://github.com/containers/podman/pull/3025",
    ("limits.read-only",),
)
def read_only_tmp(inputs: Inputs) -> Iterator[Hit]:
    """With a read-only root filesystem Podman mounts writable tmpfs on /tmp, /var/tmp and
    /run (`--read-only-tmpfs`, on by default); Docker mounts nothing, so an app that
    writes to /tmp works on Podman and fails on Docker with "Read-only file system"."""
    for compose, service in inputs.services():
        if service.raw.get("read_only") is True:
            mounted = {str(t).split(":")[0] for t in _tmpfs(service)}
            if not {"/tmp", "/run", "/var/tmp"} <= mounted:
                yield Hit(
                    compose.locate((*service.path, "read_only")),
                    "read_only: /tmp, /run and /var/tmp are writable on Podman, "
                    "read-only on Docker",
                )


def _tmpfs(service: Service) -> list[Any]:
    value = service.raw.get("tmpfs")
    return value if isinstance(value, list) else [value] if value else []


def _caps(service: Service) -> set[str]:
    added = service.raw.get("cap_add") or []
    caps = {str(c).upper().removeprefix("CAP_") for c in added}
    if service.raw.get("privileged") is True:
        caps.add("ALL")
    return caps


def _needed(command: str) -> list[tuple[str, str]]:
    found = []
    for word in command.replace(";", " ").replace("&&", " ").replace("|", " ").split():
        tool = os.path.basename(word.strip("'\""))
        if tool in NEEDS_CAP and (tool, NEEDS_CAP[tool]) not in found:
            found.append((tool, NEEDS_CAP[tool]))
    return found


def _compose_commands(service: Service) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for key in ("command", "entrypoint"):
        if key in service.raw:
            yield (*service.path, key), words(service.raw[key])
    if service.healthcheck and "test" in service.healthcheck:
        yield (*service.path, "healthcheck", "test"), words(service.healthcheck["test"])


@rule(
    "PM404",
    "missing-default-capability",
    "A command needs a capability Podman's default set lacks (NET_RAW for ping, MKNOD)",
    BREAKS,
    {"podman": ">=3.0"},
    "Add the capability explicitly: `cap_add: [NET_RAW]` (or MKNOD).",
    "https://github.com/containers/common/issues/1234",
    ("limits.caps-default",),
)
def missing_capability(inputs: Inputs) -> Iterator[Hit]:
    """Podman's default capability set (containers.conf default_capabilities, 11 on Debian
    and Fedora) has no NET_RAW, MKNOD or AUDIT_WRITE, which Docker grants. `ping` fails
    with "permission denied (are you root?)", `mknod` with "Operation not permitted": a
    ping-based healthcheck or monitor works on Docker only."""
    built_with: dict[str, set[str]] = {}
    for compose, service in inputs.services():
        caps = _caps(service)
        parsed = inputs.service_dockerfile(compose, service)
        if parsed is not None:
            built_with.setdefault(os.path.normpath(parsed.path), set()).update(caps or {"-"})
        for path, command in _compose_commands(service):
            for tool, cap in _needed(command):
                if cap not in caps and "ALL" not in caps:
                    yield Hit(
                        compose.locate(path),
                        f"{tool} needs {cap}, which Podman's default capabilities lack",
                    )
    for parsed in inputs.dockerfiles:
        caps = built_with.get(os.path.normpath(parsed.path), set())
        for keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            for ins in instructions(parsed, keyword):
                for tool, cap in _needed(" ".join(ins.args)):
                    if cap not in caps and "ALL" not in caps:
                        yield Hit(
                            parsed.find(ins, tool),
                            f"{tool} needs {cap}, which Podman's default capabilities lack",
                        )


@rule(
    "PM405",
    "ipc-join-not-shareable",
    "Joining another container's IPC namespace: Podman's default is shareable, Docker's not",
    DIFFERS,
    {"docker": "", "podman": ""},
    "Set `ipc: shareable` on the service whose namespace others join.",
    "https://github.com/containers/common/pull/972",
    ("limits.ipc-namespace",),
)
def ipc_join(inputs: Inputs) -> Iterator[Hit]:
    """Podman creates every container's IPC namespace `shareable`; Docker's default is
    `private`, which other containers cannot join. `ipc: service:db` works on Podman and
    fails on Docker unless `db` says `ipc: shareable`."""
    for compose, service in inputs.services():
        mode = str(service.raw.get("ipc", ""))
        kind, _, target = mode.partition(":")
        if kind not in ("service", "container") or not target:
            continue
        other = compose.services.get(target)
        if other is None or other.raw.get("ipc") != "shareable":
            yield Hit(
                compose.locate((*service.path, "ipc")),
                f"ipc: {mode} needs `ipc: shareable` on {target} for Docker",
            )


@rule(
    "PM406",
    "numeric-user-passwd",
    "A numeric user the image does not define gets a passwd entry on Podman only",
    INFO,
    {"podman": ""},
    "Create the user in the image (`adduser -u 1000 app`) so both engines agree.",
    "https://github.com/containers/podman/pull/1558",
    ("limits.user",),
)
def numeric_user(inputs: Inputs) -> Iterator[Hit]:
    """Podman adds an /etc/passwd line for a `user:` uid the image lacks (`--passwd`, on by
    default), so `whoami`, `id -un` and `$HOME` lookups succeed; on Docker they fail with
    "unknown uid"."""
    for compose, service in inputs.services():
        user = str(service.raw.get("user", ""))
        if user and user.split(":")[0].isdigit() and user.split(":")[0] != "0":
            yield Hit(
                compose.locate((*service.path, "user")),
                f"user {user}: Podman adds a passwd entry for it, Docker does not",
            )


def _service_user(inputs: Inputs, compose: ComposeFile, service: Service) -> str | None:
    if "user" in service.raw:
        return str(service.raw["user"])
    return final_user(inputs.service_dockerfile(compose, service))


@rule(
    "PM407",
    "cap-add-nonroot",
    "cap_add for a non-root user: Podman grants it in the ambient set, Docker does not",
    DIFFERS,
    {"podman": ""},
    "Run the process as root and drop privileges in it, or give the binary file capabilities.",
    "https://github.com/containers/podman/pull/8217",
    ("limits.caps-nonroot",),
)
def cap_add_nonroot(inputs: Inputs) -> Iterator[Hit]:
    """A non-root process has no effective capabilities on Docker whatever `cap_add` says
    (they stay in the bounding set). Podman puts added capabilities in the ambient set, so
    the same process can bind low ports or change the network on Podman only."""
    for compose, service in inputs.services():
        if service.raw.get("cap_add") and is_nonroot(_service_user(inputs, compose, service)):
            yield Hit(
                compose.locate((*service.path, "cap_add"), key=True),
                f"cap_add with user {_service_user(inputs, compose, service)}: effective "
                "on Podman, not on Docker",
            )


@rule(
    "PM408",
    "working-dir-must-exist",
    "working_dir that the image does not create: Podman refuses it, Docker creates it",
    DIFFERS,
    {"podman": ""},
    "Create the directory in the Dockerfile (`WORKDIR /path`).",
    "https://github.com/containers/podman/pull/9054",
    ("lifecycle.missing-workdir",),
)
def working_dir(inputs: Inputs) -> Iterator[Hit]:
    """Docker creates a missing working directory given at create time. Podman creates it
    only when it comes from the image's WORKDIR; one given by `working_dir:` (--workdir)
    must exist, or the container fails to start."""
    for compose, service in inputs.services():
        wanted = service.raw.get("working_dir")
        if not wanted:
            continue
        parsed = inputs.service_dockerfile(compose, service)
        made = {i.args[0].rstrip("/") for i in instructions(parsed, "WORKDIR")} if parsed else set()
        if str(wanted).rstrip("/") not in made:
            yield Hit(
                compose.locate((*service.path, "working_dir")),
                f"working_dir {wanted} is not created by the image: Podman refuses it",
            )


def _sets_limits(service: Service) -> bool:
    limits = ((service.raw.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    return any(k in service.raw for k in LIMIT_KEYS) or bool(limits)


@rule(
    "PM409",
    "pids-shm-defaults",
    "Limits set, but pids and shm left to engine defaults that differ",
    INFO,
    {"podman": ""},
    "Set `pids_limit` and `shm_size` explicitly next to the other limits.",
    "https://docs.podman.io/en/v4.3/markdown/podman-run.1.html#pids-limit-limit",
    ("limits.defaults",),
)
def pids_shm_defaults(inputs: Inputs) -> Iterator[Hit]:
    """Podman caps every container at 2048 processes (containers.conf pids_limit) and
    gives /dev/shm 65536000 bytes (62.5 MiB); Docker sets no pids limit and 64 MiB. A
    service whose limits were tuned on one engine runs under different ones on the
    other."""
    for compose, service in inputs.services():
        limits = ((service.raw.get("deploy") or {}).get("resources") or {}).get("limits") or {}
        if not _sets_limits(service) or "pids_limit" in service.raw or "pids" in limits:
            continue
        yield Hit(
            compose.locate(service.path, key=True),
            f"service {service.name}: no pids_limit (Podman 2048, Docker unlimited)",
        )
