"""Which observations a scenario asks about beyond what the steps recorded, read from
the raw documents the run kept: `STEP.inspect.PATH` from a step's inspect document,
`image.NAME.FIELD` from an image's. The runner offers the documents; only the
judging side reads `expect`, `compare` and the known divergences.
"""

from __future__ import annotations

from typing import Any, Protocol

from harness.model.scenario import KEY_MATCHERS, Scenario
from harness.verdict.observe import lookup


class Documents(Protocol):
    """Raw documents of one scenario's run on one engine, fetched on demand."""

    def step_document(self, step: str) -> dict[str, Any] | None: ...
    def image_document(self, name: str) -> dict[str, Any] | None: ...


def asked_keys(scenario: Scenario) -> list[str]:
    """Every observation key the scenario's expectations, comparisons and known
    divergences name, including the other side of a same_as/differs_from."""
    wanted = [*scenario.expect, *scenario.compare, *(kd.key for kd in scenario.known_divergences)]
    wanted += [
        str(exp[op])
        for exp in scenario.expect.values()
        if isinstance(exp, dict)
        for op in set(exp) & set(KEY_MATCHERS)
    ]
    return list(dict.fromkeys(wanted))


def resolve(scenario: Scenario, observations: dict[str, Any], docs: Documents) -> None:
    """Fill the asked `STEP.inspect.PATH` and `image.NAME.FIELD` keys into `observations`."""
    for key in asked_keys(scenario):
        head, _, rest = key.partition(".")
        if head == "image":
            name, _, fact = rest.partition(".")
            observations[key] = _image_fact(docs.image_document(name) or {}, fact)
        elif rest.startswith("parsed."):
            # A `cli` step's output read as JSON: `STEP.parsed.0.Driver`.
            observations[key] = lookup(observations.get(f"{head}.parsed"), rest[len("parsed.") :])
        elif rest.startswith("inspect."):
            document = docs.step_document(head)
            if document is not None:
                observations[key] = lookup(document, rest[len("inspect.") :])


def _image_fact(facts: dict[str, Any], fact: str) -> Any:
    if fact.startswith("inspect."):
        top, _, path = fact[len("inspect.") :].partition(".")
        value = facts.get(f"inspect.{top}")
        return lookup(value, path) if path else value
    return facts.get(fact)


def unasked_timeouts(scenario: Scenario, observations: dict[str, Any]) -> list[str]:
    """Steps that hung (their container was killed) although the scenario is not about
    that timeout (it does not name `STEP.timed_out`): the outcome is then an error."""
    asked = set(asked_keys(scenario))
    return [
        name
        for name in scenario.step_names
        if observations.get(f"{name}.timed_out") is True and f"{name}.timed_out" not in asked
    ]
