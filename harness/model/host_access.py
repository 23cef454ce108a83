"""What an option, a mount or a volume option would grant on the host.

Every source of engine options funnels through here: `cli` argv (parsed with the
CLIs' grammar, `cli_grammar`), run-spec fields, scenario volumes, image labels and
compose files (`compose_access`). A finding is `(kind, detail)`, kinds from
`harness.model.access`; the security policy then refuses or flags it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from harness.model.access import (
    CAPABILITY,
    DEVICE,
    FORBIDDEN,
    HOST_BIND,
    HOST_ENV,
    HOST_NAMESPACE,
    HOST_NETWORK,
    PRIVILEGED,
    SECURITY_OPT,
    harness_label,
    in_tmp,
)
from harness.model.cli_grammar import CSV_LISTS, Parsed, csv_fields, image_index, parse, truthy

Finding = tuple[str, str]

# Docker's default capability set (moby oci/caps/defaults.go); Podman's is a subset.
DEFAULT_CAPS = frozenset(
    {
        *("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD"),
        *("NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"),
    }
)
VOLUME_PLACEHOLDER = re.compile(r"^\{\{ ?volumes\.[a-z0-9][a-z0-9_-]* ?\}\}$")
IMAGE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}$")
_LOCAL_LOG_DRIVERS = frozenset(
    {"json-file", "k8s-file", "journald", "local", "none", "passthrough"}
)
_SAFE_SECURITY_OPTS = re.compile(r"^no-new-privileges([:=]true)?$|^no-new-privileges[:=]false$")


def namespace(option: str, value: str) -> Finding | None:
    """`--pid/--ipc/--uts/--userns/--cgroupns/--network` modes that join another namespace."""
    mode = value.strip().lower()
    if option in ("network", "net", "network_mode"):
        if mode == "host":
            return HOST_NETWORK, "host networking"
        if "allow_host_loopback=true" in mode or mode.startswith("pasta"):
            return HOST_NETWORK, f"network {value!r} reaches the host's loopback"
    elif mode == "host":
        return HOST_NAMESPACE, f"the host's {option} namespace"
    if mode.startswith(("container:", "ns:", "ns=")):
        return HOST_NAMESPACE, f"{option} namespace {value!r} (not the container's own)"
    return None


def capabilities(values: Iterable[str]) -> list[Finding]:
    """Capabilities added beyond the engine's default set (ALL among them)."""
    out = []
    for raw in values:
        cap = raw.strip().upper().removeprefix("CAP_")
        if cap and cap not in DEFAULT_CAPS:
            out.append((CAPABILITY, f"capability {raw.strip()} beyond the default set"))
    return out


def labels(items: Mapping[str, str] | Iterable[str], what: str) -> list[Finding]:
    """Any attempt to set the harness's own labels (no flag allows it)."""
    keys = list(items) if isinstance(items, Mapping) else [str(i).split("=")[0] for i in items]
    return [
        (FORBIDDEN, f"{what} sets the harness's own label {k!r}; io.harness.* is reserved")
        for k in keys
        if harness_label(k)
    ]


def volume_options(options: Mapping[str, str], what: str) -> list[Finding]:
    """Driver options of a volume: only a plain tmpfs is the scenario's own; anything
    else (`type=none,o=bind,device=/…`, a block device, NFS) mounts host things."""
    if not options:
        return []
    opts = {k.strip().lower(): str(v) for k, v in options.items()}
    o_parts = {p.strip().lower().split("=")[0] for p in opts.get("o", "").split(",")}
    plain_tmpfs = (
        set(opts) <= {"type", "device", "o", "size"}
        and opts.get("type", "").strip().lower() == "tmpfs"
        and opts.get("device", "tmpfs").strip().lower() == "tmpfs"
        and not o_parts & {"bind", "rbind", "addr"}
    )
    if plain_tmpfs:
        return []
    shown = ",".join(f"{k}={v}" for k, v in options.items())
    return [(HOST_BIND, f"{what} has driver options {shown!r} that mount host paths or devices")]


def image_ref(ref: str) -> list[Finding]:
    """An image reference that could be read as an option or is not a reference at all."""
    if IMAGE_REF.match(ref) and ".." not in ref and "//" not in ref:
        return []
    return [(FORBIDDEN, f"image reference {ref!r} is not a plain image reference")]


def host_path(path: str, what: str) -> list[Finding]:
    """A host file or directory the CLI reads or writes: fine only under `{{ tmp }}`."""
    return [] if in_tmp(path) else [(HOST_BIND, f"{what} on host path {path!r}")]


def volume_arg(value: str) -> list[Finding]:
    """`-v SRC:DST[:OPTS]` / `-v DST`: a host path, a scenario volume, or anonymous."""
    if ":" not in value:
        return []  # `-v /data`: an anonymous volume, created and labelled with the container
    source, _, rest = value.partition(":")
    # Podman's overlay options name host directories: `:O,upperdir=/…,workdir=/…`.
    out = [
        finding
        for item in rest.partition(":")[2].split(",")
        if item.partition("=")[0].strip().lower() in ("upperdir", "workdir")
        for finding in host_path(item.partition("=")[2], "overlay directory")
    ]
    if source.startswith(("/", ".", "~", "$")) or "{{ tmp" in source or "{{tmp" in source:
        return out + host_path(source, "bind mount")
    if VOLUME_PLACEHOLDER.match(source):
        return out
    unlabelled = (
        f"volume {source!r} is not a scenario volume: a -v volume gets no harness "
        "labels, so name one of the scenario's with {{ volumes.NAME }}"
    )
    return [*out, (FORBIDDEN, unlabelled)]


def mount_arg(value: str) -> list[Finding]:
    """`--mount` as the CLIs read it: CSV fields, keys and type in any case."""
    fields: list[tuple[str, str]] = []
    for item in csv_fields(value):
        key, _, val = item.partition("=")
        fields.append((key.strip().lower(), val))
    types = [v.strip().lower() for k, v in fields if k == "type"] or ["volume"]
    sources = [v for k, v in fields if k in ("source", "src")]
    out = labels([v.split("=")[0] for k, v in fields if k == "volume-label"], "--mount")
    opts = dict(v.partition("=")[::2] for k, v in fields if k == "volume-opt")
    out += volume_options(opts, "--mount volume")
    for driver in (v for k, v in fields if k == "volume-driver"):
        if driver.strip().lower() != "local":
            out.append((HOST_BIND, f"--mount volume driver {driver!r}"))
    for kind in types:
        out += _mount_type(kind, sources)
    return out


def _mount_type(kind: str, sources: list[str]) -> list[Finding]:
    if kind in ("bind", "glob"):
        if not sources:
            return [(HOST_BIND, "bind mount without a source")]
        return [f for s in sources for f in host_path(s, "bind mount")]
    if kind == "volume":
        return [f for s in sources if s for f in volume_arg(f"{s}:/x")]
    if kind in ("tmpfs", "ramfs"):
        return []
    return [(FORBIDDEN, f"mount type {kind!r} is not one the harness passes")]


def security_opt(value: str) -> list[Finding]:
    if _SAFE_SECURITY_OPTS.match(value.strip().lower()):
        return []
    return [(SECURITY_OPT, f"security option {value!r}")]


def env_arg(value: str) -> list[Finding]:
    """`-e NAME` (no value) copies the harness's own variable; podman's `-e 'NAME*'` many."""
    if "=" in value:
        return []
    return [(HOST_ENV, f"-e {value!r} passes the harness's own environment into the container")]


def log_driver(value: str) -> list[Finding]:
    if value.strip().lower() in _LOCAL_LOG_DRIVERS:
        return []
    return [(FORBIDDEN, f"log driver {value!r} sends logs off the host")]


def log_opt(value: str) -> list[Finding]:
    key, _, val = value.partition("=")
    key = key.strip().lower()
    if key == "path":
        return host_path(val, "log file")
    if any(word in key for word in ("address", "url", "host", "endpoint")):
        return [(FORBIDDEN, f"log option {value!r} sends logs off the host")]
    return []


def _annotation(value: str) -> list[Finding]:
    key = value.split("=")[0].strip().lower()
    if harness_label(key):
        return labels([key], "--annotation")
    if key.startswith(("run.oci.", "io.podman.annotations.", "io.kubernetes.cri-o.")):
        return [(SECURITY_OPT, f"runtime annotation {value!r}")]
    return []


_ROLES: dict[str, Callable[[str], list[Finding]]] = {
    "neutral": lambda v: [],
    "volume": volume_arg,
    "mount": mount_arg,
    "host-file": lambda v: host_path(v, "a file the CLI reads or writes"),
    "label": lambda v: labels([v], "--label"),
    "label-file": lambda v: [(FORBIDDEN, f"--label-file {v!r}: labels from a file go unchecked")],
    "env": env_arg,
    "env-host": lambda v: [(HOST_ENV, "--env-host")] if truthy(v) else [],
    "host-env": lambda v: [(HOST_ENV, f"{v!r} reads the host's users, secrets or descriptors")],
    "namespace": lambda v: [],  # needs the option's name: see classify_parsed
    "network": lambda v: [],
    "device": lambda v: [(DEVICE, f"host device {v!r}")],
    "cap-add": lambda v: capabilities([v]),
    "privileged": lambda v: [(PRIVILEGED, "--privileged")] if truthy(v) else [],
    "security-opt": security_opt,
    "security": lambda v: [(SECURITY_OPT, f"runtime setting {v!r}")],
    "host-cgroup": lambda v: [(HOST_NAMESPACE, f"cgroup parent {v!r} on the host")],
    "pod": lambda v: [(HOST_NAMESPACE, f"pod {v!r} (its namespaces are not the scenario's)")],
    "host-bind-flag": lambda v: (
        [(HOST_BIND, "an option that mounts host paths")] if truthy(v) else []
    ),
    "pull": lambda v: [] if v == "never" else [(FORBIDDEN, f"--pull {v!r}: nothing is pulled")],
    "name": lambda v: [(FORBIDDEN, "--name: the harness names the container (per run)")],
    "rmi": lambda v: (
        [(FORBIDDEN, "--rmi removes an image that may not be the scenario's")] if truthy(v) else []
    ),
    "log-driver": log_driver,
    "log-opt": log_opt,
    "annotation": _annotation,
    "volume-driver": lambda v: (
        [] if v.strip().lower() == "local" else [(HOST_BIND, f"volume driver {v!r}")]
    ),
    "volumes-from": lambda v: [(HOST_BIND, f"--volumes-from {v!r} (another container's mounts)")],
}


def classify_parsed(item: Parsed) -> list[Finding]:
    """What one parsed option would grant (its value split as the CLIs split it)."""
    role, name = item.option.role, item.option.long
    values = csv_fields(item.value) if name in CSV_LISTS else [item.value]
    out: list[Finding] = []
    for value in values:
        if role in ("namespace", "network"):
            found = namespace(name, value)
            out += [found] if found else []
        else:
            out += _ROLES[role](value)
    return [(kind, f"{detail} ({item.spelled})") for kind, detail in out]


def classify_argv(argv: list[str]) -> list[tuple[int, str, str]]:
    """(argument index, kind, detail) of everything in a `run` argv's options that
    reaches the host or cannot be read; an empty list means nothing does."""
    parsed, bad = parse(argv)
    out = [(b.index, FORBIDDEN, b.problem) for b in bad]
    for item in parsed:
        out += [(item.index, kind, detail) for kind, detail in classify_parsed(item)]
    return sorted(out, key=lambda f: f[0])


def docker_run_argv(argv: list[str]) -> list[tuple[int, str, str]]:
    """For `harness check`: classify a whole `docker|podman [container] run|create
    [OPTIONS] IMAGE [COMMAND]` line: its options and its image reference."""
    start = 0
    while start < len(argv) and argv[start] in ("docker", "podman", "container", "run", "create"):
        start += 1
    opts = argv[start:]
    end, image = image_index(opts)
    found = [(start + i, kind, detail) for i, kind, detail in classify_argv(opts[:end])]
    if image < len(opts):
        found += [(start + image, kind, detail) for kind, detail in image_ref(opts[image])]
    else:
        found.append((len(argv), FORBIDDEN, "no image"))
    return found
