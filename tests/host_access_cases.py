"""Ways a scenario file tries to reach the host (issue 13's list and more), shared by
tests/unit/test_host_access.py and scripts/figures.py.

Each `Attempt` is a complete scenario (plus a compose file for compose cases), the
kind of host access it must be classified as, and `marker`: the text whose first
occurrence after `steps:` (or in the compose file) is where the error must point.
Generated option spellings (`spelled`) cover the CLI grammar: long/short, `=` or
separate values, short-flag clusters, `--mount` key case and CSV quoting.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

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
)

HEAD = """\
schema: 1
id: host.access
area: hostile
title: A scenario that reaches for the host
refs: [https://docs.docker.com/reference/]
"""
COMPOSE_FILE = "contexts/c.yaml"


@dataclass(frozen=True)
class Attempt:
    name: str
    kind: str
    steps: str  # the YAML under `steps:`
    marker: str
    compose: str | None = None
    extra: str = ""  # scenario-level YAML before `steps:`
    also: tuple[str, ...] = ()  # other kinds the same text is (all must be allowed)

    def text(self) -> str:
        return f"{HEAD}{self.extra}steps:\n{self.steps}"

    def write(self, directory: Path) -> Path:
        path = directory / f"{self.name.replace('/', '_')}.yaml"
        path.write_text(self.text(), encoding="utf-8")
        if self.compose is not None:
            (directory / "contexts").mkdir(exist_ok=True)
            (directory / COMPOSE_FILE).write_text(self.compose, encoding="utf-8")
        return path

    def expected_position(self, path: Path) -> tuple[str, int, int]:
        """file, line, column of the marker: in the compose file, in the scenario-level
        YAML, or after `steps:`."""
        if self.compose is not None:
            file, text, start = path.parent / COMPOSE_FILE, self.compose, 0
        else:
            file, text = path, self.text()
            start = len(HEAD) if self.marker in self.extra else text.index("steps:\n")
        offset = text.index(self.marker, start)
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return str(file.resolve() if self.compose is not None else file), line, column


def cli(name: str, kind: str, options: list[str], at: int = 0, image_ref: str = "") -> Attempt:
    """A `cli` step with `options` one per line; the error points at options[at]."""
    lines = "".join(f"        - {json.dumps(o)}\n" for o in options)
    image = f"image_ref: {json.dumps(image_ref)}" if image_ref else "image: base"
    marker = json.dumps(image_ref) if image_ref else json.dumps(options[at])
    body = f"  - cli:\n      name: c\n      {image}\n"
    if options:
        body += f"      options:\n{lines}"
    return Attempt(f"cli/{name}", kind, body, marker)


def run(name: str, kind: str, fields: str, marker: str, extra: str = "") -> Attempt:
    """A `run` step with extra fields (block YAML, indented 6)."""
    body = f'  - run:\n      name: a\n      image: base\n      command: ["true"]\n{fields}'
    return Attempt(f"run/{name}", kind, body, marker, extra=extra)


def scenario_level(name: str, kind: str, extra: str, marker: str) -> Attempt:
    body = '  - run: {name: a, image: base, command: ["true"]}\n'
    return Attempt(f"scenario/{name}", kind, body, marker, extra=extra)


def compose(
    name: str, kind: str, service: str, marker: str, top: str = "", also: tuple[str, ...] = ()
) -> Attempt:
    """A compose_up step whose file has one service with `service` (indented 4) added."""
    text = f'services:\n  s:\n    image: "{{{{ base }}}}"\n{service}{top}'
    body = f"  - compose_up: {{name: up, file: {COMPOSE_FILE}}}\n"
    return Attempt(f"compose/{name}", kind, body, marker, compose=text, also=also)


CLI_ATTEMPTS = [
    cli("pid-host", HOST_NAMESPACE, ["--pid=host"]),
    cli("pid-host-separate", HOST_NAMESPACE, ["--rm", "--pid", "host"], at=1),
    cli("ipc-host", HOST_NAMESPACE, ["--ipc", "host"]),
    cli("uts-host", HOST_NAMESPACE, ["--uts=host"]),
    cli("cgroupns-host", HOST_NAMESPACE, ["--cgroupns", "host"]),
    cli("userns-host", HOST_NAMESPACE, ["--userns", "host"]),
    cli("userns-ns-path", HOST_NAMESPACE, ["--userns=ns:/proc/1/ns/user"]),
    cli("network-container", HOST_NAMESPACE, ["--network", "container:other"]),
    cli("pid-container", HOST_NAMESPACE, ["--pid=container:other"]),
    cli("short-cluster-Pv", HOST_BIND, ["-Pv", "/:/host"]),
    cli("short-cluster-itv-glued", HOST_BIND, ["-itv/etc:/e"]),
    cli("short-equals", HOST_BIND, ["-v=/:/host"]),
    cli("long-equals", HOST_BIND, ["--volume=/:/host"]),
    cli("volume-options-ro-z", HOST_BIND, ["-v", "/:/host:ro,z"]),
    cli("volume-home", HOST_BIND, ["-v", "~/.ssh:/k"]),
    cli("volume-relative", HOST_BIND, ["--volume", "./x:/y"]),
    cli("volume-tmp-dotdot", HOST_BIND, ["-v", "{{ tmp }}/../..:/up"]),
    cli("volume-env-var", HOST_BIND, ["-v", "$HOME:/h"]),
    cli("overlay-upperdir", HOST_BIND, ["-v", "{{ tmp }}/x:/y:O,upperdir=/etc,workdir=/w"]),
    cli("mount-bind", HOST_BIND, ["--mount", "type=bind,src=/,dst=/h"]),
    cli("mount-upper-keys", HOST_BIND, ["--mount", "TYPE=BIND,SOURCE=/,TARGET=/h"]),
    cli("mount-quoted-csv", HOST_BIND, ["--mount", '"type=bind","source=/etc",target=/h']),
    cli("mount-mixed-case", HOST_BIND, ["--mount=Type=Bind,Src=/root,Dst=/h"]),
    cli(
        "mount-volume-opt-bind",
        HOST_BIND,
        [
            "--mount",
            "type=volume,dst=/x,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/",
        ],
    ),
    cli(
        "mount-volume-opt-nfs",
        HOST_BIND,
        ["--mount", "dst=/x,volume-opt=type=nfs,volume-opt=device=:/"],
    ),
    cli("mount-glob", HOST_BIND, ["--mount", "type=glob,src=/etc/*,dst=/x"]),
    cli("mount-volume-driver", HOST_BIND, ["--mount", "dst=/x,volume-driver=sshfs"]),
    cli("device", DEVICE, ["--device", "/dev/sda"]),
    cli("device-equals", DEVICE, ["--device=/dev/mem:/dev/mem:rwm"]),
    cli("device-cgroup-rule", DEVICE, ["--device-cgroup-rule", "c 1:* rwm"]),
    cli("gpus", DEVICE, ["--gpus", "all"]),
    cli("seccomp-unconfined", SECURITY_OPT, ["--security-opt", "seccomp=unconfined"]),
    cli("apparmor-unconfined", SECURITY_OPT, ["--security-opt=apparmor=unconfined"]),
    cli("label-disable", SECURITY_OPT, ["--security-opt", "label=disable"]),
    cli("systempaths", SECURITY_OPT, ["--security-opt", "systempaths=unconfined"]),
    cli("seccomp-profile-file", SECURITY_OPT, ["--security-opt", "seccomp=/etc/x.json"]),
    cli("runtime", SECURITY_OPT, ["--runtime", "unsafe"]),
    cli("oci-annotation", SECURITY_OPT, ["--annotation", "run.oci.keep_original_groups=1"]),
    cli("cap-add", CAPABILITY, ["--cap-add", "SYS_ADMIN"]),
    cli("cap-add-all", CAPABILITY, ["--cap-add=ALL"]),
    cli("cap-add-prefixed-lower", CAPABILITY, ["--cap-add", "cap_sys_ptrace"]),
    cli("cap-add-csv", CAPABILITY, ["--cap-add", "KILL,SYS_MODULE"]),
    cli("privileged", PRIVILEGED, ["--privileged"]),
    cli("privileged-true", PRIVILEGED, ["--privileged=true"]),
    cli("privileged-1", PRIVILEGED, ["--privileged=1"]),
    cli("volumes-from", HOST_BIND, ["--volumes-from", "someone-else"]),
    cli("cidfile", HOST_BIND, ["--cidfile", "/etc/cron.d/x"]),
    cli("env-file", HOST_BIND, ["--env-file", "/etc/shadow"]),
    cli("env-file-equals", HOST_BIND, ["--env-file=/root/.env"]),
    cli("pidfile", HOST_BIND, ["--pidfile", "/etc/x"]),
    cli("conmon-pidfile", HOST_BIND, ["--conmon-pidfile", "/etc/x"]),
    cli("authfile", HOST_BIND, ["--authfile", "/root/.docker/config.json"]),
    cli("init-path", HOST_BIND, ["--init-path", "/bin/sh"]),
    cli("use-api-socket", HOST_BIND, ["--use-api-socket"]),
    cli("rootfs", HOST_BIND, ["--rootfs"]),
    cli("log-path", HOST_BIND, ["--log-opt", "path=/etc/cron.d/x"]),
    cli("volume-driver", HOST_BIND, ["--volume-driver", "sshfs"]),
    cli("env-passthrough", HOST_ENV, ["-e", "HOME"]),
    cli("env-passthrough-long", HOST_ENV, ["--env=CI_TOKEN"]),
    cli("env-passthrough-glued", HOST_ENV, ["-eCI_TOKEN"]),
    cli("env-wildcard", HOST_ENV, ["--env", "AWS*"]),
    cli("env-host", HOST_ENV, ["--env-host"]),
    cli("secret", HOST_ENV, ["--secret", "theirs"]),
    cli("hostuser", HOST_ENV, ["--hostuser", "root"]),
    cli("preserve-fds", HOST_ENV, ["--preserve-fds", "3"]),
    cli("cgroup-parent", HOST_NAMESPACE, ["--cgroup-parent", "/system.slice"]),
    cli("pod", HOST_NAMESPACE, ["--pod", "theirs"]),
    cli("harness-label", FORBIDDEN, ["--label", "io.harness.run=mine"]),
    cli("harness-label-short", FORBIDDEN, ["-l", "io.harness.scenario"]),
    cli("harness-label-case", FORBIDDEN, ["--label=IO.Harness.engine=x"]),
    cli("harness-annotation", FORBIDDEN, ["--annotation", "io.harness.run=x"]),
    cli("label-file", FORBIDDEN, ["--label-file", "{{ tmp }}/labels"]),
    cli("pull-always", FORBIDDEN, ["--pull", "always"]),
    cli("pull-missing", FORBIDDEN, ["--pull=missing"]),
    cli("name", FORBIDDEN, ["--name", "victim"]),
    cli("rmi", FORBIDDEN, ["--rmi"]),
    cli("unknown-long", FORBIDDEN, ["--no-such-flag"]),
    cli("unknown-short", FORBIDDEN, ["-Z"]),
    cli("positional", FORBIDDEN, ["other-image"]),
    cli("double-dash", FORBIDDEN, ["--", "other-image"]),
    cli("unlabelled-named-volume", FORBIDDEN, ["-v", "named:/data"]),
    cli("unlabelled-mount-volume", FORBIDDEN, ["--mount", "type=volume,src=named,dst=/d"]),
    cli("mount-image", FORBIDDEN, ["--mount", "type=image,src=remote/img,dst=/i"]),
    cli("log-driver-remote", FORBIDDEN, ["--log-driver", "syslog"]),
    cli("log-address", FORBIDDEN, ["--log-opt", "syslog-address=tcp://10.0.0.1:514"]),
    cli("image-ref-option", FORBIDDEN, [], image_ref="--privileged"),
    cli("image-ref-short", FORBIDDEN, [], image_ref="-v/:/h"),
]

RUN_ATTEMPTS = [
    run("pid-host", HOST_NAMESPACE, "      pid_mode: host\n", "host"),
    run("ipc-host", HOST_NAMESPACE, "      ipc_mode: host\n", "host"),
    run("pid-container", HOST_NAMESPACE, '      pid_mode: "container:x"\n', '"container:x"'),
    run("network-container", HOST_NAMESPACE, '      network: "container:x"\n', '"container:x"'),
    run("privileged", PRIVILEGED, "      privileged: true\n", "true\n"),
    run("cap-add", CAPABILITY, "      cap_add: [SYS_ADMIN]\n", "SYS_ADMIN"),
    run("cap-add-all", CAPABILITY, "      cap_add: [all]\n", "all"),
    run(
        "bind-root",
        HOST_BIND,
        "      mounts: [{type: bind, source: /, target: /h}]\n",
        "/, target",
    ),
    run(
        "bind-up",
        HOST_BIND,
        "      mounts: [{type: bind, source: ../../.., target: /h}]\n",
        "../../..",
    ),
    run(
        "volume-options-bind",
        HOST_BIND,
        "      mounts: [{type: volume, target: /h, options: {type: none, o: bind, device: /}}]\n",
        "{type: none",
    ),
    run("harness-label", FORBIDDEN, "      labels: {io.harness.run: mine}\n", "mine"),
    Attempt(
        "run/image-ref-option",
        FORBIDDEN,
        '  - run:\n      name: a\n      image_ref: "-v/:/h"\n',
        '"-v/:/h"',
    ),
]

SCENARIO_ATTEMPTS = [
    scenario_level(
        "volume-bind-options",
        HOST_BIND,
        "volumes:\n  v:\n    options: {type: none, o: bind, device: /etc}\n",
        "{type: none",
    ),
    scenario_level(
        "volume-nfs",
        HOST_BIND,
        'volumes:\n  v:\n    options: {type: nfs, o: "addr=10.0.0.1", device: ":/x"}\n',
        "{type: nfs",
    ),
    scenario_level(
        "volume-harness-label",
        FORBIDDEN,
        "volumes:\n  v:\n    labels: {io.harness.run: mine}\n",
        "mine",
    ),
    scenario_level(
        "image-harness-label",
        FORBIDDEN,
        "images:\n  i:\n    containerfile: 'FROM {{ base }}'\n    labels: {io.harness.run: mine}\n",
        "mine",
    ),
]

COMPOSE_ATTEMPTS = [
    compose("privileged", PRIVILEGED, "    privileged: true\n", "true"),
    compose("privileged-yes", PRIVILEGED, "    privileged: yes\n", "yes"),
    compose("pid", HOST_NAMESPACE, "    pid: host\n", "host"),
    compose("ipc", HOST_NAMESPACE, "    ipc: host\n", "host"),
    compose("userns", HOST_NAMESPACE, "    userns_mode: host\n", "host"),
    compose("cgroup", HOST_NAMESPACE, "    cgroup: host\n", "host"),
    compose("network-container", HOST_NAMESPACE, '    network_mode: "container:x"\n', '"container'),
    compose("devices", DEVICE, "    devices: [/dev/sda]\n", "[/dev/sda]"),
    compose("cap-add", CAPABILITY, "    cap_add: [SYS_ADMIN]\n", "SYS_ADMIN"),
    compose("security-opt", SECURITY_OPT, "    security_opt: [seccomp:unconfined]\n", "seccomp"),
    compose("bind-short", HOST_BIND, '    volumes: ["/:/host"]\n', '"/:/host"'),
    compose(
        "bind-long",
        HOST_BIND,
        "    volumes: [{type: bind, source: /etc, target: /e}]\n",
        "/etc,",
    ),
    compose(
        "bind-env-var", HOST_BIND, '    volumes: ["${HOME}:/h"]\n', '"${HOME}', also=(HOST_ENV,)
    ),
    compose(
        "driver-opt-bind",
        HOST_BIND,
        "    volumes: [v:/v]\n",
        "{type: none",
        top="volumes:\n  v:\n    driver_opts: {type: none, o: bind, device: /}\n",
    ),
    compose(
        "external-volume",
        HOST_BIND,
        "    volumes: [v:/v]\n",
        "external: true",
        top="volumes:\n  v:\n    external: true\n",
    ),
    compose(
        "named-volume",
        HOST_BIND,
        "    volumes: [v:/v]\n",
        "name: precious",
        top="volumes:\n  v:\n    name: precious\n",
    ),
    compose(
        "file-secret",
        HOST_BIND,
        "    secrets: [s]\n",
        "/etc/shadow",
        top="secrets:\n  s:\n    file: /etc/shadow\n",
    ),
    compose(
        "env-secret",
        HOST_ENV,
        "    secrets: [s]\n",
        "environment: CI_TOKEN",
        top="secrets:\n  s:\n    environment: CI_TOKEN\n",
    ),
    compose("env-file", HOST_BIND, "    env_file: /etc/environment\n", "/etc/environment"),
    compose("env-file-up", HOST_BIND, "    env_file: [../../../etc/x]\n", "../../../etc/x"),
    compose("environment-passthrough", HOST_ENV, "    environment: [CI_TOKEN]\n", "CI_TOKEN"),
    compose("environment-null", HOST_ENV, "    environment: {CI_TOKEN: null}\n", "null"),
    compose("interpolation", HOST_ENV, '    command: ["echo", "$CI_TOKEN"]\n', '"$CI_TOKEN"'),
    compose("harness-label", FORBIDDEN, "    labels: {io.harness.run: mine}\n", "mine"),
    compose("harness-label-list", FORBIDDEN, '    labels: ["io.harness.run=x"]\n', '"io.harness'),
    compose("volumes-from", HOST_BIND, "    volumes_from: [other]\n", "[other]"),
    compose("unknown-key", FORBIDDEN, "    no_such_key: 1\n", "image"),
    compose("extends-file", FORBIDDEN, "    extends: {file: /etc/x.yaml, service: s}\n", "{file"),
    compose("pull-always", FORBIDDEN, "    pull_policy: always\n", "always"),
    compose(
        "macvlan",
        HOST_NAMESPACE,
        "    networks: [n]\n",
        "driver: macvlan",
        top="networks:\n  n:\n    driver: macvlan\n",
    ),
    compose("runtime", SECURITY_OPT, "    runtime: unsafe\n", "unsafe"),
    compose(
        "duplicate-key",
        FORBIDDEN,
        "    privileged: false\n    privileged: true\n",
        "privileged: true",
    ),
]

FLAGGED_ATTEMPTS = [
    cli("net-host", HOST_NETWORK, ["--net", "host"]),
    run("network-host", HOST_NETWORK, "      network: host\n", "host"),
    compose("network-host", HOST_NETWORK, "    network_mode: host\n", "host"),
]

ATTEMPTS = [*CLI_ATTEMPTS, *RUN_ATTEMPTS, *SCENARIO_ATTEMPTS, *COMPOSE_ATTEMPTS]

# Options that reach the host, with the kind each is: (long, short, value).
SPELLABLE: list[tuple[str, str | None, str, str]] = [
    ("volume", "v", "/:/host", HOST_BIND),
    ("volume", "v", "/etc:/e:ro,z", HOST_BIND),
    ("env", "e", "CI_TOKEN", HOST_ENV),
    ("pid", None, "host", HOST_NAMESPACE),
    ("ipc", None, "host", HOST_NAMESPACE),
    ("userns", None, "host", HOST_NAMESPACE),
    ("uts", None, "host", HOST_NAMESPACE),
    ("cgroupns", None, "host", HOST_NAMESPACE),
    ("device", None, "/dev/sda", DEVICE),
    ("cap-add", None, "SYS_ADMIN", CAPABILITY),
    ("security-opt", None, "seccomp=unconfined", SECURITY_OPT),
    ("volumes-from", None, "other", HOST_BIND),
    ("cidfile", None, "/tmp/x", HOST_BIND),
    ("env-file", None, "/etc/shadow", HOST_BIND),
    ("label", "l", "io.harness.run=x", FORBIDDEN),
    ("mount", None, "type=bind,source=/,target=/h", HOST_BIND),
]
NEUTRAL_BOOLS = ["i", "t", "d", "P", "q"]
NEUTRAL_OPTIONS = [["--rm"], ["-m", "64m"], ["--read-only"], ["-w", "/"], ["--init"]]


def _mount_variant(rng: random.Random) -> str:
    """A bind of / in --mount spelled in random key case, order and CSV quoting."""
    fields = [
        (rng.choice(["type", "TYPE", "Type"]), rng.choice(["bind", "BIND", "Bind"])),
        (rng.choice(["source", "src", "SOURCE", "Src"]), rng.choice(["/", "/etc", "/root"])),
        (rng.choice(["target", "dst", "destination"]), "/h"),
    ]
    rng.shuffle(fields)
    items = [f"{k}={v}" for k, v in fields]
    return ",".join(f'"{i}"' if rng.random() < 0.4 else i for i in items)


def spelled(seed: int) -> tuple[list[str], int, str]:
    """A random `cli` options list holding one host-touching option: (options, index of
    the offending argument, expected kind)."""
    rng = random.Random(seed)
    long, short, value, kind = rng.choice(SPELLABLE)
    if long == "mount":
        value = _mount_variant(rng)
    forms = [[f"--{long}={value}"], [f"--{long}", value]]
    if short:
        cluster = "".join(rng.sample(NEUTRAL_BOOLS, rng.randint(0, 3)))
        forms += [
            [f"-{cluster}{short}", value],
            [f"-{cluster}{short}{value}"],
            [f"-{short}={value}"],
        ]
    before = [o for _ in range(rng.randint(0, 2)) for o in rng.choice(NEUTRAL_OPTIONS)]
    after = [o for _ in range(rng.randint(0, 2)) for o in rng.choice(NEUTRAL_OPTIONS)]
    return [*before, *rng.choice(forms), *after], len(before), kind


def generated(count: int, start: int = 0) -> list[Attempt]:
    out = []
    for seed in range(start, start + count):
        options, at, kind = spelled(seed)
        out.append(cli(f"generated-{seed}", kind, options, at=at))
    return out
