"""The JSON Schema in the package is the contract: synthetic, merged and
malformed documents are checked against it."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from harness.results.document import results_schema, validate
from harness.results.merge import merge_documents
from tests.report.synthetic import synthetic_document


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(results_schema())


def test_synthetic_and_merged_documents_validate() -> None:
    a = synthetic_document(scenarios=50)
    b = synthetic_document(scenarios=50, run_id="other", seed=2)
    validate(a)
    validate(merge_documents([a, b]))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("scenarios", 0, "verdict"), "mostly-fine"),
        (("scenarios", 0, "engines", "docker", "status"), "ok"),
        (("scenarios", 0, "known_divergences"), [{"why": "no engine or key"}]),
        (("summary",), {"portable": -1}),
        (("schema",), "harness.results/2"),
    ],
)
def test_broken_documents_are_rejected(path: tuple[object, ...], value: object) -> None:
    doc = copy.deepcopy(synthetic_document(scenarios=2, engines=("docker", "podman")))
    target = doc
    for part in path[:-1]:
        target = target[part]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)
