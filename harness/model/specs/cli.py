"""Spec of the `cli` step: the engine's own command line, as a user types it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import model_validator

from harness.model import cli_commands as cmds
from harness.model import host_access as access
from harness.model.access import Concern
from harness.model.specs.base import (
    LoadContext,
    Ref,
    RefKind,
    Seconds,
    StepSpec,
    Where,
)

# The harness's own placeholders; any other `{{ … }}` is a Go template of `--format`.
HARNESS_PLACEHOLDER = re.compile(r"\{\{\s*(tmp|[a-z]+\.[A-Za-z0-9][A-Za-z0-9_-]*)\s*\}\}")
_PUBLISH = re.compile(r"^(?:(?P<ip>[0-9.]+|\[[0-9a-f:]*\]):)?(?P<host>\d+)(?:-\d+)?:\d+")


class CliSpec(StepSpec, kind="cli"):
    """Run `<engine cli> COMMAND …` and observe what a user sees: exit code, stdout,
    stderr, and `parsed` (the output read as JSON) for inspect and `--format`.

    `command` defaults to `[run]`: `run`/`create` take `options`, an image and `args`
    and get `--pull never`, `--name` and the harness labels. Any other subcommand of
    `harness.model.cli_commands` takes `options` then `args` (both free to mix options
    and positionals). Values may use `{{ tmp }}`, `{{ volumes.NAME }}`,
    `{{ networks.NAME }}`, `{{ containers.STEP }}`, `{{ images.NAME }}` and
    `{{ names.NAME }}` (a fresh name, unique to the run); other `{{ … }}` (Go
    templates of `--format`) reach the CLI as written.
    """

    command: list[str] = ["run"]
    image: str | None = None
    image_ref: str | None = None
    args: list[str] = []
    options: list[str] = []
    timeout: Seconds = 30.0

    @property
    def run_like(self) -> bool:
        return tuple(self.command) in cmds.RUN_LIKE

    @model_validator(mode="after")
    def _one_image(self) -> CliSpec:
        if not self.run_like:
            if self.image is not None or self.image_ref is not None:
                raise ValueError(f"{' '.join(self.command)!r} takes no 'image' (use args)")
        elif (self.image is None) == (self.image_ref is None):
            raise ValueError("give exactly one of 'image' or 'image_ref'")
        return self

    def refs(self) -> Iterable[Ref]:
        if self.image is not None:
            yield Ref("image", self.image, ("image",))

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        return [("container", self.name)] if self.run_like else []

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        refused = cmds.refused_command(self.command)
        if refused:
            yield ("command",), refused
        known = {
            "volumes": set(ctx.volumes),
            "networks": ctx.names("network"),
            "images": ctx.names("image"),
            "containers": ctx.names("container"),
        }
        for field, values in (("options", self.options), ("args", self.args)):
            for j, value in enumerate(values):
                for var in HARNESS_PLACEHOLDER.findall(value):
                    table, _, name = var.partition(".")
                    if table in ("tmp", "names"):
                        continue
                    if name not in known.get(table, set()):
                        yield (field, j), f"unknown placeholder {{{{ {table}.{name} }}}}"

    def host_access(self, base: Path) -> Iterable[Concern]:
        """Every option as the engine CLIs read it (harness.model.cli_grammar and
        cli_commands); a CLI resolves relative paths against its cwd, so only {{ tmp }}
        is the scenario's."""
        if not self.run_like:
            if cmds.refused_command(self.command) is None:
                yield from self._command_access()
            return
        for j, kind, detail in access.classify_argv(self.options):
            yield Concern(("options", j), kind, f"{detail} (step {self.name!r})")
        for kind, detail in access.image_ref(self.image_ref) if self.image_ref else ():
            yield Concern(("image_ref",), kind, detail)

    def _command_access(self) -> Iterable[Concern]:
        n = len(self.options)
        for j, kind, detail in cmds.classify(self.command, [*self.options, *self.args]):
            where: Where = ("options", j) if j < n else ("args", j - n) if self.args else ()
            yield Concern(where, kind, f"{detail} (step {self.name!r})")

    def secret_pairs(self) -> Iterable[tuple[str, str]]:
        return option_pairs([*self.options, *self.args]).items()

    def exclusive(self) -> Iterable[str]:
        if not self.run_like:
            return ()
        return (f"host-port:{port}" for port in cli_host_ports(self.options))


def option_pairs(options: list[str]) -> dict[str, str]:
    """KEY=VALUE pairs given with -e/--env/--build-arg in a command line."""
    pairs: dict[str, str] = {}
    for i, opt in enumerate(options):
        value = None
        if opt in ("-e", "--env", "--build-arg") and i + 1 < len(options):
            value = options[i + 1]
        elif opt.startswith(("--env=", "--build-arg=")):
            value = opt.split("=", 1)[1]
        elif opt.startswith("-e") and len(opt) > 2:
            value = opt[2:]
        if value and "=" in value:
            key, _, val = value.partition("=")
            pairs[key] = val
    return pairs


def cli_host_ports(options: list[str]) -> list[int]:
    """Fixed host ports published with -p/--publish (0 or none: any free port)."""
    ports = []
    for i, opt in enumerate(options):
        value = None
        if opt in ("-p", "--publish") and i + 1 < len(options):
            value = options[i + 1]
        elif opt.startswith("--publish="):
            value = opt.split("=", 1)[1]
        elif opt.startswith("-p") and len(opt) > 2:
            value = opt[2:]
        found = _PUBLISH.match(value or "")
        if found and int(found.group("host")):
            ports.append(int(found.group("host")))
    return ports
