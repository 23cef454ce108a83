"""The `docker …` / `podman …` commands that reproduce a scenario's steps by hand.

Derived only from the steps recorded in results.json, shell-quoted with shlex,
so a reader can paste them into a terminal. They approximate what the harness
did through the API (labels and generated names are left out on purpose).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from harness.report.escape import plain

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


# What a results document may put on a reproducer line, field by field: a name is
# what engines accept as a container name, an image a reference that cannot be
# read as an option. Everything else is shell-quoted; control characters never pass.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./:@+-]{0,254}")
_SCALARS = (str, int, float, bool)


def _is_name(value: object) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


class Unreproducible(ValueError):
    """A step whose recorded fields cannot be turned into a safe command line."""


def _checked(step: Step, image: str, named: bool) -> None:
    for key in ("name", "container"):
        if key in step and not _is_name(step[key]):
            raise Unreproducible(f"{key} is not a container name")
    if step.get("kind") in ("run", "cli") and not _IMAGE.fullmatch(image):
        raise Unreproducible("image is not an image reference")


def _argv_ok(argv: list[str]) -> bool:
    return all(isinstance(a, str) and plain(a) == a and "\t" not in a for a in argv)


def _line(step: Step, index: int, binary: str, images: dict[str, Any], named: bool) -> str:
    """The command line of one step, or a comment saying why there is none. Comments
    carry only the step's number and its kind, which is one of _BUILDERS' keys."""
    kind, name = step.get("kind"), step.get("name")
    build = _BUILDERS.get(kind) if isinstance(kind, str) else None
    if build is None:
        if _is_name(name) and _is_name(kind):
            return f"# step {name}: {kind} has no CLI equivalent"
        return f"# step {index}: no CLI equivalent"
    image = _image_for(step, binary, images)
    try:
        _checked(step, image, named)
        argv = build(step, image, named)
    except (Unreproducible, KeyError, TypeError, ValueError, AttributeError) as exc:
        reason = exc if isinstance(exc, Unreproducible) else "a field has an unexpected type"
        return f"# step {index} ({kind}): not reproducible: {reason}"
    if not _argv_ok(argv):
        return f"# step {index} ({kind}): not reproducible: a field holds control characters"
    return shlex.join([binary, *argv[0].split(" "), *argv[1:]])


def commands(steps: list[Step], binary: str, images: dict[str, Any] | None = None) -> list[str]:
    """One shell line per step for `binary` (docker or podman); a step that has no
    CLI equivalent, or whose fields are not plain values, becomes a comment."""
    if binary not in KNOWN_CLIS:
        return [f"# no reproducer for {binary if _is_name(binary) else 'this engine'}"]
    steps = [s for s in steps if isinstance(s, dict)]
    names = {s.get("container") for s in steps} | {s.get("name") for s in steps if s.get("detach")}
    named = {n for n in names if _is_name(n)}
    lines = [
        _line(step, i, binary, images or {}, step.get("name") in named)
        for i, step in enumerate(steps, 1)
    ]
    cleanup = sorted(str(n) for n in named if any(s.get("name") == n for s in steps))
    if cleanup:
        lines.append(shlex.join([binary, "rm", "-f", *cleanup]))
    return lines


# Surfaces whose CLI is another engine's: a user of Podman's Docker API types `docker`.
SURFACE_CLIS = {"podman-docker-api": "docker"}


# The only programs a reproducer line may start with: a column named anything else
# (a results file can name its engines anything, `rm` included) gets no lines.
KNOWN_CLIS = ("docker", "podman", "nerdctl")


def binaries(engine_columns: list[str], clis: list[str] | None = None) -> list[str]:
    """CLI names for the report's columns: the program each engine's fingerprint names
    (`cli`), else the column's own name (`docker@24@ci-1` → `docker`); docker and podman
    always. Only known programs: a results file can name anything."""
    found = ["docker", "podman"]
    for column, cli in zip(engine_columns, clis or [""] * len(engine_columns), strict=False):
        base = cli or SURFACE_CLIS.get(str(column).split("@", 1)[0], str(column).split("@", 1)[0])
        if base in KNOWN_CLIS and base not in found:
            found.append(base)
    return found
