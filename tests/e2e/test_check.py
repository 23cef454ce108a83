"""`harness check` end to end on real Docker and Podman: each fixture project with an
`expected-check.json` reports the expected verdicts and differences (at file:line), and
nothing labelled by the check is left on either engine.

Slow (a project takes 0.5-3 minutes): select one with `-k PROJECT`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.engines import create_engine
from harness.labels import RUN
from harness.model.versions import in_range, release

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
EXPECTED = sorted(p.parent.name for p in PROJECTS.glob("*/expected-check.json"))
ENGINES = ("docker", "podman")


def _engines_or_skip() -> None:
    for name in ENGINES:
        engine = create_engine(name)
        info = engine.info()
        engine.close()
        if not info.available:
            pytest.skip(f"{name} unavailable: {info.error}")


def _relative(location: dict[str, Any] | None, project: Path) -> tuple[str, int] | None:
    if location is None:
        return None
    return os.path.relpath(location["file"], project), location["line"]


def _for_versions(expected: dict[str, Any], versions: dict[str, str]) -> dict[str, Any]:
    """The expectation for these engine versions: each `on_versions` entry whose `when`
    ranges all match ({"podman": ">=5"}) overrides verdicts (per artifact), differences,
    reasons and exit_code. An engine's version stands for the tools its distribution ships with
    it (Debian 13: Podman 5.4 with podman-compose 1.3, Docker 26.1 with compose v2)."""
    merged = dict(expected)
    for entry in expected.get("on_versions", []):
        known = all(release(versions.get(e)) is not None for e in entry["when"])
        if known and all(in_range(spec, versions.get(e)) for e, spec in entry["when"].items()):
            merged["verdicts"] = {**merged["verdicts"], **entry.get("verdicts", {})}
            merged["differences"] = entry.get("differences", merged["differences"])
            merged["exit_code"] = entry.get("exit_code", merged["exit_code"])
            merged["reasons"] = entry.get("reasons", merged.get("reasons", {}))
    return merged


@pytest.mark.parametrize("name", EXPECTED)
def test_check_reports_the_expected_differences(name: str, tmp_path: Path) -> None:
    _engines_or_skip()
    project = PROJECTS / name
    expected = json.loads((project / "expected-check.json").read_text())
    argv = ["check", str(project), "--out", str(tmp_path), "--no-cache", "--quiet"]
    for engine in ENGINES:
        argv += ["--engine", engine]
    code = main(argv)
    document = json.loads((tmp_path / "results.json").read_text())
    versions = {e["name"]: str(e.get("version") or "") for e in document["engines"]}
    expected = _for_versions(expected, versions)
    check = document["check"]
    verdicts = {a["id"]: a["verdict"] for a in check["artifacts"]}
    reasons = {
        a["id"]: {n: (e["status"], e["reason"][:300]) for n, e in a["engines"].items()}
        for a in check["artifacts"]
    }
    differences = [
        (d["artifact"], d["key"], repr({k: v for k, v in d.items() if k != "location"})[:300])
        for d in check["differences"]
    ]
    got = {k: verdicts.get(k) for k in expected["verdicts"]}
    assert got == expected["verdicts"], (reasons, differences)  # both say why
    said = {a["id"]: {n: e["reason"] for n, e in a["engines"].items()} for a in check["artifacts"]}
    for artifact, words in expected.get("reasons", {}).items():
        for engine, text in words.items():  # an engine's failure, in its own words
            assert text in said[artifact][engine], (artifact, engine, said[artifact][engine])
    found = {
        (d["artifact"], d["key"]): _relative(d["location"], project) for d in check["differences"]
    }
    for want in expected["differences"]:
        key = (want["artifact"], want["key"])
        assert key in found, (key, sorted(found))
        if "file" in want:  # a version override may not know the location
            assert found[key] == (want["file"], want["line"]), (key, found[key])
    assert code == expected["exit_code"]
    assert check["leftovers"] == {e: [] for e in ENGINES}
    for engine_name in ENGINES:
        engine = create_engine(engine_name)
        left = engine.list_labelled({RUN: document["run"]["id"]})
        assert left == {"containers": [], "volumes": [], "networks": []}
        built = [
            refs[engine_name]
            for scenario in document["scenarios"]
            for refs in scenario.get("images", {}).values()
            if engine_name in refs
        ]
        kept = [ref for ref in built if engine.image_exists(ref)]
        engine.close()
        assert kept == [], f"{engine_name} kept images of the check: {kept}"
