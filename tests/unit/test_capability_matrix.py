"""The capability matrix in summary.md and report.html, and the kube YAML rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.model import kube_file
from harness.report.capabilities import markdown_lines
from harness.report.html import render_html
from harness.report.markdown import render_markdown
from harness.results.document import validate
from tests.report.synthetic import synthetic_document

ENGINES = [
    {
        "name": "docker",
        "available": True,
        "capabilities": {
            "network.macvlan": {"supported": True, "reason": ""},
            "pod": {"supported": False, "reason": "docker: unknown command: docker pod"},
        },
    },
    {
        "name": "podman",
        "available": True,
        "capabilities": {
            "network.macvlan": {"supported": True, "reason": ""},
            "pod": {"supported": True, "reason": ""},
        },
    },
    {"name": "old", "available": True},  # not probed: left out of the matrix
]


def _doc() -> dict[str, Any]:
    return {"run": {"id": "r"}, "engines": ENGINES, "scenarios": []}


def test_matrix_rows_marks_and_footnoted_reasons() -> None:
    lines = markdown_lines(_doc())
    assert "| capability | docker | podman |" in lines
    assert "| `network.macvlan` | ✔ | ✔ |" in lines
    assert "| `pod` | ✘ [1] | ✔ |" in lines
    assert "1. docker, pod: docker: unknown command: docker pod" in lines


def test_no_probed_engine_no_matrix() -> None:
    assert markdown_lines({"engines": [{"name": "x", "available": True}]}) == []


def test_summary_has_the_matrix_before_the_verdicts() -> None:
    text = render_markdown(_doc())
    assert text.index("## Capabilities") < text.index("| verdict | scenarios |")


def test_kube_render_never_pulls_labels_pods_and_makes_names_unique(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n"
        "  - {name: web, image: '{{ base }}'}\n  - {name: db, image: '{{ images.db }}'}\n"
    )
    docs = kube_file.load(path)
    assert kube_file.problems(docs, {"db"}) == []
    assert kube_file.container_names(docs) == ["db", "web"]
    out = yaml.safe_load(
        kube_file.render(docs, {"base": "localhost/b:1", "db": "localhost/d:2"}, {"k": "v"}, "x1")
    )
    assert out["metadata"]["name"] == "app-x1"
    assert out["metadata"]["labels"] == {"k": "v"}
    images = {c["name"]: (c["image"], c["imagePullPolicy"]) for c in out["spec"]["containers"]}
    assert images == {"web": ("localhost/b:1", "Never"), "db": ("localhost/d:2", "Never")}


def test_kube_file_naming_another_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(
        "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: busybox}]}\n"
    )
    assert "image must be" in kube_file.problems(kube_file.load(path), set())[0]


def test_report_html_shows_the_matrix_with_reasons_escaped() -> None:
    document = synthetic_document(2, engines=("docker", "podman"))
    document["engines"][0]["capabilities"] = {
        "pod": {"supported": False, "reason": "docker: unknown <b>command</b>"},
        "network.macvlan": {"supported": True, "reason": ""},
    }
    document["engines"][1]["capabilities"] = {
        "pod": {"supported": True, "reason": ""},
        "network.macvlan": {"supported": True, "reason": ""},
    }
    validate(document)
    html = render_html(document)
    matrix = html[html.index('class="capabilities"') : html.index("</section>")]
    assert matrix.index("<code>pod</code>") < matrix.index("<code>network.macvlan</code>")
    assert 'title="docker: unknown &lt;b&gt;command&lt;/b&gt;"' in matrix
    assert "<b>command</b>" not in html
