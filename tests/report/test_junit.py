"""junit.xml: one testcase per scenario[engine], with failures, errors and skips."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.report.junit import render_junit
from tests.report.synthetic import INJECTION, synthetic_document


def test_one_testcase_per_scenario_engine() -> None:
    doc = synthetic_document(scenarios=40, engines=("docker", "podman", "crun-podman"))
    root = ET.fromstring(render_junit(doc))
    names = [c.get("name") for c in root.iter("testcase")]
    assert len(names) == 40 * 3 == len(set(names))
    assert f"{doc['scenarios'][0]['id']}[podman]" in names
    total = sum(int(s.get("tests", 0)) for s in root.iter("testsuite"))
    assert total == 120


def test_outcomes_map_to_junit_elements() -> None:
    doc = synthetic_document(scenarios=60, engines=("docker", "podman"), inject=True)
    root = ET.fromstring(render_junit(doc))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    for s in doc["scenarios"]:
        for engine, outcome in s["engines"].items():
            case = cases[f"{s['id']}[{engine}]"]
            kinds = {child.tag for child in case}
            if outcome["status"] == "error":
                assert kinds == {"error"}
            elif outcome["status"] == "unsupported":
                assert kinds == {"skipped"}
            elif outcome["status"] == "pass":
                assert kinds == set()
            elif s["verdict"] == "known-divergence":
                assert kinds == {"skipped"}
            else:
                assert kinds == {"failure"}
    failures = sum(int(s.get("failures", 0)) for s in root.iter("testsuite"))
    assert failures == sum(1 for c in root.iter("testcase") if c.find("failure") is not None)
    assert INJECTION not in render_junit(doc) or "&lt;script" in render_junit(doc)
