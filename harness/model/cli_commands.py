"""The flag grammar of the engine CLIs' subcommands other than `run`/`create`, as a
table, and what the harness allows of each: the same pflag rules as
`harness.model.cli_grammar` (which keeps the `run`/`create` table), one option table
per subcommand, and a kind for each positional argument.

Taken from `docker SUBCOMMAND --help` (Docker CLI 28 on this host) and
`podman SUBCOMMAND --help` (Podman 4.3, plus what Podman 5.4 added); an option either
CLI knows is accepted (the other CLI refusing it is a finding). Where the two CLIs
give one letter two meanings (`logs -n`: Docker's --tail, Podman's --names; `stop -t`:
--timeout and --time) the table keeps Docker's reading, which is the same role either way.

Safety: a subcommand that is not in the table is refused at load time; so are the
options that would reach beyond the scenario (`--all`, `--latest`, `--filter` on
commands that change things, `--cidfile`), block (`logs -f`, `ps -w`), or name
host files. Positional arguments that name something to change must be the
scenario's own (`{{ containers.STEP }}`, `{{ volumes.NAME }}`, `{{ networks.NAME }}`,
`{{ names.NAME }}` for a fresh name); read-only commands may also name anything by a
plain name (`network inspect bridge`). Resources a subcommand creates get the
harness labels (`CREATES`), listings are filtered to the scenario's scope label
(`LISTS`), and image tags are untagged at teardown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.model import host_access
from harness.model.access import DEVICE, FORBIDDEN
from harness.model.cli_grammar import DP, Option, Parsed, Unparsable, parse

# A positional's kind: container/volume/network/image (the scenario's own, or a
# fresh `{{ names.NAME }}`), new (a fresh name only), any (a plain name, read-only
# commands), text (a port or a signal), rest (the rest of the line, run in the container).
ContainerArg, VolumeArg, NetworkArg, ImageArg = "container", "volume", "network", "image"
PLACEHOLDER_TABLES = {
    "container": ("containers", "names"),
    "volume": ("volumes", "names"),
    "network": ("networks", "names"),
    "image": ("images", "names"),
    "new": ("names",),
}
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")
# One placeholder, and for an image a `:TAG` after it (`{{ names.app }}:v1`).
_ONLY_PLACEHOLDER = re.compile(
    r"^\{\{ ?([a-z]+)\.([a-z0-9][a-z0-9_-]*) ?\}\}(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$"
)
_TAGGED = frozenset({"image", "new"})
_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$")

REFUSE = "refuse"
_WHY_REFUSED = {
    "all": "acts on every resource of the engine, not only the scenario's",
    "latest": "names the engine's latest container, which may not be the scenario's",
    "filter": "selects resources by a filter, which may reach beyond the scenario",
    "cidfile": "reads a host file",
    "follow": "never returns",
    "watch": "never returns",
    "env-file": "reads a host file",
    "preserve-fds": "passes the harness's descriptors",
    "preserve-fd": "passes the harness's descriptors",
    "config-from": "reads another network's configuration",
    "ipam-driver": "an IPAM driver other than the default",
    "link": "links are legacy and name containers outside the scenario",
}


@dataclass(frozen=True)
class Command:
    """One subcommand: its options (long and short tables), the kinds of its
    positionals (the last one repeats when it ends with '+'; `rest` takes the rest
    of the line), and what the harness adds to it."""

    words: tuple[str, ...]
    long: dict[str, Option]
    short: dict[str, Option]
    positionals: tuple[str, ...]
    adds: str = ""  # "labels" | "scope" | ""
    min_positionals: int = 1


def _table(spec: str) -> tuple[dict[str, Option], dict[str, Option]]:
    """'a:attach,detach-keys=,!all,opt=@volume-opt': `x:` a short alias, `=` takes a
    value, `!` refused, `@role` a host-access role (neutral when none)."""
    long: dict[str, Option] = {}
    for item in filter(None, spec.split(",")):
        item, _, role = item.partition("@")
        refused = item.startswith("!")
        item = item.lstrip("!")
        short, _, name = item.rpartition(":")
        takes = name.endswith("=")
        name = name.rstrip("=")
        long[name] = Option(
            name, short or None, takes, DP, REFUSE if refused else role or "neutral"
        )
    return long, {o.short: o for o in long.values() if o.short}


_SPECS: tuple[tuple[str, str, str, str], ...] = (
    # words, options, positionals, what the harness adds
    (
        "start",
        "a:attach,detach-keys=,i:interactive,sig-proxy,!all,!filter=,!latest",
        "container+",
        "",
    ),
    (
        "stop",
        "s:signal=,t:time=,timeout=,i:ignore,!all,!cidfile=,!filter=,!latest",
        "container+",
        "",
    ),
    (
        "restart",
        "s:signal=,t:time=,timeout=,running,!all,!cidfile=,!filter=,!latest",
        "container+",
        "",
    ),
    ("kill", "s:signal=,!all,!cidfile=,!latest", "container+", ""),
    (
        "rm",
        "f:force,v:volumes,t:time=,i:ignore,depend,!l:link,!all,!cidfile=,!filter=,!latest",
        "container+",
        "",
    ),
    ("wait", "condition=,i:interval=,ignore,!latest", "container+", ""),
    (
        "logs",
        "details,since=,n:tail=,t:timestamps,until=,color,names,!f:follow,!latest",
        "container",
        "",
    ),
    (
        "exec",
        "d:detach,detach-keys=,e:env=@env,i:interactive,privileged@privileged,t:tty,"
        "u:user=,w:workdir=,!env-file=,!preserve-fd=,!preserve-fds=,!latest",
        "container,rest",
        "",
    ),
    ("inspect", "f:format=,s:size,type=,!latest", "any+", ""),
    ("container inspect", "f:format=,s:size,!latest", "any+", ""),
    (
        "ps",
        "a:all@neutral,f:filter=,format=,n:last=,no-trunc,q:quiet,s:size,noheading,ns,"
        "external,p:pod,sort=,sync,!w:watch=,!l:latest",
        "",
        "scope",
    ),
    (
        "container ls",
        "a:all@neutral,f:filter=,format=,n:last=,no-trunc,q:quiet,s:size,noheading,"
        "ns,external,p:pod,sort=,sync,!w:watch=,!l:latest",
        "",
        "scope",
    ),
    ("port", "!a:all,!l:latest", "container,text", ""),
    ("pause", "!all,!cidfile=,!filter=,!latest", "container+", ""),
    ("unpause", "!all,!cidfile=,!filter=,!latest", "container+", ""),
    ("top", "!latest", "container,rest", ""),
    (
        "volume create",
        "d:driver=@volume-driver,label=@label,o:opt=@volume-opt,ignore",
        "volume",
        "labels",
    ),
    ("volume rm", "f:force,t:time=,!all", "volume+", ""),
    ("volume inspect", "f:format=,!all", "any+", ""),
    ("volume ls", "f:filter=,format=,q:quiet,noheading", "", "scope"),
    (
        "network create",
        "d:driver=@net-driver,gateway=,internal,ip-range=,ipv6,ipv4,label=@label,"
        "o:opt=@net-opt,subnet=,disable-dns,attachable,dns=,ignore,interface-name=,route=,"
        "!aux-address=,!config-from=,!config-only,"
        "!ingress,!ipam-driver=,!ipam-opt=,!scope=",
        "network",
        "labels",
    ),
    ("network rm", "f:force,t:time=", "network+", ""),
    ("network inspect", "f:format=,v:verbose", "any+", ""),
    ("network ls", "f:filter=,format=,no-trunc,q:quiet,noheading", "", "scope"),
    (
        "network connect",
        "alias=,ip=,ip6=,mac-address=,!driver-opt=,!gw-priority=,!link=,!link-local-ip=",
        "network,container",
        "",
    ),
    ("network disconnect", "f:force", "network,container", ""),
    (
        "images",
        "a:all,digests,f:filter=,format=,no-trunc,q:quiet,noheading,sort=,history",
        "image",
        "",
    ),
    (
        "image ls",
        "a:all,digests,f:filter=,format=,no-trunc,q:quiet,noheading,sort=,history",
        "image",
        "",
    ),
    ("image inspect", "f:format=", "any+", ""),
    ("image history", "format=,H:human,no-trunc,q:quiet", "image", ""),
    ("tag", "", "image,new", ""),
    ("image tag", "", "image,new", ""),
    ("rmi", "f:force,no-prune,i:ignore,!all", "new+", ""),
    ("image rm", "f:force,no-prune,i:ignore,!all", "new+", ""),
)


def _command(words: str, options: str, positionals: str, adds: str) -> Command:
    long, short = _table(options)
    kinds = tuple(filter(None, positionals.split(",")))
    required = [k for k in kinds if k not in ("rest", "text")]
    minimum = 0 if adds == "scope" or words == "volume create" else len(required)
    return Command(tuple(words.split()), long, short, kinds, adds, minimum)


COMMANDS: dict[tuple[str, ...], Command] = {
    tuple(spec[0].split()): _command(*spec) for spec in _SPECS
}
# `run` and `create` keep the table of harness.model.cli_grammar (image and arguments).
RUN_LIKE = frozenset({("run",), ("create",), ("container", "run"), ("container", "create")})
TAGS = frozenset({("tag",), ("image", "tag")})
_PULLING = frozenset(
    {
        "pull",
        "push",
        "login",
        "logout",
        "search",
        "build",
        "buildx",
        "import",
        "load",
        "save",
        "export",
        "cp",
        "commit",
        "prune",
        "system",
        "builder",
        "plugin",
        "swarm",
        "service",
        "stack",
        "manifest",
        "context",
        "trust",
    }
)


def refused_command(words: list[str]) -> str | None:
    """Why a subcommand is refused (None: it is in the table)."""
    key = tuple(words)
    if key in COMMANDS or key in RUN_LIKE:
        return None
    pulling = sorted(set(words) & _PULLING)
    if pulling:
        return (
            f"subcommand {' '.join(words)!r} is refused: {pulling[0]!r} may pull, push, read "
            "host files or reach beyond the scenario's resources"
        )
    return f"unknown subcommand {' '.join(words)!r} (not in harness.model.cli_commands)"


@dataclass(frozen=True)
class Positional:
    index: int
    kind: str
    value: str


def split(
    command: Command, argv: list[str]
) -> tuple[list[Parsed], list[Positional], list[Unparsable]]:
    """Options and positionals of `argv` (after the subcommand words), pflag-style with
    interspersed options until a `rest` positional starts."""
    parsed: list[Parsed] = []
    positionals: list[Positional] = []
    bad: list[Unparsable] = []
    i = 0
    while i < len(argv):
        kind = _kind_at(command, len(positionals))
        arg = argv[i]
        if arg.startswith("-") and arg != "-" and arg != "--":
            more, wrong = parse(
                argv[i : i + 2] if _takes_next(command, arg) else [arg], command.long, command.short
            )
            parsed += [Parsed(p.index + i, p.option, p.value, p.spelled) for p in more]
            bad += [Unparsable(b.index + i, b.problem) for b in wrong]
            i += 2 if _takes_next(command, arg) else 1
            continue
        if arg == "--":
            i += 1
            continue
        if kind is None:
            bad.append(
                Unparsable(i, f"too many arguments for {' '.join(command.words)!r}: {arg!r}")
            )
        elif kind == "rest":
            positionals += [Positional(j, "rest", a) for j, a in enumerate(argv[i:], start=i)]
            break
        else:
            positionals.append(Positional(i, kind, arg))
        i += 1
    return parsed, positionals, bad


def _kind_at(command: Command, n: int) -> str | None:
    kinds = command.positionals
    if n < len(kinds):
        return kinds[n].rstrip("+")
    if kinds and kinds[-1].endswith("+"):
        return kinds[-1].rstrip("+")
    if kinds and kinds[-1] == "rest":
        return "rest"
    return None


def _takes_next(command: Command, arg: str) -> bool:
    """Whether `arg` (an option spelled alone) takes the next argument as its value."""
    if arg.startswith("--"):
        name, eq, _ = arg[2:].partition("=")
        option = command.long.get(name)
        return bool(option and option.takes_value and not eq)
    letters = arg[1:]
    for n, letter in enumerate(letters):
        option = command.short.get(letter)
        if option is None or option.takes_value:
            return bool(option) and n == len(letters) - 1
    return False


def positional_problem(item: Positional, read_only: bool) -> str | None:
    """Why a positional argument may not be used (None: fine)."""
    if item.kind in ("rest", "text"):
        return (
            None
            if item.kind == "rest" or _TEXT.match(item.value)
            else (f"{item.value!r} is not a plain port or name")
        )
    found = _ONLY_PLACEHOLDER.match(item.value)
    if item.kind == "any":
        if found or _PLAIN.match(item.value):
            return None
        return f"{item.value!r} is not a plain name or a scenario placeholder"
    tables = PLACEHOLDER_TABLES[item.kind]
    if found and found.group(1) in tables and (":" not in item.value or item.kind in _TAGGED):
        return None
    shown = " or ".join(f"{{{{ {t}.NAME }}}}" for t in tables)
    if read_only and _PLAIN.match(item.value):
        return None
    return f"{item.value!r} must be the scenario's own {item.kind}: {shown}"


READ_ONLY = frozenset(
    {
        ("images",),
        ("image", "ls"),
        ("image", "history"),
        ("image", "inspect"),
        ("inspect",),
        ("container", "inspect"),
        ("volume", "inspect"),
        ("network", "inspect"),
    }
)
_NET_DRIVERS = frozenset({"bridge"})
_NET_OPTS = frozenset({"mtu", "com.docker.network.driver.mtu", "isolate"})


def classify(words: list[str], argv: list[str]) -> list[tuple[int, str, str]]:
    """(argument index, kind, detail) of everything in a subcommand's argv that reaches
    beyond the scenario or cannot be read; empty when the harness may run it."""
    command = COMMANDS[tuple(words)]
    parsed, positionals, bad = split(command, argv)
    out = [(b.index, FORBIDDEN, b.problem) for b in bad]
    volume_opts: dict[str, str] = {}
    for item in parsed:
        role, name = item.option.role, item.option.long
        if role == REFUSE:
            why = _WHY_REFUSED.get(name, "is not allowed")
            out.append((item.index, FORBIDDEN, f"{item.spelled!r}: --{name} {why}"))
        elif role == "volume-opt":
            key, _, value = item.value.partition("=")
            volume_opts[key] = value
        elif role == "net-driver" and item.value.strip().lower() not in _NET_DRIVERS:
            out.append((item.index, DEVICE, f"network driver {item.value!r} uses host interfaces"))
        elif role == "net-opt" and item.value.partition("=")[0].strip() not in _NET_OPTS:
            out.append((item.index, FORBIDDEN, f"network option {item.value!r} is not allowed"))
        elif role not in ("net-driver", "net-opt"):
            out += [(item.index, k, d) for k, d in host_access.classify_parsed(item)]
    first = next((p.index for p in parsed if p.option.role == "volume-opt"), 0)
    out += [(first, k, d) for k, d in host_access.volume_options(volume_opts, "volume create")]
    read_only = tuple(words) in READ_ONLY
    for pos in positionals:
        problem = positional_problem(pos, read_only)
        if problem:
            out.append((pos.index, FORBIDDEN, problem))
    named = [p for p in positionals if p.kind != "rest"]
    if len(named) < command.min_positionals:
        out.append((len(argv), FORBIDDEN, f"{' '.join(words)!r} needs its arguments"))
    return sorted(out, key=lambda f: f[0])


def format_given(words: list[str], argv: list[str]) -> bool:
    """Whether the line asks for a `--format` template (or is an inspect, JSON by default)."""
    if words[-1] == "inspect":
        return True
    command = COMMANDS.get(tuple(words))
    if command is None:
        return False
    parsed, _, _ = split(command, argv)
    return any(p.option.long == "format" for p in parsed)


def is_listing(words: list[str]) -> bool:
    """`ps`, `volume ls`, `images`…: one line (or JSON document) per resource."""
    return tuple(words) in LISTINGS


LISTINGS = frozenset(
    {
        ("ps",),
        ("container", "ls"),
        ("volume", "ls"),
        ("network", "ls"),
        ("images",),
        ("image", "ls"),
    }
)
