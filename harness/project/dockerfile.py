"""Dockerfiles and Containerfiles as typed instructions with positions.

Parsing is done by the `dockerfile` package (asottile's binding of BuildKit's own
parser), so heredocs, line continuations and flags read exactly as the builders
read them; this module adds columns, stages, ARG expansion for FROM, and the list
of everything a build would fetch from outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dockerfile as _parser

from harness.errors import Location, ScenarioError
from harness.project.expand import expand

INSTRUCTIONS = frozenset(
    (
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    )
)
NEEDS_ARGS = INSTRUCTIONS - {"HEALTHCHECK"}


@dataclass(frozen=True)
class Instruction:
    """One instruction: keyword upper-cased, flags as written, arguments, position."""

    keyword: str
    flags: tuple[str, ...]
    args: tuple[str, ...]
    json: bool
    line: int
    end_line: int
    column: int
    original: str
    heredocs: tuple[str, ...] = ()
    sub_keyword: str | None = None

    def flag(self, name: str) -> str | None:
        """The value of `--name=value` (last one wins), or None."""
        found = None
        for flag in self.flags:
            key, _, value = flag.partition("=")
            if key == f"--{name}":
                found = value
        return found

    def flag_values(self, name: str) -> list[str]:
        return [f.partition("=")[2] for f in self.flags if f.partition("=")[0] == f"--{name}"]


@dataclass(frozen=True)
class Stage:
    """A build stage: its FROM instruction and the instructions that follow it."""

    index: int
    base: str
    name: str | None
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]


@dataclass
class Dockerfile:
    """A parsed Dockerfile: its instructions, parser directives and source lines."""

    path: str
    instructions: list[Instruction]
    directives: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def locate(self, line: int, token: str | None = None, start: int = 0) -> Location:
        """Position of `token` on `line` (or the first non-blank column)."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if token:
            col = text.find(token, start)
            if col >= 0:
                return Location(self.path, line, col + 1)
        return Location(self.path, line, len(text) - len(text.lstrip()) + 1)

    def find(self, instruction: Instruction, token: str) -> Location:
        """Where `token` appears within a (possibly continued) instruction."""
        for line in range(instruction.line, instruction.end_line + 1):
            text = self.lines[line - 1] if line <= len(self.lines) else ""
            skip = instruction.column if line == instruction.line else 0
            if text.find(token, skip) >= 0:
                return self.locate(line, token, skip)
        return Location(self.path, instruction.line, instruction.column)

    def global_args(self) -> dict[str, str | None]:
        """ARGs declared before the first FROM, with their defaults."""
        found: dict[str, str | None] = {}
        for ins in self.instructions:
            if ins.keyword == "FROM":
                break
            if ins.keyword == "ARG":
                for arg in ins.args:
                    name, sep, default = arg.partition("=")
                    found[name] = _unquote(default) if sep else None
        return found

    def stages(self, build_args: dict[str, str] | None = None) -> list[Stage]:
        """The stages in order; FROM images with ARGs expanded."""
        scope = {k: v for k, v in self.global_args().items() if v is not None}
        for name, value in (build_args or {}).items():
            if name in self.global_args():
                scope[name] = value
        stages: list[Stage] = []
        current: list[Instruction] = []
        head: Instruction | None = None
        for ins in self.instructions:
            if ins.keyword == "FROM":
                if head is not None:
                    stages.append(_stage(len(stages), head, current, scope))
                head, current = ins, []
            elif head is not None:
                current.append(ins)
        if head is not None:
            stages.append(_stage(len(stages), head, current, scope))
        return stages


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _stage(index: int, head: Instruction, body: list[Instruction], scope: dict[str, str]) -> Stage:
    base = expand(head.args[0], scope) if head.args else ""
    name = head.args[2].lower() if len(head.args) >= 3 and head.args[1].upper() == "AS" else None
    return Stage(index, base, name, head, tuple(body))


def _directives(lines: list[str]) -> dict[str, str]:
    """Parser directives: `# key=value` lines at the very top, before anything else."""
    found: dict[str, str] = {}
    for text in lines:
        stripped = text.strip()
        if not stripped.startswith("#"):
            break
        key, sep, value = stripped[1:].partition("=")
        if not sep or " " in key.strip():
            break
        found[key.strip().lower()] = value.strip()
    return found


def _instruction(raw: _parser.Command, lines: list[str]) -> Instruction:
    text = lines[raw.start_line - 1] if raw.start_line <= len(lines) else ""
    column = len(text) - len(text.lstrip()) + 1
    return Instruction(
        keyword=raw.cmd.upper(),
        flags=tuple(raw.flags),
        args=tuple(raw.value),
        json=raw.json,
        line=raw.start_line,
        end_line=raw.end_line,
        column=column,
        original=raw.original,
        heredocs=tuple(h.content for h in raw.heredocs),
        sub_keyword=raw.sub_cmd.upper() if raw.sub_cmd else None,
    )


def _check(ins: Instruction, path: str) -> None:
    where = Location(path, ins.line, ins.column)
    if ins.keyword not in INSTRUCTIONS:
        raise ScenarioError(where, f"unknown instruction {ins.keyword}")
    if ins.keyword in NEEDS_ARGS and not ins.args:
        raise ScenarioError(where, f"{ins.keyword} requires at least one argument")
    if ins.keyword == "ONBUILD" and ins.sub_keyword in {"ONBUILD", "FROM", "MAINTAINER"}:
        raise ScenarioError(where, f"ONBUILD {ins.sub_keyword} is not allowed")


def parse_dockerfile(text: str, path: str) -> Dockerfile:
    """Parse one Dockerfile; ScenarioError with file:line:col on anything a builder rejects."""
    lines = text.splitlines()
    try:
        commands = _parser.parse_string(text)
    except _parser.GoParseError as exc:
        raise ScenarioError(Location(path, _error_line(str(exc), lines), 1), str(exc)) from None
    instructions = [_instruction(c, lines) for c in commands]
    for ins in instructions:
        _check(ins, path)
    result = Dockerfile(path, instructions, _directives(lines), lines)
    if instructions and not any(i.keyword == "FROM" for i in instructions):
        raise ScenarioError(Location(path, 1, 1), "no FROM instruction")
    for ins in instructions:
        if ins.keyword != "FROM":
            if ins.keyword not in {"ARG"}:
                raise ScenarioError(
                    Location(path, ins.line, ins.column),
                    f"{ins.keyword} before the first FROM (only ARG may come first)",
                )
        else:
            break
    return result


def _error_line(message: str, lines: list[str]) -> int:
    """The parser's messages carry no position; point heredoc errors at their start."""
    if "heredoc" in message:
        for number, text in enumerate(lines, start=1):
            if "<<" in text:
                return number
    return 1


def read_dockerfile(path: str) -> Dockerfile:
    """Read and parse a file; an unreadable file is a ScenarioError too."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(Location(path), f"cannot read: {exc}") from None
    return parse_dockerfile(text, path)


@dataclass(frozen=True)
class RemoteSource:
    """Something a build would fetch from outside: an image or a URL, and where it is named."""

    kind: str  # "from" | "copy-from" | "mount-from" | "add-url" | "onbuild-copy-from"
    reference: str
    location: Location


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://", "git@")) or text.endswith(".git")


def _mount_from(flag: str) -> str | None:
    """`from=` of a `--mount=type=...,from=image,...` value."""
    for part in flag.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "from":
            return value.strip()
    return None


def _external(ref: str, names: set[str], stage_count: int) -> bool:
    if not ref or ref.lower() == "scratch" or ref.lower() in names:
        return False
    return not (ref.isdigit() and int(ref) < stage_count)


def remote_sources(
    parsed: Dockerfile, build_args: dict[str, str] | None = None
) -> list[RemoteSource]:
    """Every image or URL the build pulls: FROM (all spellings), COPY --from, RUN --mount
    from=, ADD <url>. Earlier stage names, stage indexes and scratch are left out."""
    found: list[RemoteSource] = []
    names: set[str] = set()
    stages = parsed.stages(build_args)
    for stage in stages:
        head = stage.from_instruction
        if _external(stage.base, names, 0):
            found.append(RemoteSource("from", stage.base, parsed.find(head, head.args[0])))
        if stage.name:
            names.add(stage.name)
        for ins in stage.instructions:
            found.extend(_instruction_sources(parsed, ins, names, len(stages)))
    return found


def _instruction_sources(
    parsed: Dockerfile, ins: Instruction, names: set[str], count: int
) -> list[RemoteSource]:
    found: list[RemoteSource] = []
    if ins.keyword in {"COPY", "ADD"}:
        ref = ins.flag("from")
        if ref is not None and _external(ref.lower(), names, count):
            found.append(RemoteSource("copy-from", ref, parsed.find(ins, f"--from={ref}")))
    if ins.keyword == "ADD":
        for arg in ins.args[:-1]:
            if _is_url(arg):
                found.append(RemoteSource("add-url", arg, parsed.find(ins, arg)))
    if ins.keyword == "RUN":
        for flag in ins.flag_values("mount"):
            ref = _mount_from(flag)
            if ref is not None and _external(ref.lower(), names, count):
                found.append(RemoteSource("mount-from", ref, parsed.find(ins, f"--mount={flag}")))
    return found
