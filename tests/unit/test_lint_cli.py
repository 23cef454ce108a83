"""`harness lint`: exit codes, formats (text, JSON Schema, SARIF 2.1.0), --explain,
suppression, --results measurement, docs/rules.md and the fixture projects."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.cli import main
from harness.lint.docs import DOCS_PATH, render_markdown
from harness.lint.findings import Finding
from harness.lint.inputs import load_inputs
from harness.lint.measured import apply, read_evidence
from harness.lint.runner import lint

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "fixtures" / "projects"
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


def run_lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_project_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_lint(
        capsys, str(PROJECTS / "clean-app"), "--local-image", "harness-fixture-base"
    )
    assert (code, out) == (0, "No findings.\n")


def test_findings_exit_one_in_ruff_style(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_lint(capsys, str(PROJECTS / "healthcheck-shell"))
    lines = out.splitlines()
    assert code == 1
    assert re.fullmatch(r".*healthcheck-shell/Dockerfile:1:6: PM201 \[breaks\] .*", lines[0])
    assert lines[-1] == "Found 3 findings (3 breaks)."


def test_bad_input_exits_two_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM a\nRUN true\nCOPPY x y\n")
    code, _, err = run_lint(capsys, str(tmp_path))
    assert code == 2
    assert err == f"{tmp_path}/Dockerfile:3:1: unknown instruction COPPY\n"
    (tmp_path / "Dockerfile").write_text("FROM a\n")
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    ports: [80:80\n")
    code, _, err = run_lint(capsys, str(tmp_path))
    assert code == 2 and err.startswith(f"{tmp_path}/compose.yaml:4:1: invalid YAML")
    code, _, err = run_lint(capsys, str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err


def test_min_severity_select_and_ignore(capsys: pytest.CaptureFixture[str]) -> None:
    project = str(PROJECTS / "node-exporter")
    local = ("--local-image", "harness-fixture-base")
    code, out, _ = run_lint(capsys, project, *local, "--min-severity", "differs")
    assert code == 1 and "PM601" not in out and "PM503" in out
    code, out, _ = run_lint(capsys, project, *local, "--select", "PM6")
    assert [line.split()[1] for line in out.splitlines()[:-1]] == ["PM601"]
    code, out, _ = run_lint(
        capsys, project, *local, "--ignore", "PM4", "--ignore", "host-network", "--ignore", "PM6"
    )
    assert (code, out) == (0, "No findings.\n")


def test_json_output_matches_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads((ROOT / "harness/schemas/lint-1.schema.json").read_text())
    code, out, _ = run_lint(capsys, str(PROJECTS), "--format", "json")
    document = json.loads(out)
    jsonschema.Draft202012Validator(schema).validate(document)
    assert code == 1 and document["summary"]["breaks"] > 0


@pytest.fixture(scope="session")
def sarif_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The SARIF 2.1.0 schema as shipped in an npm package (not a copy from GitHub)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch the SARIF schema package")
    where = tmp_path_factory.mktemp("sarif")
    done = subprocess.run(
        [npm, "pack", SARIF_PACKAGE, "--pack-destination", str(where)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with tarfile.open(next(where.glob("*.tgz"))) as archive:
        member = archive.extractfile(SARIF_MEMBER)
        assert member is not None
        loaded: dict[str, Any] = json.load(member)
    return loaded


def test_sarif_is_valid_sarif_2_1_0(
    sarif_schema: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_lint(capsys, str(PROJECTS), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and len(run["results"]) >= 40
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["helpUri"].startswith("https://") and rule["fullDescription"]["text"]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_schema_rejects_a_broken_log(sarif_schema: dict[str, Any]) -> None:
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate(broken)


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_lint(capsys, "--explain", "PM111")
    assert code == 0 and out.startswith("PM111 (both-ignore-files): ")
    assert "Evidence:  builds.ignore-both" in out
    assert run_lint(capsys, "--explain", "user-then-workdir")[1].startswith("PM113 ")
    assert run_lint(capsys, "--explain", "PM999")[0] == 2


def test_docs_rules_md_is_current() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: run `python -m harness.lint.docs`"
    )


def test_inline_suppression(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM harness-fixture-base\n"
        "# harness: ignore[PM101]\n"
        "HEALTHCHECK CMD true\n"
        "# harness: ignore[PM999, PM102]\n"
        'SHELL ["/bin/sh", "-c"]\n'
        "ONBUILD RUN true\n"
    )
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a:\n    build: .\n    restart: always  # harness: ignore[PM402]\n"
        "    dns: [1.1.1.1]\n"
    )
    inputs = load_inputs([str(tmp_path)], frozenset({"harness-fixture-base"}))
    assert [f.rule.id for f in lint(inputs)] == ["PM103", "PM506"]


def results_document(
    outcomes: dict[str, dict[str, str]], kds: dict[str, list[str]]
) -> dict[str, Any]:
    """A results.json as `harness run` writes it (validated against its schema below)."""

    def engine(status: str) -> dict[str, Any]:
        return {
            "status": status,
            "duration_s": 1.0,
            "checks": [],
            "observations": {},
            "error": None,
        }

    scenarios = []
    for sid, per_engine in outcomes.items():
        declared = [{"engine": e, "key": "k"} for e in kds.get(sid, [])]
        verdict = "known-divergence" if declared else "portable"
        scenarios.append(
            {
                "id": sid,
                "area": sid.split(".")[0],
                "title": sid,
                "file": "x.yaml",
                "verdict": verdict,
                "engines": {n: engine(s) for n, s in per_engine.items()},
                "differences": [],
                "known_divergences": declared,
            }
        )
    return {
        "schema": "harness.results/1",
        "run": {"id": "r", "started": "t0", "finished": "t1"},
        "engines": [
            {"name": "docker", "available": True, "version": "20.10.24+dfsg1"},
            {"name": "podman", "available": True, "version": "4.3.1"},
        ],
        "scenarios": scenarios,
    }


def test_results_measure_findings(tmp_path: Path) -> None:
    from harness.results.document import results_schema

    document = results_document(
        {
            "builds.ignore-both": {"docker": "pass", "podman": "fail"},
            "volumes.nonroot-ownership": {"docker": "pass", "podman": "pass"},
        },
        {"builds.ignore-both": ["podman"]},
    )
    jsonschema.Draft202012Validator(results_schema()).validate(document)
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document))
    inputs = load_inputs(
        [
            str(PROJECTS / "node-nonroot"),
            str(PROJECTS / "postgres-healthy"),
            str(PROJECTS / "uv-buildkit"),
        ],
        frozenset({"harness-fixture-base"}),
    )
    findings = lint(inputs)
    apply(findings, read_evidence([str(results)]))
    by_rule: dict[str, Finding] = {f.rule.id: f for f in findings}
    both = by_rule["PM111"]
    assert (both.severity, both.measurement and both.measurement.note) == (
        "breaks",
        "reproduced on podman 4.3.1",
    )
    volume = by_rule["PM603"]
    assert (volume.severity, volume.measurement and volume.measurement.note) == (
        "info",
        "not reproduced on podman 4.3.1",
    )
    heredoc = by_rule["PM121"]  # podman <4.8: applies to 4.3.1, no evidence scenario
    assert heredoc.severity == "breaks"
    assert heredoc.measurement and heredoc.measurement.status == "unmeasured"


def test_results_version_range_excludes(tmp_path: Path) -> None:
    document = results_document({}, {})
    document["engines"][1]["version"] = "5.4.2"
    results = tmp_path / "results.json"
    results.write_text(json.dumps(document))
    inputs = load_inputs([str(PROJECTS / "uv-buildkit")], frozenset({"harness-fixture-base"}))
    findings = lint(inputs)
    apply(findings, read_evidence([str(results)]))
    heredoc = next(f for f in findings if f.rule.id == "PM121")
    assert heredoc.severity == "info"
    assert heredoc.measurement and heredoc.measurement.note == (
        "not applicable to podman 5.4.2 (podman <4.8)"
    )


def test_bad_results_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "r.json").write_text("{}")
    code, _, err = run_lint(
        capsys, str(PROJECTS / "clean-app"), "--results", str(tmp_path / "r.json")
    )
    assert code == 2 and "not a harness results.json" in err


def test_fixture_projects_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "lint_precision", ROOT / "scripts" / "lint_precision.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([]) == 0
    out = capsys.readouterr().out
    assert "precision 1.000  recall 1.000" in out
    assert len([p for p in PROJECTS.iterdir() if p.is_dir()]) >= 10
