"""A resource removed by another process under a live run is `Vanished`, not an
ordinary "no such ..." answer (real engines; another adapter instance plays the
other process, e.g. `harness clean --all`)."""

from __future__ import annotations

import uuid

import pytest

from harness.engines import create_engine
from harness.engines.base import ContainerSpec, Engine, NotFound, Vanished
from harness.labels import RUN, new_run_id, resource_labels
from harness.run.images import ImageCache

pytestmark = pytest.mark.engine


def test_removed_by_another_process_is_vanished(engine: Engine) -> None:
    run_id = new_run_id()
    labels = resource_labels(run_id, "vanished.test")
    other = create_engine(engine.name)
    try:
        image = ImageCache(engine, run_id).base()
        name = f"h-test-{uuid.uuid4().hex[:10]}"
        cid = engine.create_container(ContainerSpec(image=image, name=name, labels=labels))
        volume = engine.create_volume(f"h-test-{uuid.uuid4().hex[:10]}", labels)
        other.remove_container(cid)
        other.remove_volume(volume)
        with pytest.raises(Vanished, match="removed by another process"):
            engine.inspect_container(cid)
        with pytest.raises(Vanished, match="removed by another process"):
            engine.inspect_volume(volume)
    finally:
        engine.remove_labelled({RUN: run_id})
        other.close()


def test_absent_or_removed_by_us_is_plain_not_found(engine: Engine) -> None:
    run_id = new_run_id()
    labels = resource_labels(run_id, "vanished.test")
    try:
        image = ImageCache(engine, run_id).base()
        name = f"h-test-{uuid.uuid4().hex[:10]}"
        cid = engine.create_container(ContainerSpec(image=image, name=name, labels=labels))
        engine.remove_container(cid)
        for ref in (cid, f"h-test-never-{uuid.uuid4().hex[:8]}"):
            with pytest.raises(NotFound) as raised:
                engine.inspect_container(ref)
            assert not isinstance(raised.value, Vanished)
    finally:
        engine.remove_labelled({RUN: run_id})
