"""The `cli` step: the engine's own command line, as a user types it, with the
exit status and output a user sees (and the output read as JSON where the line
asks for inspect or a `--format` template)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from harness.engines.base import Unsupported, sees_path
from harness.errors import EngineError
from harness.labels import SCOPE, resource_name
from harness.model import cli_commands as cmds
from harness.model.confine import escapes
from harness.model.specs.cli import HARNESS_PLACEHOLDER, CliSpec
from harness.steps.context import StateKey, StepContext
from harness.steps.kinds import Family, StepKind
from harness.steps.process import run_bounded

# Image tags a `tag` step made: untagged at teardown (a tag carries no label of its own).
TAGS: StateKey[list[str]] = StateKey("cli.tags", list)
# `{{ names.NAME }}` -> the fresh name it stands for on this engine.
NAMES: StateKey[dict[str, str]] = StateKey("cli.names", dict)


def expand(ctx: StepContext, value: str) -> str:
    """Fill the harness's placeholders; Go templates (`{{ .State.Status }}`) stay."""

    def one(match: Any) -> str:
        var = match.group(1)
        if var == "tmp":
            if ctx.tmp is None:
                raise EngineError("no temporary directory for {{ tmp }}")
            return str(ctx.tmp)
        table, _, name = var.partition(".")
        if table == "names":
            fresh = resource_name(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name, f"n-{name}")
            return ctx.state(NAMES).setdefault(name, fresh)
        mapping = {
            "volumes": ctx.volumes,
            "networks": ctx.networks,
            "containers": ctx.names,
            "images": ctx.images,
        }.get(table, {})
        if name not in mapping:
            raise EngineError(f"unknown placeholder {{{{ {var} }}}}")
        return mapping[name]

    return str(HARNESS_PLACEHOLDER.sub(one, value))


def unexpand(ctx: StepContext, output: str) -> str:
    """Put the placeholders back in what the CLI printed: the names are the harness's
    per-run choice, not the engine's answer, so outputs compare across engines and runs."""
    pairs = [(v, f"{{{{ volumes.{k} }}}}") for k, v in ctx.volumes.items()]
    pairs += [(v, f"{{{{ networks.{k} }}}}") for k, v in ctx.networks.items()]
    pairs += [(v, f"{{{{ containers.{k} }}}}") for k, v in ctx.names.items()]
    pairs += [(v, f"{{{{ images.{k} }}}}") for k, v in ctx.images.items()]
    pairs += [(v, f"{{{{ names.{k} }}}}") for k, v in ctx.state(NAMES).items()]
    if ctx.tmp is not None:
        pairs.append((str(ctx.tmp), "{{ tmp }}"))
    for real, placeholder in sorted(pairs, key=lambda p: -len(p[0])):
        output = output.replace(real, placeholder)
    for key, value in ctx.labels.items():
        # The harness's own label values (run, owner, engine) in a listing or inspect.
        pattern = re.escape(key) + r'("?\s*[:=]\s*"?)' + re.escape(value)
        output = re.sub(pattern, _label_placeholder(key), output)
    return output


def _label_placeholder(key: str) -> Any:
    def sub(match: re.Match[str]) -> str:
        return f"{key}{match.group(1)}{{{{ label }}}}"

    return sub


def parse_output(stdout: str, listing: bool = False) -> Any:
    """The output as JSON: one document, or one per line (`--format '{{json .}}'`).
    A listing (`ps`, `volume ls`, `images`) is always a list, also of one line."""
    try:
        whole = json.loads(stdout)
    except ValueError:
        pass
    else:
        return [whole] if listing and not isinstance(whole, list) else whole
    lines = [line for line in stdout.splitlines() if line.strip()]
    try:
        return [json.loads(line) for line in lines] if lines else None
    except ValueError:
        return None


def _argv(ctx: StepContext, spec: CliSpec) -> list[str]:
    step = spec.name
    labels = [arg for k, v in ctx.labels.items() for arg in ("--label", f"{k}={v}")]
    if spec.run_like:
        image = ctx.images[spec.image] if spec.image else ctx.engine.image_ref(spec.image_ref or "")
        return [
            *ctx.engine.cli(),
            *spec.command,
            *("--pull", "never", "--name", ctx.name_for(step), *labels),
            *(expand(ctx, o) for o in spec.options),
            image,
            *(expand(ctx, a) for a in spec.args),
        ]
    added: list[str] = []
    adds = cmds.COMMANDS[tuple(spec.command)].adds
    if adds == "labels":
        added = labels
    elif adds == "scope":
        added = ["--filter", f"label={SCOPE}={ctx.labels[SCOPE]}"]
    tail = [expand(ctx, v) for v in [*spec.options, *spec.args]]
    return [*ctx.engine.cli(), *spec.command, *added, *tail]


def _confine(ctx: StepContext, spec: CliSpec) -> None:
    """Paths under {{ tmp }} must stay there (no planted symlink leads out), and a
    surface that resolves paths in its own root cannot be given the host's."""
    if ctx.tmp is None:
        return
    expanded = [expand(ctx, o) for o in spec.options]
    if not sees_path(ctx.engine, ctx.tmp) and any(str(ctx.tmp) in o for o in expanded):
        raise Unsupported(f"{ctx.engine.name} resolves paths in its own root, not the host's")
    outside = escapes(expanded, ctx.tmp)
    if outside:
        raise EngineError(f"{spec.name}: {outside[0]} leaves the scenario's {{{{ tmp }}}}")


def run_cli(ctx: StepContext, spec: CliSpec) -> None:
    """`<cli> COMMAND …` as a user types it: the exit status and output a user sees."""
    step = spec.name
    argv = _argv(ctx, spec)
    _confine(ctx, spec)
    started = time.monotonic()
    # In the scenario's temporary directory: conmon inherits the cwd and writes files
    # there (an `oom` file when the container is OOM-killed).
    done = run_bounded(argv, spec.timeout, cwd=ctx.tmp, stop=ctx.stopping)
    stdout = unexpand(ctx, done.stdout)
    ctx.record(
        step,
        exit_code=done.exit_code,
        timed_out=done.timed_out,
        stdout=stdout,
        stderr=unexpand(ctx, done.stderr),
        elapsed_s=round(time.monotonic() - started, 1),
    )
    if done.truncated:  # the cut is marked in the text; the sizes say how much
        ctx.record(step, output_bytes={"stdout": done.stdout_size, "stderr": done.stderr_size})
    if done.timed_out:
        return
    if cmds.format_given(spec.command, [*spec.options, *spec.args]):
        ctx.record(step, parsed=parse_output(stdout, cmds.is_listing(spec.command)))
    _after(ctx, spec, argv, done.exit_code)


def _after(ctx: StepContext, spec: CliSpec, argv: list[str], code: int | None) -> None:
    """Track what the line made: a container later steps may name, an image tag."""
    if spec.run_like and spec.name in ctx.names:
        try:
            ctx.engine.inspect_container(ctx.names[spec.name])
        except EngineError:
            return
        ctx.containers[spec.name] = ctx.names[spec.name]
    elif tuple(spec.command) in cmds.TAGS and code == 0:
        ctx.state(TAGS).append(argv[-1])


def untag(ctx: StepContext) -> list[str]:
    """Remove the tags `tag` steps made (the image itself stays: it is the scenario's)."""
    leftovers = []
    for tag in ctx.state(TAGS) if ctx.has_state(TAGS) else []:
        done = run_bounded([*ctx.engine.cli(), "rmi", tag], 60)
        missing = "no such image" in done.stderr.lower() or "not known" in done.stderr.lower()
        if done.exit_code != 0 and not missing:
            leftovers.append(f"image tag {tag}")
    return leftovers


FAMILY = Family("cli", (StepKind(CliSpec, run_cli),), teardown=untag)
