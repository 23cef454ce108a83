"""What a scenario may do to the host: refused by default, allowed only on request.

Two things reach outside a container: bind mounts of host paths other than the
scenario's own directory and its `{{ tmp }}`, and privileged containers. A
scenario file is code from someone else's pull request, so both are load-time
errors unless the user passes `--allow-host-binds` / `--allow-privileged`; when
allowed they are flagged on the scenario in every report. `cli` steps are
checked too: their options are what a user would type, so `-v /:/host` and
`--privileged` hide there just as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.model.scenario import CliSpec, RunSpec, Scenario

HOST_BIND, PRIVILEGED = "host-bind", "privileged"
FLAGS = {HOST_BIND: "--allow-host-binds", PRIVILEGED: "--allow-privileged"}
_TMP = re.compile(r"^\{\{ ?tmp ?\}\}(/|$)")

Where = tuple[str | int, ...]


@dataclass(frozen=True)
class Policy:
    """What the user allowed on the command line."""

    allow_host_binds: bool = False
    allow_privileged: bool = False

    def allows(self, kind: str) -> bool:
        return self.allow_host_binds if kind == HOST_BIND else self.allow_privileged


@dataclass(frozen=True)
class Concern:
    """One way a scenario reaches the host: where, what kind, and in words."""

    where: Where
    kind: str
    detail: str

    def refusal(self) -> str:
        return f"{self.detail} is refused; pass {FLAGS[self.kind]} to allow it"


def inside(source: str, base: Path) -> bool:
    """A bind source the scenario owns: under {{ tmp }}, or relative and inside its dir."""
    if _TMP.match(source):
        return ".." not in source.split("/")
    if source.startswith("/") or "{{" in source:
        return False
    return (base / source).resolve().is_relative_to(base.resolve())


def _cli_binds(options: list[str]) -> list[tuple[int, str]]:
    """(option index, host source) of every bind a `cli` step's options ask for."""
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(options):
        opt = options[i]
        name, eq, value = opt.partition("=")
        if name in ("-v", "--volume", "--mount") and not eq:
            value = options[i + 1] if i + 1 < len(options) else ""
        elif opt.startswith("-v") and len(opt) > 2 and name != "--volume":
            name, value = "-v", opt[2:]
        if name in ("-v", "--volume"):
            source = value.split(":", 1)[0]
            # `-v /data` alone is an anonymous volume; `-v name:/data` and
            # `-v {{ volumes.NAME }}:/data` are named ones.
            if ":" in value and (source.startswith(("/", ".", "~")) or _TMP.match(source)):
                found.append((i, source))
        elif name == "--mount":
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            if fields.get("type", "volume") == "bind":
                found.append((i, fields.get("source") or fields.get("src") or ""))
        i += 1
    return found


def concerns(scenario: Scenario, base: Path) -> list[Concern]:
    """Every host-reaching request in a scenario, allowed or not."""
    out: list[Concern] = []
    for i, step in enumerate(scenario.steps):
        spec = step.spec
        where: Where = ("steps", i, step.kind)
        if isinstance(spec, RunSpec):
            if spec.privileged:
                out.append(
                    Concern(
                        (*where, "privileged"), PRIVILEGED, f"privileged container {spec.name!r}"
                    )
                )
            for j, m in enumerate(spec.mounts):
                if m.type == "bind" and m.source is not None and not inside(m.source, base):
                    out.append(
                        Concern(
                            (*where, "mounts", j, "source"),
                            HOST_BIND,
                            f"bind mount of host path {m.source!r} (step {spec.name!r})",
                        )
                    )
        elif isinstance(spec, CliSpec):
            for j, opt in enumerate(spec.options):
                if opt == "--privileged" or opt.startswith("--privileged="):
                    out.append(
                        Concern(
                            (*where, "options", j), PRIVILEGED, f"--privileged (step {spec.name!r})"
                        )
                    )
            for j, source in _cli_binds(spec.options):
                # A CLI resolves relative paths against its cwd: only {{ tmp }} is the scenario's.
                if not (_TMP.match(source) and inside(source, base)):
                    out.append(
                        Concern(
                            (*where, "options", j),
                            HOST_BIND,
                            f"bind mount of host path {source!r} (step {spec.name!r})",
                        )
                    )
    return out
