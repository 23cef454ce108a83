"""results.json: built from a run, valid against the published schema, written atomically."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from harness.engines.base import EngineInfo
from harness.model.loader import load_scenario
from harness.report import write_reports
from harness.results.document import read_results, to_document, validate, write_atomic
from harness.run.runner import RunResult, ScenarioResult
from harness.verdict.compare import EngineOutcome, run_checks

from .test_loader import GOOD


def make_document(tmp_path: Path) -> dict[str, object]:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    loaded = load_scenario(path)
    obs = {"first.exit_code": 0, "first.stdout": "<script>alert(1)</script>\n"}
    out = EngineOutcome("pass", 0.1, run_checks(loaded.scenario, obs), obs)
    engines = [
        EngineInfo("docker", True, version="20.10"),
        EngineInfo("podman", False, error="socket missing"),
    ]
    run = RunResult(
        "r1",
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:01+00:00",
        engines,
        [
            ScenarioResult(
                loaded, {"docker": out, "podman": EngineOutcome("error", error="down")}, "error"
            )
        ],
    )
    return to_document(run)


def test_document_is_valid_and_complete(tmp_path: Path) -> None:
    doc = make_document(tmp_path)
    validate(doc)
    scenario = doc["scenarios"][0]  # type: ignore[index]
    assert scenario["line"] == 2
    assert scenario["engines"]["docker"]["checks"][0]["ok"] is True


def test_schema_rejects_unknown_verdict(tmp_path: Path) -> None:
    doc = make_document(tmp_path)
    doc["scenarios"][0]["verdict"] = "fine"  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_write_reports_writes_all_four(tmp_path: Path) -> None:
    paths = write_reports(make_document(tmp_path), tmp_path / "out")
    assert [p.name for p in paths] == ["results.json", "report.html", "junit.xml", "summary.md"]
    assert read_results(paths[0])["run"]["id"] == "r1"
    html = paths[1].read_text()
    assert "<script>alert(1)</script>" not in html


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
