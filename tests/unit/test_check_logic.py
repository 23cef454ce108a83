"""Pure logic of `harness check`: manifests, differences, evidence, compose rendering,
project artifacts, the results section. Engine behaviour is in tests/e2e/test_check.py."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import yaml

from harness.check.artifact import Options
from harness.check.compose import selected_services
from harness.check.compose_render import host_access, render
from harness.check.diff import derive, fact_differences, fs_differences
from harness.check.document import to_document, verdict
from harness.check.evidence import all_scenarios, explain, explain_compose
from harness.check.manifest import read_manifest
from harness.check.model import Difference, EngineResult
from harness.check.project import load_project
from harness.check.report import write_check_reports
from harness.check.runner import ArtifactCheck, CheckRun
from harness.cli import main
from harness.engines.base import EngineInfo
from harness.project.compose import read_compose
from harness.project.dockerfile import read_dockerfile
from harness.results.document import validate

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "fixtures" / "projects"


def _tar(files: dict[str, bytes], uid: int = 0) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.uid, info.mode = len(data), uid, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _chunks(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_manifest_reads_a_stream_hashes_and_leaves_engine_paths_out() -> None:
    data = _tar({"app/a.txt": b"hello", ".dockerenv": b"", "etc/hosts": b"x", "dev/null": b""})
    manifest, cut = read_manifest(_chunks(data))
    assert not cut
    assert set(manifest) == {"app/a.txt"}
    assert manifest["app/a.txt"].size == 5
    assert manifest["app/a.txt"].sha256.startswith("2cf24dba")


def test_manifest_leaves_out_the_etc_entry_docker_adds_but_not_what_is_in_it() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in ("etc", "srv"):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        info = tarfile.TarInfo("etc/passwd")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"root"))
    manifest, _ = read_manifest([buffer.getvalue()])
    assert set(manifest) == {"srv", "etc/passwd"}


def test_manifest_stops_at_the_cap() -> None:
    data = _tar({f"f{i}": b"x" * 4096 for i in range(20)})
    manifest, cut = read_manifest(_chunks(data, 1024), cap=16 * 1024)
    assert cut
    assert 0 < len(manifest) < 20


def test_fs_differences_name_the_paths_only_one_engine_has_or_owns_differently() -> None:
    docker, _ = read_manifest([_tar({"app/.env": b"s", "app/x": b"1"})])
    podman, _ = read_manifest([_tar({"app/x": b"1"}, uid=1000)])
    found = {d.key: d for d in fs_differences("a", {"docker": docker, "podman": podman})}
    assert set(found) == {"fs:/app/.env", "fs:/app/x"}
    assert found["fs:/app/.env"].values["podman"] is None
    assert found["fs:/app/x"].values["podman"]["owner"] == "1000:0"


def test_fact_differences_compare_only_engines_that_ran() -> None:
    ran = EngineResult(facts={"image.user": "app", "run.stop_seconds": 0.4})
    other = EngineResult(facts={"image.user": "root", "run.stop_seconds": 10.2})
    broken = EngineResult(status="error", facts={})
    for result in (ran, other):
        derive(result.facts)
    found = fact_differences("a", {"docker": ran, "podman": other, "x": broken})
    assert {d.key for d in found} == {"image.user", "run.stop"}
    assert fact_differences("a", {"docker": ran, "x": broken}) == []


def test_builder_labels_are_not_a_difference() -> None:
    facts = {"image.labels": {"io.buildah.version": "1.28.2", "app": "1"}}
    derive(facts)
    assert facts["image.labels"] == {"app": "1"}


def test_a_hanging_up_points_at_the_healthy_condition_and_its_consequences_say_so() -> None:
    compose = read_compose(str(PROJECTS / "three-tier" / "compose.yaml"))
    hang = explain_compose(Difference("c", "up.exit_code", {"docker": 0, "podman": None}), compose)
    assert hang.location is not None and hang.location.line == 14  # api: depends_on db
    assert "did not return" in hang.cause and hang.scenarios == ("compose.health-gating",)
    facts = {"docker": {"web.state": "running"}, "podman": {"web.state": "missing"}}
    name = Difference("c", "api.resolves.web", {"docker": True, "podman": False})
    explained = explain_compose(name, compose, facts)
    assert explained.cause == "service web never started on podman, so its name resolves nowhere"
    assert explained.location is not None and explained.location.line == 15  # services.web
    plain = explain_compose(Difference("c", "api.resolves.web", {}), compose, {})
    assert "dns_servers" in plain.cause


def test_evidence_points_at_the_instruction_and_the_scenario() -> None:
    parsed = read_dockerfile(str(PROJECTS / "healthcheck-shell" / "Dockerfile"))
    diff = explain(Difference("x", "image.healthcheck", {}), parsed)
    assert diff.location is not None and diff.location.line == 5
    assert "healthchecks.image-oci-format" in diff.scenarios
    shell = explain(Difference("x", "image.shell", {}), parsed)
    assert shell.location is not None and shell.location.line == 2
    written = explain(Difference("x", "fs:/build-info", {}), parsed)
    assert written.location is not None and written.location.line == 3


def test_workdir_difference_is_explained_as_workdir() -> None:
    parsed = read_dockerfile(str(PROJECTS / "web-nonroot" / "Dockerfile"))
    diff = explain(Difference("x", "fs:/srv/www/site", {}), parsed)
    assert diff.location is not None and diff.location.line == 4
    assert diff.scenarios == ("builds.user-then-workdir",)


def test_every_evidence_scenario_exists_in_the_library() -> None:
    ids = set()
    for path in (ROOT / "scenarios").rglob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and "id" in doc:
            ids.add(doc["id"])
    assert all_scenarios() - ids == set()


def test_project_artifacts_are_the_compose_builds() -> None:
    project = load_project(str(PROJECTS / "three-tier"))
    assert sorted(a.id for a in project.artifacts) == ["api", "db", "web"]
    assert all(a.services for a in project.artifacts)
    only = load_project(str(PROJECTS / "three-tier"), ["web"])
    assert [a.id for a in only.artifacts] == ["web"]


def test_path_may_be_a_dockerfile_or_a_compose_file() -> None:
    single = load_project(str(PROJECTS / "web-nonroot" / "Dockerfile"))
    assert [a.id for a in single.artifacts] == ["dockerfile"]
    compose = load_project(str(PROJECTS / "three-tier" / "compose.yaml"))
    assert sorted(a.id for a in compose.artifacts) == ["api", "db", "web"]
    assert len(compose.compose_files()) == 1


def test_render_labels_everything_and_never_builds_or_pulls(tmp_path: Path) -> None:
    project = load_project(str(PROJECTS / "three-tier"))
    compose = project.compose_files()[0]
    labels = {"io.harness.run": "r"}
    out = yaml.safe_load(render(compose.data, {"web": "img-web"}, "/p", labels, tmp_path))
    assert out["services"]["web"]["image"] == "img-web"
    assert out["services"]["web"]["build"] == "/p/web"
    assert all(s["pull_policy"] == "never" for s in out["services"].values())
    assert all(s["labels"] == labels for s in out["services"].values())
    assert out["volumes"]["dbdata"]["labels"] == labels
    assert out["networks"]["default"]["labels"] == labels


def test_render_copies_env_files_beside_the_rendered_file(tmp_path: Path) -> None:
    """The rendered file's directory is the one a version surface sees; the project's is
    not. A missing file stays named, for the compose tool to report as it would."""
    project, into = tmp_path / "p", tmp_path / "out"
    project.mkdir()
    into.mkdir()
    (project / "worker.env").write_text('A="x y"\n')
    doc = {"services": {"w": {"image": "x", "env_file": ["worker.env", "gone.env"]}}}
    out = yaml.safe_load(render(doc, {}, str(project), {}, into))
    assert out["services"]["w"]["env_file"] == ["env-w-0", "gone.env"]
    assert (into / "env-w-0").read_text() == 'A="x y"\n'
    assert not (into / "env-w-1").exists()


def test_service_selection_takes_dependencies_along() -> None:
    compose = load_project(str(PROJECTS / "three-tier")).compose_files()[0]
    assert sorted(selected_services(compose, ("web",))) == ["api", "db", "web"]
    assert selected_services(compose, ("db",)) == ["db"]
    assert sorted(selected_services(compose, ())) == ["api", "db", "web"]


def test_host_access_is_refused() -> None:
    service = {"network_mode": "host", "volumes": ["/:/host:ro", "./data:/data"]}
    found = host_access("s", service, "/project")
    assert any("network_mode" in f for f in found)
    assert any("/:/host" in f or "host path /" in f for f in found)
    assert host_access("s", {"volumes": ["./data:/data"]}, "/project") == []


def test_unparseable_file_exits_2_before_any_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM harness-fixture-base\nFROBNICATE x\n")
    code = main(
        ["check", str(tmp_path), "--engine", "no-such-engine", "--out", str(tmp_path / "o")]
    )
    assert code == 2
    assert "Dockerfile:2:1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_document_section_validates_and_verdicts() -> None:
    project = load_project(str(PROJECTS / "web-nonroot"))
    run = CheckRun(project, [], Options(run_id="20260101T000000Z-abcdef"))
    artifact = project.artifacts[0]
    same = ArtifactCheck(artifact, {"docker": EngineResult(), "podman": EngineResult()})
    diff = Difference(artifact.id, "image.healthcheck", {"docker": ["CMD"], "podman": None})
    differs = ArtifactCheck(
        artifact, dict(same.results), differences=[explain(diff, project.dockerfile(artifact))]
    )
    lonely = ArtifactCheck(
        artifact, {"docker": EngineResult(), "podman": EngineResult(status="unsupported")}
    )
    assert (verdict(same), verdict(differs), verdict(lonely)) == (
        "portable",
        "divergent",
        "unsupported",
    )
    run.artifacts = [same, differs]
    info = EngineInfo(name="docker", available=True)
    document = to_document(run, [], [info])
    validate(document)
    located = document["check"]["differences"][0]
    assert located["location"]["line"] == 6 and located["scenarios"]


def test_reports_put_the_project_view_first(tmp_path: Path) -> None:
    project = load_project(str(PROJECTS / "web-nonroot"))
    run = CheckRun(project, [], Options(run_id="20260101T000000Z-abcdef"))
    artifact = project.artifacts[0]
    diff = Difference(artifact.id, "image.healthcheck", {"docker": ["<CMD>"], "podman": None})
    results = {"docker": EngineResult(), "podman": EngineResult()}
    run.artifacts = [
        ArtifactCheck(artifact, results, differences=[explain(diff, project.dockerfile(artifact))])
    ]
    document = to_document(run, [], [EngineInfo(name="docker", available=True)])
    write_check_reports(document, tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert page.index('id="your-project"') < page.index("</body>")
    assert "&lt;CMD&gt;" in page and "<CMD>" not in page
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("# Your project")
    assert "Dockerfile:6" in summary and "healthchecks.image-oci-format" in summary
    assert (tmp_path / "junit.xml").exists()
