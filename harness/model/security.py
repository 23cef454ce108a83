"""What a scenario may do to the host: refused by default, allowed only on request.

A scenario file is code from someone else's pull request. Whatever reaches an
engine (run specs, `cli` options read with the CLIs' own grammar, scenario
volumes and images, compose files under contexts/) is classified by
`harness.model.host_access` into kinds (`harness.model.access`). Each kind is a
load-time error at file:line:col unless its flag is given, and flagged on the
scenario in every report when it is:

    --allow-host-binds       host paths in any mount form, volume driver options,
                             --volumes-from, host files the CLI reads or writes,
                             external/named compose volumes, files outside the dir
    --allow-privileged       privileged containers
    --allow-host-namespaces  the host's (or another container's) pid/ipc/uts/user/
                             cgroup namespace, pods, cgroup parents, foreign networks
    --allow-devices          host devices, device cgroup rules, GPUs
    --allow-capabilities     capabilities beyond the engine's default set
    --allow-security-opts    security options (seccomp, AppArmor, SELinux labels),
                             runtimes, runtime annotations
    --allow-host-env         the harness's own environment, users, secrets or
                             descriptors passed in (`-e NAME`, compose `${VAR}`)

Host networking is always allowed and flagged. `forbidden` (the harness's own
`io.harness.*` labels, unknown options, pulls, option-like image references) has
no flag. Each step spec says how it reaches the host (`StepSpec.host_access`);
scenario-level volumes and images are classified here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from harness.model import host_access as access
from harness.model.access import (
    ALWAYS_ALLOWED,
    CAPABILITY,
    DEVICE,
    FLAGS,
    FORBIDDEN,
    HOST_BIND,
    HOST_ENV,
    HOST_NAMESPACE,
    HOST_NETWORK,
    PRIVILEGED,
    SECURITY_OPT,
    Concern,
    Where,
    inside,
)
from harness.model.scenario import Scenario

__all__ = [
    "CAPABILITY",
    "DEVICE",
    "FLAGS",
    "FORBIDDEN",
    "HELP",
    "HOST_BIND",
    "HOST_ENV",
    "HOST_NAMESPACE",
    "HOST_NETWORK",
    "PRIVILEGED",
    "SECURITY_OPT",
    "Concern",
    "Policy",
    "concerns",
    "inside",
    "refusal",
]


# One line of help per flag, for the `harness` command and the pytest plugin.
HELP: dict[str, str] = {
    "--allow-host-binds": "allow host paths in mounts and volume options, --volumes-from, "
    "host files read or written by the CLI (flagged in every report)",
    "--allow-privileged": "allow privileged containers (flagged)",
    "--allow-host-namespaces": "allow the host's or another container's pid/ipc/uts/user/"
    "cgroup namespaces, pods and cgroup parents (flagged)",
    "--allow-devices": "allow host devices, device cgroup rules and GPUs (flagged)",
    "--allow-capabilities": "allow capabilities beyond the engine's default set (flagged)",
    "--allow-security-opts": "allow security options, runtimes and runtime annotations (flagged)",
    "--allow-host-env": "allow the harness's own environment, users, secrets or file "
    "descriptors into containers, e.g. `-e NAME` (flagged)",
}


@dataclass(frozen=True)
class Policy:
    """What the user allowed on the command line (one field per `--allow-*` flag)."""

    allow_host_binds: bool = False
    allow_privileged: bool = False
    allow_host_namespaces: bool = False
    allow_devices: bool = False
    allow_capabilities: bool = False
    allow_security_opts: bool = False
    allow_host_env: bool = False

    def allows(self, kind: str) -> bool:
        if kind in ALWAYS_ALLOWED:
            return True
        flag = FLAGS.get(kind)
        return flag is not None and bool(getattr(self, field_of(flag)))

    @classmethod
    def from_flags(cls, given: dict[str, bool]) -> Policy:
        """From a mapping of field names (`allow_devices`) to booleans; others ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in given.items() if k in names})

    @classmethod
    def everything(cls) -> Policy:
        return cls(**{f.name: True for f in fields(cls)})


def field_of(flag: str) -> str:
    """The Policy field (and argparse/pytest dest) of an `--allow-*` flag."""
    return flag.removeprefix("--").replace("-", "_")


def refusal(concern: Concern) -> str:
    flag = FLAGS.get(concern.kind)
    if flag is None:
        return f"{concern.detail} is refused (no flag allows it)"
    return f"{concern.detail} is refused; pass {flag} to allow it"


def concerns(scenario: Scenario, base: Path) -> list[Concern]:
    """Every host-reaching request in a scenario, allowed or not, at its place in the file."""
    out = _scenario_level(scenario)
    for i, step in enumerate(scenario.steps):
        where: Where = ("steps", i, step.kind)
        for concern in step.spec.host_access(base):
            out.append(Concern((*where, *concern.where), concern.kind, concern.detail, concern.at))
    return out


def _scenario_level(scenario: Scenario) -> list[Concern]:
    """Scenario volumes (driver options, labels) and images (labels)."""
    out: list[Concern] = []
    for name, volume in scenario.volumes.items():
        what = f"volume {name!r}"
        for kind, detail in access.volume_options(volume.options, what):
            out.append(Concern(("volumes", name, "options"), kind, detail))
        for key in volume.labels:
            for kind, detail in access.labels([key], what):
                out.append(Concern(("volumes", name, "labels", key), kind, detail))
    for name, image in scenario.images.items():
        for key in image.labels:
            for kind, detail in access.labels([key], f"image {name!r}"):
                out.append(Concern(("images", name, "labels", key), kind, detail))
    return out
