"""Redaction that cannot destroy results: every place a secret comes from, owned
fields never touched, unsafe secrets warned about instead of applied, and an
invalid document still written to a side file."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path

import pytest

from harness.model.redact import MASK, Secret, scenario_secrets
from harness.model.scenario import Scenario
from harness.results.document import ResultsInvalid, validate, write_results
from harness.results.redaction import redact_document, text_redactor
from tests.report.synthetic import synthetic_document

COMPOSE = """\
services:
  a:
    image: "{{ base }}"
    environment: {DB_PASSWORD: compose-map-secret, PLAIN: not-a-secret, CI_TOKEN: null}
  b:
    image: "{{ base }}"
    environment: ["API_KEY=compose-list-secret", "HOST_ONLY", "OTHER=plain"]
"""
CONTAINERFILE = """\
FROM x
ENV API_TOKEN legacy-env-secret with spaces
ENV SECRET_A="quoted-secret" PLAIN=x
ENV DB_PASSWORD \\
    continued-secret
ARG AUTH_KEY=arg-secret
"""


def _scenario(steps: list[dict[str, object]], **extra: object) -> Scenario:
    return Scenario.model_validate(
        {"schema": 1, "id": "a.b", "area": "a", "title": "t", "refs": ["https://x"],
         "steps": steps, **extra}
    )  # fmt: skip


def test_every_source_of_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_TOKEN", "ci-token-from-host")
    monkeypatch.setenv("HOST_ONLY", "host-only-value")
    monkeypatch.setenv("PASSED_THROUGH", "passed-through-value")
    monkeypatch.setenv("GLUED", "glued-value")
    (tmp_path / "contexts").mkdir()
    (tmp_path / "contexts" / "app.yaml").write_text(COMPOSE)
    s = _scenario(
        [
            {"cli": {"name": "c", "image": "base",
                     "options": ["-e", "PASSED_THROUGH", "-eGLUED", "--env=CI_TOKEN",
                                 "-e", "NOT_SET_ANYWHERE", "--env", "X_TOKEN=cli-secret"]}},
            {"compose_up": {"name": "up", "file": "contexts/app.yaml"}},
        ],
        images={"app": {"containerfile": CONTAINERFILE}},
    )  # fmt: skip
    found = {(x.key, x.value) for x in scenario_secrets(s, tmp_path)}
    assert found == {
        ("PASSED_THROUGH", "passed-through-value"),
        ("GLUED", "glued-value"),
        ("CI_TOKEN", "ci-token-from-host"),
        ("X_TOKEN", "cli-secret"),
        ("DB_PASSWORD", "compose-map-secret"),
        ("API_KEY", "compose-list-secret"),
        ("HOST_ONLY", "host-only-value"),
        ("API_TOKEN", "legacy-env-secret with spaces"),
        ("SECRET_A", "quoted-secret"),
        ("DB_PASSWORD", "continued-secret"),
        ("AUTH_KEY", "arg-secret"),
    }


def _document_with(secret_text: str) -> dict[str, object]:
    doc = synthetic_document(scenarios=4, engines=("docker", "podman"))
    scenario = doc["scenarios"][0]
    scenario["steps"][0]["env"] = {"DB_PASSWORD": "docker", "HOME": "/root"}
    for outcome in scenario["engines"].values():
        outcome["observations"]["s0.stdout"] = f"engine docker said {secret_text}\n"
        outcome["observations"]["s0.inspect.Config.Env"] = ["DB_PASSWORD=docker", "A=b"]
    return doc


def test_owned_fields_untouched_and_common_secrets_only_warned_about() -> None:
    doc = _document_with("hunter2-long-secret")
    secrets = [
        Secret("DB_PASSWORD", "docker", "a.b"),
        Secret("X_TOKEN", "portable", "a.b"),
        Secret("AUTH", "pass", "a.b"),
        Secret("K_KEY", "abc", "a.b"),
        Secret("API_KEY", "hunter2-long-secret", "a.b"),
    ]
    out = redact_document(copy.deepcopy(doc), secrets)
    validate(out)
    assert out["engines"] == doc["engines"]
    assert [s["verdict"] for s in out["scenarios"]] == [s["verdict"] for s in doc["scenarios"]]
    first = out["scenarios"][0]
    assert {o["status"] for o in first["engines"].values()} <= {"pass", "fail"}
    assert [c["key"] for c in first["engines"]["docker"]["checks"]] == [
        c["key"] for c in doc["scenarios"][0]["engines"]["docker"]["checks"]
    ]
    obs = first["engines"]["docker"]["observations"]
    assert obs["s0.stdout"] == f"engine docker said {MASK}\n"  # the safe one is masked
    assert obs["s0.inspect.Config.Env"] == [f"DB_PASSWORD={MASK}", "A=b"]  # by its key
    assert first["steps"][0]["env"] == {"DB_PASSWORD": MASK, "HOME": "/root"}
    warnings = out["run"]["warnings"]
    assert len(warnings) == 4
    assert all(w.startswith("secret ") and "not masked in free text" in w for w in warnings)
    for value in ("docker", "portable", "abc"):
        assert not any(value in w for w in warnings), value
    assert "shorter than" in " ".join(warnings) and "word the results" in " ".join(warnings)


def test_text_redactor_refuses_the_same_unsafe_secrets() -> None:
    mask = text_redactor(
        [Secret("A_KEY", "podman", "s"), Secret("B_KEY", "s3cr3t-build-arg", "s")],
        ["a.b", "docker"],
    )
    line = "  fail  a.b [podman] 1.0s (RUN echo s3cr3t-build-arg: exit 1)"
    assert mask(line) == f"  fail  a.b [podman] 1.0s (RUN echo {MASK}: exit 1)"


def test_invalid_results_go_to_a_private_side_file(tmp_path: Path) -> None:
    doc = synthetic_document(scenarios=2, engines=("docker",))
    doc["scenarios"][1]["verdict"] = MASK  # what blind redaction of "portable" used to do
    target = tmp_path / "out" / "results.json"
    with pytest.raises(ResultsInvalid) as caught:
        write_results(target, doc)
    side = tmp_path / "out" / "results.invalid.json"
    assert "$.scenarios[1].verdict" in str(caught.value) and str(side) in str(caught.value)
    assert not target.exists()
    assert stat.S_IMODE(side.stat().st_mode) == 0o600
    assert json.loads(side.read_text())["scenarios"][1]["verdict"] == MASK
