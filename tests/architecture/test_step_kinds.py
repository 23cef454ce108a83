"""Every `Step` field has a registered kind that runs it, and every kind a field."""

from __future__ import annotations

from harness.model.scenario import Step
from harness.model.specs import SPECS
from harness.model.specs.base import StepSpec
from harness.steps import FAMILIES, KINDS


def test_every_step_field_has_a_kind_and_every_kind_a_field() -> None:
    assert set(Step.model_fields) == set(KINDS)
    assert set(SPECS) == set(KINDS)


def test_each_kind_runs_the_spec_its_field_validates() -> None:
    for name, kind in KINDS.items():
        assert kind.spec is SPECS[name], name
        assert kind.spec.kind == name


def test_kind_names_are_unique_across_families() -> None:
    names = [kind.name for family in FAMILIES for kind in family.kinds]
    assert len(names) == len(set(names))


def test_a_spec_declared_twice_is_refused() -> None:
    try:

        class Again(StepSpec, kind="run"):
            pass

    except TypeError as exc:
        assert "declared twice" in str(exc)
    else:
        raise AssertionError("a second 'run' spec was accepted")
