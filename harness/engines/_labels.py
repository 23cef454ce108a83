"""What the SDK adapters share about the resources they make: finding them by
label, tearing them down by label, and remembering which ones they created (so
a 404 on one of those is told apart from an ordinary "no such ...")."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from typing import Any

from harness.engines._util import for_each_concurrently, has_labels
from harness.engines.base import LabelledResource
from harness.errors import EngineError


def resources(
    kind: str, items: Iterable[dict[str, Any]], id_key: str, labels_key: str = "Labels"
) -> list[LabelledResource]:
    """Listing entries -> LabelledResources (the id and labels keys differ by API)."""
    return [LabelledResource(kind, str(i[id_key]), dict(i.get(labels_key) or {})) for i in items]


def matching(found: list[LabelledResource], selector: dict[str, str]) -> list[LabelledResource]:
    """The server's label filter is not trusted alone: Podman ORs several labels."""
    return [r for r in found if has_labels(r.labels, selector)]


class Owned:
    """Containers, volumes and networks this adapter created and has not removed.

    Each is remembered under all its references (id and name), so a later call by
    either finds it. Containers created with auto-remove are never added: their
    disappearance is the engine's own doing.
    """

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str], frozenset[str]] = {}
        self._lock = threading.Lock()

    def add(self, kind: str, *refs: str) -> None:
        group = frozenset(r for r in refs if r)
        with self._lock:
            for ref in group:
                self._groups[(kind, ref)] = group

    def drop(self, kind: str, ref: str) -> None:
        with self._lock:
            for other in self._groups.pop((kind, ref), frozenset()):
                self._groups.pop((kind, other), None)

    def describe(self, kind: str, ref: str) -> str | None:
        """'container abc' when `ref` is one of ours, else None."""
        with self._lock:
            return f"{kind} {ref}" if (kind, ref) in self._groups else None


class LabelTeardown:
    """`list_labelled` and `remove_labelled` on top of an adapter's own
    `labelled_resources`, `remove_container` and `_remove_listed`."""

    _owned: Owned

    def labelled_resources(self, labels: dict[str, str]) -> list[LabelledResource]:
        raise NotImplementedError

    def remove_container(self, container_id: str, force: bool = True) -> None:
        raise NotImplementedError

    def _remove_listed(self, kind: str, ref: str) -> None:
        """Remove one listed network or volume; a 404 (already gone) is not an error."""
        raise NotImplementedError

    def list_labelled(self, labels: dict[str, str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"containers": [], "volumes": [], "networks": []}
        for resource in self.labelled_resources(labels):
            found[f"{resource.kind}s"].append(resource.id)
        return found

    def remove_labelled(self, labels: dict[str, str]) -> int:
        # One by one, never prune (podman-py's prune ignores its filters). Each removal
        # is tried even if one fails; the leak audit lists what stayed.
        found = self.list_labelled(labels)
        for_each_concurrently(self._remove_quietly, found["containers"])
        for kind in ("network", "volume"):
            for ref in found[f"{kind}s"]:
                with contextlib.suppress(EngineError):
                    self._remove_listed(kind, ref)
                self._owned.drop(kind, ref)
        return sum(len(v) for v in found.values())

    def _remove_quietly(self, container_id: str) -> None:
        """Teardown's removal: a refusal is left for the leak audit to record."""
        with contextlib.suppress(EngineError):
            self.remove_container(container_id)
        self._owned.drop("container", container_id)
