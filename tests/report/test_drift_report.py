"""The version drift section of report.html and summary.md, from documents built by
hand (pure logic): one block per (engine, older -> newer) pair, scenarios linked to
their rows, declarations beside the keys, nothing when no pair ran; and the same
across CI legs merged by `harness report a.json b.json`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.report import render_html, render_markdown
from harness.results.document import validate
from harness.results.drift import drift
from harness.results.merge import merge_documents
from tests.report.synthetic import engine_fingerprint, synthetic_document

VERSIONS = {"docker": "26.1.5+dfsg1", "podman": "4.3.1", "podman@5.4": "5.4.2"}


def _outcome(value: str, failed: tuple[str, ...] = ()) -> dict[str, Any]:
    checks = [{"key": k, "expected": 0, "actual": 1, "ok": False} for k in failed]
    return {
        "status": "fail" if failed else "pass",
        "duration_s": 1.0,
        "checks": checks,
        "observations": {"run.exit_code": value},
        "error": None,
        "leftovers": [],
    }


def _scenario(base: dict[str, Any], values: dict[str, str], **extra: Any) -> dict[str, Any]:
    failed = extra.pop("failed", {})
    engines = {n: _outcome(v, tuple(failed.get(n, ()))) for n, v in values.items()}
    differences = (
        [{"key": "run.exit_code", "values": values}] if len(set(values.values())) > 1 else []
    )
    return {**base, "engines": engines, "differences": differences, **extra}


def _document(versions: dict[str, str], run_id: str = "drift") -> dict[str, Any]:
    """docker, podman 4.3 and podman 5.4: one scenario fixed, one introduced, one unchanged."""
    names = tuple(versions)
    doc = synthetic_document(scenarios=3, engines=names, run_id=run_id)
    doc["engines"] = [engine_fingerprint(n, version=v) for n, v in versions.items()]
    fixed, new, same = doc["scenarios"]
    declared = {"engine": "podman@5.4", "key": "run.exit_code", "why": "was a bug"}
    doc["scenarios"] = [
        _scenario(
            fixed,
            {"docker": "0", "podman": "125", "podman@5.4": "0"},
            fixed_divergences=[{**declared, "versions": "<5.0", "fixed_in": "5.4.2"}],
        ),
        _scenario(
            new,
            {"docker": "0", "podman": "0", "podman@5.4": "127"},
            known_divergences=[{**declared, "why": "5.x creates it"}],
        ),
        _scenario(same, {n: "0" for n in names}, failed={"podman": ["run.stdout"]}),
    ]
    doc["scenarios"][2]["engines"]["podman@5.4"] = _outcome("0", ("run.stdout",))
    doc["drift"] = drift(doc)
    validate(doc)
    return doc


def test_html_has_one_block_per_pair_with_counts_and_row_links() -> None:
    doc = _document(VERSIONS)
    fixed, new, _ = (s["id"] for s in doc["scenarios"])
    html = render_html(doc)
    section = html[
        html.index('<section class="drift"') : html.index(
            "</section>", html.index('<section class="drift"')
        )
    ]
    assert section.count('<details class="drift-pair"') == 1
    assert (
        'podman <span class="ver">4.3.1</span> → podman@5.4 <span class="ver">5.4.2</span>'
        in section
    )
    assert "✓ 1 fixed" in section and "≠ 1 introduced" in section and "= 1 unchanged" in section
    assert "differs from <b>docker</b>" in section
    links = re.findall(r'<a href="#" class="row-link" data-row="([^"]+)">', section)
    assert links == [f"s-{fixed}", f"s-{new}"]
    for link in links:  # every link names a row of the matrix
        assert re.search(rf'<tr class="row [^"]+" id="{link}"', html)
    assert "declared fixed</span>" in section and "≈ declared</span>" in section


def test_markdown_lists_the_pair_and_each_scenario_that_moved() -> None:
    doc = _document(VERSIONS)
    fixed, new, same = (s["id"] for s in doc["scenarios"])
    md = render_markdown(doc)
    assert "## Version drift" in md
    assert "| podman | `podman` 4.3.1 | `podman@5.4` 5.4.2 | 1 | 1 | 0 | 1 | `docker` |" in md
    assert f"| ✓ fixed | `{fixed}` | `run.exit_code` (declared fixed) |" in md
    assert f"| ≠ introduced | `{new}` | `run.exit_code` (≈ declared) |" in md
    assert f"`{same}` | `run" not in md.split("## Version drift")[1].split("##")[0]


def test_declared_fixed_that_the_drift_did_not_see_is_still_shown() -> None:
    doc = _document(VERSIONS)
    same = doc["scenarios"][2]
    same["fixed_divergences"] = [
        {"engine": "podman@5.4", "key": "run.exit_code", "versions": "<5", "fixed_in": "5.4.2"}
    ]
    md = render_markdown(doc)
    assert f"| ✓ declared fixed in 5.4.2, not in the drift | `{same['id']}` |" in md
    html = render_html(doc)
    assert "Declared fixed in podman@5.4 5.4.2, not in the drift" in html
    assert f'data-row="s-{same["id"]}"' in html


def test_nothing_when_no_pair_ran() -> None:
    doc = _document({"docker": "26.1.5", "podman": "4.3.1"})
    assert doc["drift"] == []
    assert "Version drift" not in render_markdown(doc)
    assert "Version drift" not in render_html(doc)


def test_a_scenario_the_document_does_not_hold_is_shown_not_linked() -> None:
    doc = _document(VERSIONS)
    doc["drift"][0]["introduced"].append({"scenario": "ghost.row", "keys": ["k"]})
    html = render_html(doc)
    assert 'data-row="s-ghost.row"' not in html
    assert '<code>ghost.row</code> <span class="muted">(not in this report)</span>' in html


def test_docker_pair_compares_with_expectations_only() -> None:
    doc = _document({"docker": "20.10.24", "docker@26.1": "26.1.5", "podman": "4.3.1"})
    (entry,) = doc["drift"]
    assert (entry["engine"], entry["reference"]) == ("docker", None)
    md = render_markdown(doc)
    assert "| docker | `docker` 20.10.24 | `docker@26.1` 26.1.5 |" in md
    assert "expectations only" in md
    assert "docker is the reference, or none ran" in render_html(doc)


def _leg(column: str, run_id: str) -> dict[str, Any]:
    """One CI leg: docker, and the podman `column` of the three-engine document
    named plain `podman`, as that leg's own run names it."""
    doc = _document(VERSIONS, run_id)
    doc["engines"] = [
        {**e, "name": "podman"} if e["name"] == column else e
        for e in doc["engines"]
        if e["name"] in ("docker", column)
    ]
    for s in doc["scenarios"]:
        s["engines"] = {"docker": s["engines"]["docker"], "podman": s["engines"][column]}
        values = {n: o["observations"]["run.exit_code"] for n, o in s["engines"].items()}
        s["differences"] = [d for d in s["differences"] if len(set(values.values())) > 1]
        for d in s["differences"]:
            d["values"] = values
        for field in ("known_divergences", "fixed_divergences"):
            mine = [kd for kd in s.get(field, []) if kd["engine"] == column]
            s[field] = [{**kd, "engine": "podman"} for kd in mine]
    doc["drift"] = []
    validate(doc)
    return doc


def test_merged_legs_of_podman_4_3_and_5_4_render_their_drift() -> None:
    old, new = _leg("podman", "leg-debian12"), _leg("podman@5.4", "leg-debian13")
    fixed, introduced, _ = (s["id"] for s in old["scenarios"])
    merged = merge_documents([old, new])
    validate(merged)
    (entry,) = merged["drift"]
    assert (entry["from"], entry["to"]) == ("podman@4.3.1@synthetic", "podman@5.4.2@synthetic")
    assert [r["scenario"] for r in entry["fixed"]] == [fixed]
    assert [r["scenario"] for r in entry["introduced"]] == [introduced]
    html = render_html(merged)
    assert f'data-row="s-{fixed}"' in html and f'data-row="s-{introduced}"' in html
    assert "✓ 1 fixed" in html and "≠ 1 introduced" in html
    md = render_markdown(merged)
    assert "| `podman@4.3.1@synthetic` 4.3.1 | `podman@5.4.2@synthetic` 5.4.2 | 1 | 1 |" in md
    assert (
        f"| podman 4.3.1 → 5.4.2 | ✓ fixed | `{fixed}` | `run.exit_code` (declared fixed) |" in md
    )


@pytest.mark.browser
def test_a_drift_link_opens_its_row_even_when_a_filter_hid_it(browser: Any, tmp_path: Path) -> None:
    doc = _document(VERSIONS)
    new = doc["scenarios"][1]["id"]
    page = tmp_path / "report.html"
    page.write_text(render_html(doc), encoding="utf-8")
    browser.get(page.as_uri())
    from selenium.webdriver.support.ui import Select, WebDriverWait

    Select(browser.find_element("id", "f-area")).select_by_value(doc["scenarios"][0]["area"])
    row = browser.find_element("id", f"s-{new}")
    assert not row.is_displayed()
    browser.find_element("css selector", f'a.row-link[data-row="s-{new}"]').click()
    WebDriverWait(browser, 5).until(lambda b: row.is_displayed())
    opened = row.find_element("xpath", "following-sibling::tr[1]")
    assert "detail" in opened.get_attribute("class")
    assert browser.execute_script("return location.hash") == f"#s-{new}"
    assert browser.execute_script("return window.__pwned") is None


def test_harness_report_on_two_leg_files_writes_the_drift(tmp_path: Path) -> None:
    """The front door: `harness report a.json b.json` reads, merges and renders."""
    legs = []
    for column, run_id in (("podman", "leg-debian12"), ("podman@5.4", "leg-debian13")):
        path = tmp_path / f"{run_id}.json"
        path.write_text(json.dumps(_leg(column, run_id)))
        legs.append(str(path))
    assert main(["report", *legs, "--out", str(tmp_path / "out")]) in (0, 1)
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [(e["from"], e["to"]) for e in written["drift"]] == [
        ("podman@4.3.1@synthetic", "podman@5.4.2@synthetic")
    ]
    assert "≠ 1 introduced" in (tmp_path / "out" / "report.html").read_text()
    assert "## Version drift" in (tmp_path / "out" / "summary.md").read_text()
