"""ContainerSpec -> `docker create` arguments. Pure, so it is unit-tested without an engine."""

from __future__ import annotations

from harness.engines.base import ContainerSpec, MountSpec, Unsupported


def _mount(m: MountSpec) -> str:
    parts = [f"type={m.type}", f"target={m.target}"]
    if m.source:
        parts.append(f"source={m.source}")
    if m.read_only:
        parts.append("readonly")
    if m.type == "tmpfs":
        if "size" in m.options:
            parts.append(f"tmpfs-size={m.options['size']}")
        if "mode" in m.options:
            parts.append(f"tmpfs-mode={m.options['mode']}")
    return ",".join(parts)


def _entrypoint(entrypoint: list[str] | str | None) -> list[str]:
    if entrypoint is None:
        return []
    if entrypoint == "" or entrypoint == [""]:
        return ["--entrypoint", ""]
    words = [entrypoint] if isinstance(entrypoint, str) else entrypoint
    if len(words) != 1:
        # The CLI's --entrypoint is one word; anything more would change the observation.
        raise Unsupported(f"the docker CLI cannot set a {len(words)}-word entrypoint {words!r}")
    return ["--entrypoint", words[0]]


def _healthcheck(health: dict[str, object] | None) -> list[str]:
    if health is None:
        return []
    test = health.get("test")
    if isinstance(test, list):
        if test and test[0] == "NONE":
            return ["--no-healthcheck"]
        if len(test) != 2 or test[0] != "CMD-SHELL":
            raise Unsupported("the docker CLI's --health-cmd is always a shell command (CMD-SHELL)")
        test = test[1]
    argv = ["--health-cmd", str(test)]
    for key in ("interval", "timeout", "start_period"):
        if health.get(key) is not None:
            argv += [f"--health-{key.replace('_', '-')}", f"{float(health[key])}s"]  # type: ignore[arg-type]
    if health.get("retries") is not None:
        argv += ["--health-retries", str(health["retries"])]
    return argv


def _publish(ports: dict[str, int]) -> list[str]:
    argv: list[str] = []
    for port, host in ports.items():
        argv += ["-p", f"127.0.0.1:{host or ''}:{port}"]
    return argv


def create_argv(spec: ContainerSpec) -> list[str]:
    """`create ...` for `spec`; `--pull never` so a missing image can never reach a registry."""
    argv = ["create", "--pull", "never", "--name", spec.name]
    argv += [a for k, v in spec.labels.items() for a in ("--label", f"{k}={v}")]
    argv += _entrypoint(spec.entrypoint)
    argv += [a for k, v in spec.env.items() for a in ("-e", f"{k}={v}")]
    optional = {
        "--user": spec.user,
        "--workdir": spec.workdir,
        "--hostname": spec.hostname,
        "--network": spec.network,
        "--memory": spec.memory,
        "--cpus": None if spec.cpus is None else str(spec.cpus),
        "--pids-limit": None if spec.pids_limit is None else str(spec.pids_limit),
        "--pid": spec.pid_mode,
        "--ipc": spec.ipc_mode,
        "--stop-signal": spec.stop_signal,
        "--stop-timeout": None if spec.stop_timeout is None else str(spec.stop_timeout),
        "--restart": spec.restart,
    }
    argv += [a for k, v in optional.items() if v is not None for a in (k, v)]
    argv += [a for alias in spec.aliases for a in ("--network-alias", alias)]
    argv += [a for m in spec.mounts for a in ("--mount", _mount(m))]
    argv += _publish(spec.ports)
    argv += [a for cap in spec.cap_add for a in ("--cap-add", cap)]
    argv += [a for cap in spec.cap_drop for a in ("--cap-drop", cap)]
    argv += ["--read-only"] if spec.read_only else []
    argv += ["--rm"] if spec.auto_remove else []
    argv += _healthcheck(spec.healthcheck)
    return [*argv, spec.image, *(spec.command or [])]
