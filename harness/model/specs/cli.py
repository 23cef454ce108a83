"""Spec of the `cli` step: the engine's own command line, as a user types it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import model_validator

from harness.model import host_access as access
from harness.model.access import Concern
from harness.model.specs.base import (
    PLACEHOLDER,
    LoadContext,
    Ref,
    Seconds,
    StepSpec,
    Where,
)

_PUBLISH = re.compile(r"^(?:(?P<ip>[0-9.]+|\[[0-9a-f:]*\]):)?(?P<host>\d+)(?:-\d+)?:\d+")


class CliSpec(StepSpec, kind="cli"):
    """Run `<engine cli> run --pull never … IMAGE ARGS` and observe what a user sees.

    `options` and `args` may use `{{ tmp }}`, `{{ volumes.NAME }}` and
    `{{ networks.NAME }}`. `image_ref` is a reference that is not built (and
    never pulled: the CLI gets `--pull never`).
    """

    image: str | None = None
    image_ref: str | None = None
    args: list[str] = []
    options: list[str] = []
    timeout: Seconds = 30.0

    @model_validator(mode="after")
    def _one_image(self) -> CliSpec:
        if (self.image is None) == (self.image_ref is None):
            raise ValueError("give exactly one of 'image' or 'image_ref'")
        return self

    def refs(self) -> Iterable[Ref]:
        if self.image is not None:
            yield Ref("image", self.image, ("image",))

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        known = {"tmp", *(f"volumes.{v}" for v in ctx.volumes)}
        known |= {f"networks.{n}" for n in ctx.names("network")}
        for var in PLACEHOLDER.findall(" ".join([*self.options, *self.args])):
            if var not in known:
                yield ("options",), f"unknown placeholder {{{{ {var} }}}}"

    def host_access(self, base: Path) -> Iterable[Concern]:
        """Every option as the engine CLIs read it (harness.model.cli_grammar); a CLI
        resolves relative paths against its cwd, so only {{ tmp }} is the scenario's."""
        for j, kind, detail in access.classify_argv(self.options):
            yield Concern(("options", j), kind, f"{detail} (step {self.name!r})")
        for kind, detail in access.image_ref(self.image_ref) if self.image_ref else ():
            yield Concern(("image_ref",), kind, detail)

    def secret_pairs(self) -> Iterable[tuple[str, str]]:
        return option_pairs([*self.options, *self.args]).items()

    def exclusive(self) -> Iterable[str]:
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
