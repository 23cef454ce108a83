"""Specs of the steps that read the harness host itself, to compare a container's view with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field

from harness.model.specs.base import LoadContext, StepSpec, Where


class HostSpec(StepSpec, kind="host"):
    """Facts about a host path under `{{ tmp }}`: `STEP.exists`, `STEP.is_dir`,
    `STEP.mode` (octal text), `STEP.uid`, `STEP.content` (a file's text)."""

    path: Annotated[str, Field(pattern=r"^\{\{ ?tmp ?\}\}(/|$)")]

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        if ".." in self.path.split("/"):
            yield ("path",), "a host path may not contain '..'"


class HostNsSpec(StepSpec, kind="host_ns"):
    """The harness host's own namespace `ns` (readlink /proc/self/ns/NS) -> `STEP.link`.

    Compared with what a container prints (`same_as`/`differs_from`), it shows
    whether a `host` namespace mode really is the host's, whatever the host's own
    namespaces are (a VM, a container). It assumes the harness runs in the engine's
    host namespaces, as it does with a local socket.
    """

    ns: Literal["ipc", "pid", "uts", "net", "mnt", "user", "cgroup"]


class HostFactsSpec(StepSpec, kind="host_facts"):
    """Facts about the host itself, to compare a container's view with (host networking):
    `STEP.hostname` and `STEP.default_route` ("IFACE ADDRESS/PREFIX" of the interface
    holding the IPv4 default route, the same text the scenarios print with `ip`)."""
