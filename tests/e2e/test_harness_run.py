"""`harness run` end to end on the entrypoint area, against both real engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.results.document import validate

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.engine, pytest.mark.slow]


def harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="module")
def entrypoint_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("report")
    done = harness(
        "run",
        "scenarios/entrypoint",
        "--engine",
        "docker",
        "--engine",
        "podman",
        "--out",
        str(out),
        "-j",
        "2",
        "-q",
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, out


def test_every_entrypoint_scenario_ran_on_both(entrypoint_run: tuple[int, Path]) -> None:
    _, out = entrypoint_run
    document = json.loads((out / "results.json").read_text())
    validate(document)
    assert {e["name"] for e in document["engines"] if e["available"]} == {"docker", "podman"}
    assert document["scenarios"], "no scenarios ran"
    for scenario in document["scenarios"]:
        assert scenario["verdict"] != "error", scenario["id"]
        assert set(scenario["engines"]) == {"docker", "podman"}
        for name, outcome in scenario["engines"].items():
            assert outcome["leftovers"] == [], (scenario["id"], name)
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (out / name).stat().st_size > 0


def test_no_labelled_resources_remain(entrypoint_run: tuple[int, Path]) -> None:
    _, out = entrypoint_run
    run_id = json.loads((out / "results.json").read_text())["run"]["id"]
    for cli in (["docker"], ["podman", "--url", "unix:///run/podman/podman.sock"]):
        for kind in (["ps", "-a"], ["volume", "ls"], ["network", "ls"]):
            done = subprocess.run(
                [*cli, *kind, "-q", "--filter", f"label=io.harness.run={run_id}"],
                capture_output=True,
                text=True,
                check=True,
            )
            assert done.stdout.strip() == "", (cli, kind)


def test_validate_reports_position_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema: 1\nid: x.y\narea: x\ntitle: t\nrefs: [https://a.invalid]\n"
        "steps:\n  - run: {name: a, image: base, comand: [true]}\n"
    )
    done = harness("validate", str(bad))
    assert done.returncode == 2
    assert f"{bad}:7:33: " in done.stderr and "unknown key 'comand'" in done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_engine_is_reported_and_others_kept(tmp_path: Path) -> None:
    done = harness(
        "run",
        "scenarios/entrypoint/exec-entry-exec-cmd.yaml",
        "--engine",
        "docker",
        "--engine",
        "podman",
        "--url",
        "podman=unix:///nonexistent.sock",
        "--out",
        str(tmp_path),
        "-q",
    )
    assert done.returncode == 3, done.stdout + done.stderr
    document = json.loads((tmp_path / "results.json").read_text())
    engines = {e["name"]: e for e in document["engines"]}
    assert engines["podman"]["available"] is False
    scenario = document["scenarios"][0]
    assert scenario["engines"]["docker"]["status"] in ("pass", "fail")
    assert scenario["engines"]["podman"]["status"] == "error"
    assert (tmp_path / "report.html").exists()
