"""The build rules' evidence scenarios really contain what the rule detects.

Each Dockerfile-side rule (build format, build context) names scenarios that prove it
on real engines; linting those scenarios' own images (inline containerfiles and
context directories) must trigger the rule in every one, or the evidence cites the wrong scenario.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.lint.inputs import load_inputs
from harness.lint.registry import all_rules
from harness.lint.runner import Selection, lint
from harness.model.compose_file import env_file_entries

ROOT = Path(__file__).resolve().parents[2]
STATIC_FAMILIES = ("build_format", "build_context")


def scenario_files() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "scenarios").rglob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "id" in data:
            found[str(data["id"])] = path
    return found


def materialize(path: Path, into: Path) -> None:
    """The scenario's images as build contexts, `{{ base }}` made the local base name."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, image in (data.get("images") or {}).items():
        target = into / name
        if "context" in image:
            shutil.copytree(path.parent / image["context"], target)
        else:
            target.mkdir()
        dockerfile = target / image.get("file", "Dockerfile")
        if "containerfile" in image:
            dockerfile.write_text(image["containerfile"], encoding="utf-8")
        for file in [dockerfile, *target.glob("*.Containerfile")]:
            if file.exists():
                text = file.read_text(encoding="utf-8")
                file.write_text(text.replace("{{ base }}", "harness-fixture-base"))


RULES = [r for r in all_rules() if r.family in STATIC_FAMILIES and r.evidence]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_evidence_scenarios_trigger_the_rule(rule: Any, tmp_path: Path) -> None:
    files = scenario_files()
    triggered = []
    for scenario_id in rule.evidence:
        into = tmp_path / scenario_id
        into.mkdir()
        materialize(files[scenario_id], into)
        inputs = load_inputs([str(into)], frozenset({"harness-fixture-base"}))
        if lint(inputs, Selection(select=(rule.id,))):
            triggered.append(scenario_id)
    assert triggered == list(rule.evidence), f"{rule.id}: evidence without its trigger"


def compose_files(path: Path) -> list[Path]:
    """The compose files a scenario's compose_up steps bring up."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        path.parent / step["compose_up"]["file"]
        for step in data.get("steps") or []
        if isinstance(step, dict) and "compose_up" in step
    ]


def env_files(compose: Path) -> list[str]:
    """The env files a compose file's services name (relative to it)."""
    data: dict[str, Any] = yaml.safe_load(compose.read_text(encoding="utf-8"))
    return [
        path
        for service in (data.get("services") or {}).values()
        if isinstance(service, dict)
        for _, path in env_file_entries(service.get("env_file"))
    ]


def compose_cases() -> list[tuple[Any, list[str]]]:
    files = scenario_files()
    cases = []
    for rule in all_rules():
        with_compose = [s for s in rule.evidence if compose_files(files[s])]
        if with_compose:
            cases.append((rule, with_compose))
    return cases


COMPOSE_CASES = compose_cases()


@pytest.mark.parametrize(("rule", "scenarios"), COMPOSE_CASES, ids=[r.id for r, _ in COMPOSE_CASES])
def test_compose_evidence_triggers_the_rule(
    rule: Any, scenarios: list[str], tmp_path: Path
) -> None:
    files = scenario_files()
    for scenario_id in scenarios:
        for number, source in enumerate(compose_files(files[scenario_id])):
            into = tmp_path / f"{scenario_id}-{number}"
            into.mkdir()
            text = source.read_text(encoding="utf-8").replace("{{ base }}", "harness-fixture-base")
            (into / "compose.yaml").write_text(text, encoding="utf-8")
            for name in env_files(source):  # the rule may read them (PM303)
                (into / name).write_bytes((source.parent / name).read_bytes())
            inputs = load_inputs([str(into)], frozenset({"harness-fixture-base"}))
            assert lint(inputs, Selection(select=(rule.id,))), (rule.id, scenario_id)
