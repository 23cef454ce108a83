"""Host steps: facts about the harness host itself, to compare a container's view with:
a path under the scenario's `{{ tmp }}`, the host's own namespaces, its hostname and
default route."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from harness.engines.base import Unsupported
from harness.errors import EngineError
from harness.model.specs.host import HostFactsSpec, HostNsSpec, HostSpec
from harness.steps.context import StepContext
from harness.steps.host_facts import host_facts
from harness.steps.kinds import Family, StepKind
from harness.steps.vantage import host_side, namespace_link, network_namespace

MAX_CONTENT = 65536


def path_facts(path: Path) -> dict[str, Any]:
    """exists, is_dir, mode (octal text), uid and a small file's content."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return {"exists": False, "is_dir": False, "mode": None, "uid": None, "content": None}
    content = None
    if stat.S_ISREG(st.st_mode) and st.st_size <= MAX_CONTENT:
        content = path.read_text(encoding="utf-8", errors="replace")
    return {
        "exists": True,
        "is_dir": stat.S_ISDIR(st.st_mode),
        "mode": format(stat.S_IMODE(st.st_mode), "o"),
        "uid": st.st_uid,
        "content": content,
    }


def host(ctx: StepContext, spec: HostSpec) -> None:
    path = Path(ctx.expand(spec.path))
    if ctx.tmp is None or not path.resolve().is_relative_to(ctx.tmp.resolve()):
        raise EngineError(f"host path {spec.path!r} is outside the temporary directory")
    ctx.record(spec.name, **path_facts(path))


def host_ns(ctx: StepContext, spec: HostNsSpec) -> None:
    """The namespace the harness itself runs in, e.g. 'ipc:[4026531839]'."""
    ctx.record(spec.name, link=namespace_link(ctx.engine, spec.ns))


def record_host_facts(ctx: StepContext, spec: HostFactsSpec) -> None:
    """The host's hostname and default-route interface, for a container to be compared with.

    A version surface's network namespace has no route out by design: there is no host
    route for a container to share, so the comparison cannot be made there."""
    facts = host_side(ctx.engine, host_facts)
    namespace = network_namespace(ctx.engine)
    if namespace and facts["default_route"] is None:
        raise Unsupported(
            f"{ctx.engine.name}: its network namespace ({namespace}) has no default route by "
            "design, so there is no host route to compare with"
        )
    ctx.record(spec.name, **facts)


FAMILY = Family(
    "host",
    (
        StepKind(HostSpec, host),
        StepKind(HostNsSpec, host_ns),
        StepKind(HostFactsSpec, record_host_facts),
    ),
)
