"""The flag grammar of `docker run`/`create` and `podman run`/`create`, as a table,
and a parser with the CLIs' own rules (Go's pflag), so that what the harness
classifies is what the engine CLI will read.

The table was taken from `docker run --help` (Docker CLI on this host) and
`podman run --help` (Podman 4.3), plus the hidden aliases both keep (`--net`,
`--net-alias`), and the options Debian 13's CLIs added (Podman 5.4, Docker 26.1).
pflag rules: `--name=value` or `--name value` (the next argument is taken even when it
starts with `-`); booleans take a value only after `=`;
short flags cluster (`-itv /a:/b`, `-Pv/a:/b`, `-v=/a:/b`), and a value-taking short
flag eats the rest of its cluster. The first argument that is not an option is the
image, so a positional or `--` inside a step's options would change which image
runs; the parser reports it. Each option has a `role`: what `host_access` checks
about it (`neutral` ones reach nothing outside the container).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

D, P, DP = frozenset({"docker"}), frozenset({"podman"}), frozenset({"docker", "podman"})
VALUE, BOOL = True, False


@dataclass(frozen=True)
class Option:
    """One flag of `run`/`create`: long name, one-letter alias, whether it takes a value,
    the CLIs that know it, and its role for the host-access classification."""

    long: str
    short: str | None
    takes_value: bool
    engines: frozenset[str]
    role: str


# (long, short, takes a value, CLIs, role). Roles are classified in host_access.
_ROWS: tuple[tuple[str, str | None, bool, frozenset[str], str], ...] = (
    ("add-host", None, VALUE, DP, "neutral"),
    ("annotation", None, VALUE, P, "annotation"),
    ("arch", None, VALUE, P, "neutral"),
    ("attach", "a", VALUE, DP, "neutral"),
    ("authfile", None, VALUE, P, "host-file"),
    ("blkio-weight", None, VALUE, DP, "neutral"),
    ("blkio-weight-device", None, VALUE, DP, "neutral"),
    ("cap-add", None, VALUE, DP, "cap-add"),
    ("cap-drop", None, VALUE, DP, "neutral"),
    ("cgroup-conf", None, VALUE, P, "neutral"),
    ("cgroup-parent", None, VALUE, DP, "host-cgroup"),
    ("cgroupns", None, VALUE, DP, "namespace"),
    ("cgroups", None, VALUE, P, "neutral"),
    ("chrootdirs", None, VALUE, P, "neutral"),
    ("cidfile", None, VALUE, DP, "host-file"),
    ("conmon-pidfile", None, VALUE, P, "host-file"),
    ("cpu-period", None, VALUE, DP, "neutral"),
    ("cpu-quota", None, VALUE, DP, "neutral"),
    ("cpu-rt-period", None, VALUE, DP, "neutral"),
    ("cpu-rt-runtime", None, VALUE, DP, "neutral"),
    ("cpu-shares", "c", VALUE, DP, "neutral"),
    ("cpus", None, VALUE, DP, "neutral"),
    ("cpuset-cpus", None, VALUE, DP, "neutral"),
    ("cpuset-mems", None, VALUE, DP, "neutral"),
    ("decryption-key", None, VALUE, P, "host-file"),
    ("detach", "d", BOOL, DP, "neutral"),
    ("detach-keys", None, VALUE, DP, "neutral"),
    ("device", None, VALUE, DP, "device"),
    ("device-cgroup-rule", None, VALUE, DP, "device"),
    ("device-read-bps", None, VALUE, DP, "neutral"),
    ("device-read-iops", None, VALUE, DP, "neutral"),
    ("device-write-bps", None, VALUE, DP, "neutral"),
    ("device-write-iops", None, VALUE, DP, "neutral"),
    ("disable-content-trust", None, BOOL, DP, "neutral"),
    ("dns", None, VALUE, DP, "neutral"),
    ("dns-option", None, VALUE, DP, "neutral"),
    ("dns-search", None, VALUE, DP, "neutral"),
    ("domainname", None, VALUE, D, "neutral"),
    ("entrypoint", None, VALUE, DP, "neutral"),
    ("env", "e", VALUE, DP, "env"),
    ("env-file", None, VALUE, DP, "host-file"),
    ("env-host", None, BOOL, P, "env-host"),
    ("env-merge", None, VALUE, P, "neutral"),
    ("expose", None, VALUE, DP, "neutral"),
    ("gidmap", None, VALUE, P, "neutral"),
    ("gpus", None, VALUE, DP, "device"),
    ("group-add", None, VALUE, DP, "neutral"),
    ("group-entry", None, VALUE, P, "neutral"),
    ("health-cmd", None, VALUE, DP, "neutral"),
    ("health-interval", None, VALUE, DP, "neutral"),
    ("health-log-destination", None, VALUE, P, "host-file"),
    ("health-max-log-count", None, VALUE, P, "neutral"),
    ("health-max-log-size", None, VALUE, P, "neutral"),
    ("health-on-failure", None, VALUE, P, "neutral"),
    ("health-retries", None, VALUE, DP, "neutral"),
    ("health-start-interval", None, VALUE, D, "neutral"),
    ("health-start-period", None, VALUE, DP, "neutral"),
    ("health-startup-cmd", None, VALUE, P, "neutral"),
    ("health-startup-interval", None, VALUE, P, "neutral"),
    ("health-startup-retries", None, VALUE, P, "neutral"),
    ("health-startup-success", None, VALUE, P, "neutral"),
    ("health-startup-timeout", None, VALUE, P, "neutral"),
    ("health-timeout", None, VALUE, DP, "neutral"),
    ("help", None, BOOL, DP, "neutral"),
    ("hostname", "h", VALUE, DP, "neutral"),
    ("hosts-file", None, VALUE, P, "host-file"),
    ("hostuser", None, VALUE, P, "host-env"),
    ("http-proxy", None, BOOL, P, "neutral"),
    ("image-volume", None, VALUE, P, "neutral"),
    ("init", None, BOOL, DP, "neutral"),
    ("init-ctr", None, VALUE, P, "neutral"),
    ("init-path", None, VALUE, P, "host-file"),
    ("interactive", "i", BOOL, DP, "neutral"),
    ("ip", None, VALUE, DP, "neutral"),
    ("ip6", None, VALUE, DP, "neutral"),
    ("ipc", None, VALUE, DP, "namespace"),
    ("isolation", None, VALUE, D, "neutral"),
    ("kernel-memory", None, VALUE, D, "neutral"),
    ("label", "l", VALUE, DP, "label"),
    ("label-file", None, VALUE, DP, "label-file"),
    ("link", None, VALUE, D, "neutral"),
    ("link-local-ip", None, VALUE, D, "neutral"),
    ("log-driver", None, VALUE, DP, "log-driver"),
    ("log-opt", None, VALUE, DP, "log-opt"),
    ("mac-address", None, VALUE, DP, "neutral"),
    ("memory", "m", VALUE, DP, "neutral"),
    ("memory-reservation", None, VALUE, DP, "neutral"),
    ("memory-swap", None, VALUE, DP, "neutral"),
    ("memory-swappiness", None, VALUE, DP, "neutral"),
    ("mount", None, VALUE, DP, "mount"),
    ("name", None, VALUE, DP, "name"),
    ("net", None, VALUE, DP, "network"),
    ("net-alias", None, VALUE, D, "neutral"),
    ("network", None, VALUE, DP, "network"),
    ("network-alias", None, VALUE, DP, "neutral"),
    ("no-healthcheck", None, BOOL, DP, "neutral"),
    ("no-hostname", None, BOOL, P, "neutral"),
    ("no-hosts", None, BOOL, P, "neutral"),
    ("oom-kill-disable", None, BOOL, DP, "neutral"),
    ("oom-score-adj", None, VALUE, DP, "neutral"),
    ("os", None, VALUE, P, "neutral"),
    ("passwd", None, BOOL, P, "neutral"),
    ("passwd-entry", None, VALUE, P, "neutral"),
    ("personality", None, VALUE, P, "neutral"),
    ("pid", None, VALUE, DP, "namespace"),
    ("pidfile", None, VALUE, P, "host-file"),
    ("pids-limit", None, VALUE, DP, "neutral"),
    ("platform", None, VALUE, DP, "neutral"),
    ("pod", None, VALUE, P, "pod"),
    ("pod-id-file", None, VALUE, P, "pod"),
    ("preserve-fd", None, VALUE, P, "host-env"),
    ("preserve-fds", None, VALUE, P, "host-env"),
    ("privileged", None, BOOL, DP, "privileged"),
    ("publish", "p", VALUE, DP, "neutral"),
    ("publish-all", "P", BOOL, DP, "neutral"),
    ("pull", None, VALUE, DP, "pull"),
    ("quiet", "q", BOOL, DP, "neutral"),
    ("rdt-class", None, VALUE, P, "neutral"),
    ("read-only", None, BOOL, DP, "neutral"),
    ("read-only-tmpfs", None, BOOL, P, "neutral"),
    ("replace", None, BOOL, P, "neutral"),
    ("requires", None, VALUE, P, "neutral"),
    ("restart", None, VALUE, DP, "neutral"),
    ("retry", None, VALUE, P, "neutral"),
    ("retry-delay", None, VALUE, P, "neutral"),
    ("rm", None, BOOL, DP, "neutral"),
    ("rmi", None, BOOL, P, "rmi"),
    ("rootfs", None, BOOL, P, "host-bind-flag"),
    ("runtime", None, VALUE, D, "security"),
    ("sdnotify", None, VALUE, P, "neutral"),
    ("seccomp-policy", None, VALUE, P, "security"),
    ("secret", None, VALUE, P, "host-env"),
    ("security-opt", None, VALUE, DP, "security-opt"),
    ("shm-size", None, VALUE, DP, "neutral"),
    ("shm-size-systemd", None, VALUE, P, "neutral"),
    ("sig-proxy", None, BOOL, DP, "neutral"),
    ("stop-signal", None, VALUE, DP, "neutral"),
    ("stop-timeout", None, VALUE, DP, "neutral"),
    ("storage-opt", None, VALUE, DP, "neutral"),
    ("subgidname", None, VALUE, P, "neutral"),
    ("subuidname", None, VALUE, P, "neutral"),
    ("sysctl", None, VALUE, DP, "neutral"),
    ("systemd", None, VALUE, P, "neutral"),
    ("timeout", None, VALUE, P, "neutral"),
    ("tls-verify", None, BOOL, P, "neutral"),
    ("tmpfs", None, VALUE, DP, "neutral"),
    ("tty", "t", BOOL, DP, "neutral"),
    ("tz", None, VALUE, P, "neutral"),
    ("uidmap", None, VALUE, P, "neutral"),
    ("ulimit", None, VALUE, DP, "neutral"),
    ("umask", None, VALUE, P, "neutral"),
    ("unsetenv", None, VALUE, P, "neutral"),
    ("unsetenv-all", None, BOOL, P, "neutral"),
    ("use-api-socket", None, BOOL, D, "host-bind-flag"),
    ("user", "u", VALUE, DP, "neutral"),
    ("userns", None, VALUE, DP, "namespace"),
    ("uts", None, VALUE, DP, "namespace"),
    ("variant", None, VALUE, P, "neutral"),
    ("volume", "v", VALUE, DP, "volume"),
    ("volume-driver", None, VALUE, D, "volume-driver"),
    ("volumes-from", None, VALUE, DP, "volumes-from"),
    ("workdir", "w", VALUE, DP, "neutral"),
)

LONG: dict[str, Option] = {row[0]: Option(*row) for row in _ROWS}
# Options no engine has, by construction: a scenario passes one to observe how the CLI
# refuses an unknown flag (exit 125 in both references). Every other unknown option is
# refused at load time, since it could be a real option this table lacks.
INVALID_PREFIX = "harness-invalid-"
INVALID = Option(INVALID_PREFIX, None, BOOL, frozenset(), "neutral")
SHORT: dict[str, Option] = {o.short: o for o in LONG.values() if o.short}
# Options whose value pflag splits as CSV in at least one CLI (podman's `strings`).
CSV_LISTS = frozenset({"cap-add", "device", "env-file", "label-file", "security-opt"})


@dataclass(frozen=True)
class Parsed:
    """One option as the CLI reads it: where it starts (argument index), its
    long name, its value ("true"/"false" for booleans) and how it was spelled."""

    index: int
    option: Option
    value: str
    spelled: str


@dataclass(frozen=True)
class Unparsable:
    """An argument the CLI would not read as an option of `run`/`create`."""

    index: int
    problem: str


def parse(
    argv: list[str], long: dict[str, Option] | None = None, short: dict[str, Option] | None = None
) -> tuple[list[Parsed], list[Unparsable]]:
    """Every option of `argv` (a step's options, all before the image), pflag-style;
    `long`/`short` give another subcommand's table (harness.model.cli_commands)."""
    parsed: list[Parsed] = []
    bad: list[Unparsable] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--" or not arg.startswith("-") or arg == "-":
            bad.append(
                Unparsable(i, f"{arg!r} is not an option (the CLI would take it as the image)")
            )
            i += 1
        elif arg.startswith("--"):
            i = _long(argv, i, parsed, bad, long)
        else:
            i = _short(argv, i, parsed, bad, short)
    return parsed, bad


def _long(
    argv: list[str],
    i: int,
    parsed: list[Parsed],
    bad: list[Unparsable],
    table: dict[str, Option] | None = None,
) -> int:
    name, eq, value = argv[i][2:].partition("=")
    option = (LONG if table is None else table).get(name) or (
        INVALID if name.startswith(INVALID_PREFIX) else None
    )
    if option is None:
        bad.append(Unparsable(i, f"unknown option --{name}"))
        return i + 1
    if not option.takes_value:
        parsed.append(Parsed(i, option, value if eq else "true", argv[i]))
        return i + 1
    if eq:
        parsed.append(Parsed(i, option, value, argv[i]))
        return i + 1
    if i + 1 >= len(argv):
        bad.append(Unparsable(i, f"--{name} needs a value"))
        return i + 1
    parsed.append(Parsed(i, option, argv[i + 1], f"{argv[i]} {argv[i + 1]}"))
    return i + 2


def _short(
    argv: list[str],
    i: int,
    parsed: list[Parsed],
    bad: list[Unparsable],
    table: dict[str, Option] | None = None,
) -> int:
    """A cluster such as `-itv /a:/b`, `-Pv/a:/b` or `-v=/a:/b` (pflag's shorthand rules)."""
    rest = argv[i][1:]
    while rest:
        option = (SHORT if table is None else table).get(rest[0])
        if option is None:
            bad.append(Unparsable(i, f"unknown option -{rest[0]} in {argv[i]!r}"))
            return i + 1
        if len(rest) > 2 and rest[1] == "=":
            parsed.append(Parsed(i, option, rest[2:], argv[i]))
            return i + 1
        if not option.takes_value:
            parsed.append(Parsed(i, option, "true", argv[i]))
            rest = rest[1:]
            continue
        if len(rest) > 1:
            parsed.append(Parsed(i, option, rest[1:], argv[i]))
            return i + 1
        if i + 1 >= len(argv):
            bad.append(Unparsable(i, f"-{rest[0]} needs a value"))
            return i + 1
        parsed.append(Parsed(i, option, argv[i + 1], f"{argv[i]} {argv[i + 1]}"))
        return i + 2
    return i + 1


def image_index(argv: list[str]) -> tuple[int, int]:
    """(end of the options, index of the image) in `[OPTIONS] [--] IMAGE ...`: the
    first argument that is not an option or an option's value, as pflag stops there
    (the image index is len(argv) when there is none)."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return i, i + 1
        if not arg.startswith("-") or arg == "-":
            return i, i
        parsed: list[Parsed] = []
        bad: list[Unparsable] = []
        i = _long(argv, i, parsed, bad) if arg.startswith("--") else _short(argv, i, parsed, bad)
    return i, i


def truthy(value: str) -> bool:
    """A boolean flag's value as Go's strconv.ParseBool reads it; anything else counts
    as true here (the CLI then refuses it, and refusing more is the safe side)."""
    return value not in ("0", "f", "F", "false", "FALSE", "False")


def csv_fields(value: str) -> list[str]:
    """A CSV value as Go's encoding/csv reads it (quotes, doubled quotes); `--mount`
    and podman's list flags are read this way."""
    try:
        rows = list(csv.reader([value], strict=True))
    except csv.Error:
        return [value]
    return rows[0] if rows else []
