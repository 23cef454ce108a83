"""The `docker …` / `podman …` commands that reproduce a scenario's steps by hand.

Derived only from the steps recorded in results.json, shell-quoted with shlex,
so a reader can paste them into a terminal. They approximate what the harness
did through the API (labels and generated names are left out on purpose).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

Step = dict[str, Any]


def _flag_pairs(flag: str, values: Any) -> list[str]:
    return [part for value in values or () for part in (flag, str(value))]


def _health(check: dict[str, Any] | None) -> list[str]:
    if not check:
        return []
    test = check.get("test")
    args: list[str] = []
    if isinstance(test, list) and test[:1] == ["NONE"]:
        return ["--no-healthcheck"]
    if isinstance(test, list) and test[:1] in (["CMD"], ["CMD-SHELL"]):
        args += ["--health-cmd", shlex.join(test[1:]) if test[0] == "CMD" else " ".join(test[1:])]
    elif test is not None:
        args += ["--health-cmd", test if isinstance(test, str) else shlex.join(map(str, test))]
    for key in ("interval", "timeout", "retries", "start_period"):
        if key in check:
            args += [f"--health-{key.replace('_', '-')}", str(check[key])]
    return args


def _mounts(mounts: list[dict[str, Any]]) -> list[str]:
    args: list[str] = []
    for m in mounts:
        parts = [f"type={m['type']}"]
        if m.get("source"):
            parts.append(f"source={m['source']}")
        parts.append(f"target={m['target']}")
        if m.get("read_only"):
            parts.append("readonly")
        parts += [f"{k}={v}" for k, v in (m.get("options") or {}).items()]
        args += ["--mount", ",".join(parts)]
    return args


def _scalar_flags(step: Step) -> list[str]:
    flags = {
        "user": "-u",
        "workdir": "-w",
        "hostname": "--hostname",
        "network": "--network",
        "memory": "--memory",
        "cpus": "--cpus",
        "pids_limit": "--pids-limit",
        "pid_mode": "--pid",
        "ipc_mode": "--ipc",
        "stop_signal": "--stop-signal",
        "stop_timeout": "--stop-timeout",
        "restart": "--restart",
    }
    return [
        p
        for key, flag in flags.items()
        if step.get(key) is not None
        for p in (flag, str(step[key]))
    ]


def _run(step: Step, image: str, named: bool) -> list[str]:
    argv: list[str] = ["run"]
    argv += ["-d"] if step.get("detach") else []
    argv += [] if step.get("restart") or named else ["--rm"]  # named: removed at the end
    argv += ["--name", step["name"]] if named else []
    command = list(step.get("command") or [])
    entrypoint = step.get("entrypoint")
    if entrypoint == "" or entrypoint == []:
        argv += ["--entrypoint", ""]
    elif entrypoint:
        argv += ["--entrypoint", entrypoint[0]]
        command = [*entrypoint[1:], *command]
    argv += [p for k, v in (step.get("env") or {}).items() for p in ("-e", f"{k}={v}")]
    argv += _scalar_flags(step)
    argv += ["--read-only"] if step.get("read_only") else []
    argv += ["--privileged"] if step.get("privileged") else []
    argv += _flag_pairs("--cap-add", step.get("cap_add"))
    argv += _flag_pairs("--cap-drop", step.get("cap_drop"))
    argv += _flag_pairs("--network-alias", step.get("aliases"))
    argv += [p for c, h in (step.get("ports") or {}).items() for p in ("-p", f"{h}:{c}")]
    argv += [p for k, v in (step.get("labels") or {}).items() for p in ("--label", f"{k}={v}")]
    argv += _mounts(step.get("mounts") or [])
    argv += _health(step.get("healthcheck"))
    return [*argv, image, *command]


def _cli(step: Step, image: str, named: bool) -> list[str]:
    command = list(step.get("command") or ["run"])
    if command[-1] not in ("run", "create"):
        return [*command, *step.get("options", []), *step.get("args", [])]
    return [*command, "--pull", "never", *step.get("options", []), image, *step.get("args", [])]


def _exec(step: Step, image: str, named: bool) -> list[str]:
    argv = ["exec"]
    argv += ["-u", step["user"]] if step.get("user") else []
    argv += ["-w", step["workdir"]] if step.get("workdir") else []
    argv += [p for k, v in (step.get("env") or {}).items() for p in ("-e", f"{k}={v}")]
    return [*argv, step["container"], *step.get("command", [])]


def _on_container(*flags: str) -> Callable[[Step, str, bool], list[str]]:
    """`docker stop [-t N] NAME` and friends: steps acting on an earlier container."""
    verb, options = flags[0], flags[1:]

    def build(step: Step, image: str, named: bool) -> list[str]:
        argv = [verb]
        for option in options:
            flag, key = option.split("=", 1)
            value = step.get(key)
            if value is True:
                argv.append(flag)
            elif value not in (None, False):
                argv += [flag, str(value)]
        return [*argv, step["container"]]

    return build


def _read_file(step: Step, image: str, named: bool) -> list[str]:
    return ["exec", step["container"], "cat", step["path"]]


_BUILDERS: dict[str, Callable[[Step, str, bool], list[str]]] = {
    "run": _run,
    "cli": _cli,
    "exec": _exec,
    "stop": _on_container("stop", "-t=timeout"),
    "restart": _on_container("restart", "-t=timeout"),
    "kill": _on_container("kill", "-s=signal"),
    "start": _on_container("start"),
    "remove": _on_container("rm", "-f=force"),
    "inspect": _on_container("inspect"),
    "healthcheck_run": _on_container("healthcheck run"),
    "read_file": _read_file,
}


def _image_for(step: Step, engine: str, images: dict[str, Any]) -> str:
    name = str(step.get("image", ""))
    refs = images.get(name)
    if isinstance(refs, dict) and isinstance(refs.get(engine), str):
        return str(refs[engine])
    return name


def commands(steps: list[Step], binary: str, images: dict[str, Any] | None = None) -> list[str]:
    """One shell line per step for `binary` (docker, podman, …); unknown kinds become comments."""
    named = {s["container"] for s in steps if s.get("container")}
    named |= {s["name"] for s in steps if s.get("detach")}
    lines: list[str] = []
    for step in steps:
        build = _BUILDERS.get(str(step.get("kind")))
        if build is None:
            lines.append(f"# step {step.get('name')!s}: {step.get('kind')!s} has no CLI equivalent")
            continue
        image = _image_for(step, binary, images or {})
        argv = build(step, image, step.get("name") in named)
        lines.append(shlex.join([binary, *argv[0].split(" "), *argv[1:]]))
    cleanup = sorted(s["name"] for s in steps if s.get("name") in named)
    if cleanup:
        lines.append(shlex.join([binary, "rm", "-f", *cleanup]))
    return lines


# Surfaces whose CLI is another engine's: a user of Podman's Docker API types `docker`.
SURFACE_CLIS = {"podman-docker-api": "docker"}


def binaries(engine_columns: list[str]) -> list[str]:
    """CLI names for the report's columns: `docker@24@ci-1` → `docker`; docker and podman always."""
    found = ["docker", "podman"]
    for column in engine_columns:
        base = column.split("@", 1)[0]
        base = SURFACE_CLIS.get(base, base)
        if base and base not in found:
            found.append(base)
    return found
