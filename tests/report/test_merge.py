"""`harness report a.json b.json`: runs from different hosts/versions side by side."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from harness.results.document import validate
from harness.results.merge import merge_documents
from tests.report.synthetic import engine_fingerprint, synthetic_document


def _legs() -> tuple[dict, dict]:  # type: ignore[type-arg]
    a = synthetic_document(scenarios=20, engines=("docker", "podman"), run_id="leg-a")
    b = synthetic_document(scenarios=20, engines=("docker", "podman"), run_id="leg-b", seed=11)
    b["engines"] = [engine_fingerprint(n, version="9.9", host="ci-2") for n in ("docker", "podman")]
    return a, b


def test_columns_of_both_runs_and_leg_verdicts() -> None:
    a, b = _legs()
    merged = merge_documents([a, b])
    validate(merged)
    names = [e["name"] for e in merged["engines"]]
    assert names == [
        "docker@1.0@synthetic", "podman@1.0@synthetic", "docker@9.9@ci-2", "podman@9.9@ci-2",
    ]  # fmt: skip
    assert len(merged["scenarios"]) == 20
    for s in merged["scenarios"]:
        assert set(s["engines"]) == set(names)
        assert [leg["run"] for leg in s["legs"]] == ["leg-a", "leg-b"]
    split = [s for s in merged["scenarios"] if len({g["verdict"] for g in s["legs"]}) > 1]
    assert split, "the two seeds should disagree somewhere"
    assert all(s["verdict"] != "portable" for s in split)


def test_unique_names_stay_plain_and_identical_clash_is_numbered() -> None:
    a = synthetic_document(scenarios=2, engines=("docker",), run_id="x")
    b = synthetic_document(scenarios=2, engines=("podman",), run_id="y")
    assert [e["name"] for e in merge_documents([a, b])["engines"]] == ["docker", "podman"]
    same = merge_documents([a, a])
    assert [e["name"] for e in same["engines"]] == [
        "docker@1.0@synthetic",
        "docker@1.0@synthetic#2",
    ]


def test_cross_leg_differences_cover_all_columns() -> None:
    a, b = _legs()
    merged = merge_documents([a, b])
    diff = next(s for s in merged["scenarios"] if s["differences"])
    assert len(diff["differences"][0]["values"]) == 4


def test_cli_report_merges_into_one_html(tmp_path: Path) -> None:
    a, b = _legs()
    for name, doc in (("a.json", a), ("b.json", b)):
        (tmp_path / name).write_text(json.dumps(doc))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "report", str(tmp_path / "a.json"),
         str(tmp_path / "b.json"), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1, 3), done.stderr  # 3: synthetic "error" verdicts
    html = (out / "report.html").read_text()
    headers = re.findall(r'<th scope="col" class="eng" data-engine="([^"]+)"', html)
    assert headers == ["docker@1.0@synthetic", "podman@1.0@synthetic", "docker@9.9@ci-2",
                       "podman@9.9@ci-2"]  # fmt: skip
    assert "RUNS DIFFER" in html and "Merged from 2 runs" in html
    validate(json.loads((out / "results.json").read_text()))
