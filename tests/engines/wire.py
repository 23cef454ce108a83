"""Record the HTTP requests adapters send at the transport seam (`GuardedUnixAdapter`),
each tagged with what the harness was doing: a step (its spec), a scenario image's
build, or anything else (setup, teardown, fingerprints)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from harness.engines._transport import GuardedUnixAdapter
from harness.run import runner
from harness.run.images import ImageCache
from harness.steps import FAMILIES, KINDS, Family, StepKind


@dataclass(frozen=True)
class Request:
    """One request as the engine received it, and the phase that sent it."""

    phase: Any  # a StepSpec, an ImageSpec, or None (setup, teardown, fingerprint)
    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    body: Any  # decoded JSON, or None (no body, or a tar)


class Recorder:
    """Requests of every engine call while installed; `phase` tags them."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.phase: Any = None
        self._lock = threading.Lock()

    @contextmanager
    def during(self, phase: Any) -> Iterator[None]:
        self.phase = phase
        try:
            yield
        finally:
            self.phase = None

    def add(self, prepared: requests.PreparedRequest) -> None:
        split = urlsplit(str(prepared.url))
        body: Any = None
        raw = prepared.body
        if isinstance(raw, bytes | str) and raw[:1] in (b"{", "{", b"[", "["):
            body = json.loads(raw)
        with self._lock:
            self.requests.append(
                Request(
                    phase=self.phase,
                    method=str(prepared.method),
                    path=split.path,
                    params=tuple(parse_qsl(split.query, keep_blank_values=True)),
                    body=body,
                )
            )


def install(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Wrap the transport and every step kind's run function."""
    recorder = Recorder()
    send = GuardedUnixAdapter.send

    def recording_send(self: GuardedUnixAdapter, request: Any, *args: Any, **kw: Any) -> Any:
        recorder.add(request)
        return send(self, request, *args, **kw)

    monkeypatch.setattr(GuardedUnixAdapter, "send", recording_send)
    for name, kind in list(KINDS.items()):
        monkeypatch.setitem(KINDS, name, StepKind(kind.spec, _tagged(recorder, kind)))
    families = tuple(_with_setup(recorder, f) for f in FAMILIES)
    monkeypatch.setattr(runner, "FAMILIES", families)
    build = ImageCache.scenario_image

    def scenario_image(cache: ImageCache, loaded: Any, name: str, refs: Any) -> str:
        with recorder.during(loaded.scenario.images[name]):
            return build(cache, loaded, name, refs)

    monkeypatch.setattr(ImageCache, "scenario_image", scenario_image)
    return recorder


def _with_setup(recorder: Recorder, family: Family) -> Family:
    """The family, its setup (the scenario's volumes and networks) tagged by scenario."""
    setup = family.setup
    if setup is None:
        return family

    def tagged(ctx: Any) -> None:
        with recorder.during(ctx.loaded.scenario):
            setup(ctx)

    return replace(family, setup=tagged)


def _tagged(recorder: Recorder, kind: StepKind[Any]) -> Any:
    def run(ctx: Any, spec: Any) -> None:
        with recorder.during(spec):
            kind.run(ctx, spec)

    return run


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """JSON body -> (dotted path, leaf value); a list of objects adds a `[]` segment.

    A null leaf is left out: Go decodes `null` as an absent key, so the engine sees
    no option there.
    """
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        for item in value:
            yield from flatten(item, f"{prefix}.[]")
    elif value is not None and (prefix or value not in ({}, [])):  # an empty body: none
        yield prefix, value
