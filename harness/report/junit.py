"""junit.xml: one testcase per scenario[engine], so CI shows each engine's result."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from harness.report.escape import xml_text
from harness.verdict.enums import Status


def _clean(text: object) -> str:
    """Any string from the document as XML 1.0 accepts it (attributes and text)."""
    return xml_text(text)


def render_junit(document: dict[str, Any]) -> str:
    suites = ET.Element("testsuites", name="harness")
    by_area: dict[str, list[dict[str, Any]]] = {}
    for scenario in document["scenarios"]:
        by_area.setdefault(scenario["area"], []).append(scenario)
    for area, scenarios in sorted(by_area.items()):
        suite = ET.SubElement(suites, "testsuite", name=_clean(area))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for scenario in scenarios:
            for engine, outcome in scenario["engines"].items():
                counts["tests"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=_clean(f"harness.{area}"),
                    name=_clean(f"{scenario['id']}[{engine}]"),
                    time=f"{outcome['duration_s']:.3f}",
                    file=_clean(scenario["file"]),
                )
                failed = [c for c in outcome["checks"] if not c["ok"]]
                explained = {
                    kd["key"]
                    for kd in scenario.get("known_divergences", [])
                    if kd.get("engine") == engine
                }
                if outcome["status"] == Status.ERROR:
                    counts["errors"] += 1
                    ET.SubElement(case, "error", message=_clean(outcome["error"] or "error"))
                elif outcome["status"] == Status.UNSUPPORTED:
                    counts["skipped"] += 1
                    ET.SubElement(case, "skipped", message=_clean(outcome["error"] or ""))
                elif failed and not all(c["key"] in explained for c in failed):
                    counts["failures"] += 1
                    body = "\n".join(
                        f"{c['key']}: expected {json.dumps(c['expected'])}, got "
                        f"{json.dumps(c['actual'])}"
                        for c in failed
                    )
                    node = ET.SubElement(case, "failure", message=f"{len(failed)} check(s) failed")
                    node.text = _clean(body)
                elif failed:
                    counts["skipped"] += 1
                    ET.SubElement(
                        case,
                        "skipped",
                        message=_clean(
                            "known divergence: "
                            + ", ".join(sorted(explained & {c["key"] for c in failed}))
                        ),
                    )
        for key, value in counts.items():
            suite.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
