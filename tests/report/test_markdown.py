"""summary.md for CI job summaries."""

from __future__ import annotations

from harness.report.markdown import MAX_ROWS, render_markdown
from harness.results.merge import merge_documents
from tests.report.synthetic import synthetic_document


def test_counts_and_attention_table() -> None:
    doc = synthetic_document(scenarios=50, engines=("docker", "podman"))
    md = render_markdown(doc)
    assert md.startswith("# Container portability report")
    portable = sum(1 for s in doc["scenarios"] if s["verdict"] == "portable")
    assert f"| ✓ portable | {portable} |" in md
    assert "| scenario | verdict | docker | podman | why |" in md
    for s in doc["scenarios"]:
        assert (f"`{s['id']}`" in md) == (
            s["verdict"] != "portable" or bool(s["stale_divergences"])
        )


def test_pipes_and_newlines_do_not_break_tables() -> None:
    doc = synthetic_document(scenarios=20, engines=("docker", "podman"))
    bad = next(s for s in doc["scenarios"] if s["verdict"] == "divergent")
    bad["differences"][0]["values"]["docker"] = "a|b\nc"
    md = render_markdown(doc)
    line = next(x for x in md.splitlines() if f"`{bad['id']}`" in x and x.startswith("|"))
    assert "docker='a\\|b\\\\nc'" in line  # pipe escaped, newline written as \n


def test_stays_short_at_scale_and_flags_stale_and_split_runs() -> None:
    a = synthetic_document(scenarios=500, run_id="a")
    b = synthetic_document(scenarios=500, run_id="b", seed=9)
    md = render_markdown(merge_documents([a, b]))
    assert len(md.encode()) < 1_000_000
    assert "more: see report.html" in md
    assert md.count("\n| `") == MAX_ROWS
    assert "Stale known divergences" in md
    assert "Verdict differs between merged runs" in md
