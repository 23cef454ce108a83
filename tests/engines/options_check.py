"""Which options a recorded request carries that its scenario did not ask for.

The allowlist is the table "Options the adapters add" in docs/engines.md, parsed
here (it lives nowhere else). What a step asked for is its spec's explicitly set
fields, mapped to the wire names each API spells them with (`ASKED`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from harness.model.scenario import ImageSpec, Scenario
from harness.model.specs.base import StepSpec
from tests.engines.wire import Request, flatten

DOC = Path(__file__).resolve().parents[2] / "docs" / "engines.md"
SECTION = "## Options the adapters add"
_VERSION = re.compile(r"^/v[\d.]+(/libpod)?")

_DOCKER_RUN = {
    "image": ["Image"],
    "image_ref": ["Image"],
    "command": ["Cmd"],
    "entrypoint": ["Entrypoint"],
    "env": ["Env"],
    "user": ["User"],
    "workdir": ["WorkingDir"],
    "hostname": ["Hostname"],
    "mounts": ["HostConfig.Mounts.*"],
    "network": ["HostConfig.NetworkMode"],
    "aliases": ["NetworkingConfig.EndpointsConfig.*.Aliases"],
    "ports": ["ExposedPorts.*", "HostConfig.PortBindings.*.HostPort"],
    "memory": ["HostConfig.Memory"],
    "cpus": ["HostConfig.NanoCpus"],
    "pids_limit": ["HostConfig.PidsLimit"],
    "pid_mode": ["HostConfig.PidMode"],
    "ipc_mode": ["HostConfig.IpcMode"],
    "read_only": ["HostConfig.ReadonlyRootfs"],
    "privileged": ["HostConfig.Privileged"],
    "cap_add": ["HostConfig.CapAdd"],
    "cap_drop": ["HostConfig.CapDrop"],
    "stop_signal": ["StopSignal"],
    "stop_timeout": ["StopTimeout"],
    "restart": ["HostConfig.RestartPolicy.*"],
    "healthcheck": ["Healthcheck.*"],
    "auto_remove": ["HostConfig.AutoRemove"],
}
_LIBPOD_RUN = {
    "image": ["image"],
    "image_ref": ["image"],
    "command": ["command"],
    "entrypoint": ["entrypoint"],
    "env": ["env.*"],
    "user": ["user"],
    "workdir": ["work_dir"],
    "hostname": ["hostname"],
    "mounts": ["mounts.*", "volumes.*"],
    "network": ["netns.*", "networks.*"],
    "aliases": ["networks.*.aliases"],
    "ports": [
        "portmappings.[].container_port",
        "portmappings.[].host_port",
        "portmappings.[].protocol",
    ],
    "memory": ["resource_limits.memory.*"],
    "cpus": ["resource_limits.cpu.*"],
    "pids_limit": ["resource_limits.pids.*"],
    "pid_mode": ["pidns.*"],
    "ipc_mode": ["ipcns.*"],
    "read_only": ["read_only_filesystem"],
    "privileged": ["privileged"],
    "cap_add": ["cap_add"],
    "cap_drop": ["cap_drop"],
    "stop_signal": ["stop_signal"],
    "stop_timeout": ["stop_timeout"],
    "restart": ["restart_policy", "restart_tries"],
    "healthcheck": ["healthconfig.*"],
    "auto_remove": ["remove"],
}
_EXEC = {"command": ["Cmd"], "user": ["User"], "workdir": ["WorkingDir"], "env": ["Env"]}
_COMMON: dict[str, dict[str, list[str]]] = {
    "exec": _EXEC,
    "restart": {"timeout": ["?t"]},
    "kill": {"signal": ["?signal"]},
    "remove": {"force": ["?force"]},
    "volume_rm": {"force": ["?force"]},
    "volume_ls": {"labels": ["?filters"]},
    "tag": {"as_": ["?repo", "?tag"]},
    "image": {
        "target": ["?target"],
        "build_args": ["?buildargs"],
        "format": ["?outputformat"],
        "labels": ["?labels"],
    },
}
# adapter -> spec kind (or "image", "setup") -> spec field -> option patterns
ASKED: dict[str, dict[str, dict[str, list[str]]]] = {
    "docker": {
        **_COMMON,
        "run": _DOCKER_RUN,
        "stop": {"timeout": ["?t"]},
        "push": {"ref": ["?tag"]},
        "pull": {"ref": ["?fromImage", "?tag"]},
        "setup": {
            "volume.options": ["DriverOpts.*"],
            "volume.labels": ["Labels.*"],
            "network.internal": ["Internal"],
        },
    },
    "podman": {
        **_COMMON,
        "run": _LIBPOD_RUN,
        "stop": {"timeout": ["?timeout"]},
        "pull": {"ref": ["?reference"]},
        "setup": {
            "volume.options": ["Options.*"],
            "volume.labels": ["Labels.*"],
            "network.internal": ["internal"],
        },
    },
}


@dataclass(frozen=True)
class Allowed:
    """One row of the doc table."""

    adapter: str
    method: str
    path: str
    option: str
    value: str
    when: str

    def admits(self, adapter: str, method: str, path: str, option: str, value: str) -> bool:
        return (
            self.when == "step"
            and self.adapter == adapter
            and self.method == method
            and fnmatchcase(path, self.path)
            and fnmatchcase(option, self.option)
            and self.value in ("*", value)
        )


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _ticked(cell: str) -> list[str]:
    found = re.findall(r"`([^`]*)`", cell)
    return found or [cell]


def allowlist(text: str | None = None) -> list[Allowed]:
    """The rows of the table under SECTION; a call or option cell may list several."""
    text = DOC.read_text() if text is None else text
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows: list[Allowed] = []
    for line in body.splitlines():
        cells = _cells(line) if line.startswith("| ") else []
        if len(cells) != 7 or cells[0] in ("adapter", "---"):
            continue
        adapter, calls, options, value, when = cells[:5]
        for call in calls.split(", "):
            method, _, path = call.partition(" ")
            for option in _ticked(options):
                rows.append(Allowed(adapter, method, path, option, _ticked(value)[0], when))
    return rows


def flavour(engine: Any) -> str:
    """Which adapter module's rows apply to an engine object."""
    from harness.engines.docker import DockerEngine
    from harness.engines.podman import PodmanEngine

    if isinstance(engine, DockerEngine):
        return "docker"
    if isinstance(engine, PodmanEngine):
        return "podman"
    raise AssertionError(f"no options table for {type(engine).__name__}")


def _setup_fields(scenario: Scenario) -> set[str]:
    fields = {f"volume.{f}" for v in scenario.volumes.values() for f in v.model_fields_set}
    return fields | {f"network.{f}" for n in scenario.networks.values() for f in n.model_fields_set}


def asked(adapter: str, phase: Any) -> tuple[str, list[str]]:
    """The phase's name for messages, and the option patterns it asked for."""
    if isinstance(phase, StepSpec):
        kind, fields = phase.kind, phase.model_fields_set
        label = f"step {phase.name!r} ({phase.kind})"
    elif isinstance(phase, ImageSpec):
        kind, label, fields = "image", "a scenario image's build", phase.model_fields_set
    else:
        kind, label, fields = "setup", "the scenario's volumes and networks", _setup_fields(phase)
    table = ASKED[adapter].get(kind, {})
    return label, [p for f in sorted(fields) for p in table.get(f, [])]


def options(request: Request) -> list[tuple[str, str]]:
    """(option, value as sent) of a request: query parameters, then JSON body keys."""
    query = [(f"?{k}", v) for k, v in request.params]
    return query + [(k, json.dumps(v)) for k, v in flatten(request.body)]


def unasked(adapter: str, requests: list[Request], table: list[Allowed]) -> list[str]:
    """Every option a step, image build or setup sent that it did not ask for and the
    table does not allow, as 'OPTION=VALUE in METHOD PATH (PHASE)'."""
    found = []
    for request in requests:
        if request.phase is None:
            continue  # fingerprints, teardown, the harness's base image
        label, patterns = asked(adapter, request.phase)
        path = _VERSION.sub("", request.path)
        for option, value in options(request):
            if any(fnmatchcase(option, p) for p in patterns):
                continue
            if any(row.admits(adapter, request.method, path, option, value) for row in table):
                continue
            found.append(f"{option}={value} in {request.method} {path} ({label}, {adapter})")
    return sorted(set(found))
