"""The same redaction on both front doors, on Docker: `harness run` (results,
reports, the progress line quoting a build error) and the pytest plugin
(results.json, reports, failure output, pytest's own --junitxml), with secrets
set in every form: run env, the legacy `ENV KEY value`, and one equal to a word
the results use, which must be warned about and leave the results valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.results.document import validate

pytestmark = [pytest.mark.engine]

SECRETS = ("run-env-secret-4242", "legacy-env-secret-4242")
SCENARIO = """\
schema: 1
id: redact.front-doors
area: redact
title: Secrets in every form stay out of every output
refs: [https://docs.docker.com/reference/dockerfile/#env]
images:
  app:
    containerfile: |
      FROM {{ base }}
      ENV API_TOKEN legacy-env-secret-4242
steps:
  - run: {name: show, image: app, env: {DB_PASSWORD: run-env-secret-4242, WEAK_TOKEN: docker},
          command: [sh, -c, 'echo "$DB_PASSWORD $API_TOKEN"']}
expect:
  show.stdout: "not what it prints\\n"
"""
TINY = """\
schema: 1
id: redact.tiny
area: redact
title: One echo
refs: [https://docs.docker.com/reference/cli/docker/container/run/]
steps:
  - run: {name: echo, image: base, command: [echo, hi]}
expect:
  echo.stdout: "hi\\n"
"""
BUILD_ERROR = """\
schema: 1
id: redact.build-error
area: redact
title: A build error quoting a secret is masked on the progress line
refs: [https://docs.docker.com/reference/dockerfile/#env]
images:
  app:
    containerfile: |
      FROM {{ base }}
      ENV API_TOKEN build-log-secret-4242
      COPY ${API_TOKEN} /nowhere
steps:
  - run: {name: r, image: app, command: ["true"]}
expect:
  r.exit_code: 0
"""


def _assert_clean(texts: dict[str, str], secrets: tuple[str, ...]) -> None:
    for name, text in texts.items():
        for secret in secrets:
            assert secret not in text, (name, secret)


def _outputs(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in out.iterdir()}


def _check_document(out: Path) -> None:
    document = json.loads((out / "results.json").read_text())
    validate(document)
    (scenario,) = [s for s in document["scenarios"] if s["id"] == "redact.front-doors"]
    assert scenario["verdict"] in ("failing", "unsupported")  # one engine: unsupported
    assert scenario["engines"]["docker"]["status"] == "fail"  # not `***`
    assert [e["name"] for e in document["engines"]] == ["docker"]
    (warning,) = document["run"]["warnings"]
    assert "WEAK_TOKEN" in warning and "word the results" in warning


def test_harness_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_text(SCENARIO)
    (tmp_path / "b.yaml").write_text(BUILD_ERROR)
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"),
                 "--engine", "docker", "--out", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code in (1, 3), captured.err
    _assert_clean({"stdout": captured.out, "stderr": captured.err, **_outputs(out)},
                  (*SECRETS, "build-log-secret-4242"))  # fmt: skip
    assert "redact.build-error [docker]" in captured.err and "***" in captured.err
    assert "warning: secret WEAK_TOKEN" in captured.err
    _check_document(out)


def test_pytest_front_door(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", scenario=SCENARIO)
    out, junit = pytester.path / "out", pytester.path / "pytest-junit.xml"
    result = pytester.runpytest(
        "--engine", "docker", "--compat-report", str(out), f"--junitxml={junit}"
    )
    result.assert_outcomes(failed=1)
    stdout = result.stdout.str()
    assert "expectation show.stdout on docker" in stdout and "***" in stdout
    assert "warning: secret WEAK_TOKEN" in stdout
    _assert_clean({"pytest output": stdout, "junitxml": junit.read_text(), **_outputs(out)},
                  SECRETS)  # fmt: skip
    assert "harness.outcome" in junit.read_text()  # the masked outcome is still there
    _check_document(out)


def test_invalid_results_are_kept_in_a_side_file_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real run whose document breaks the schema on the way out (fault injected after
    `to_document`): the raw results land in results.invalid.json, exit 3, the reason."""
    import harness.cli

    real = harness.cli.to_document

    def corrupted(run: Any) -> dict[str, Any]:
        document = real(run)
        document["scenarios"][0]["verdict"] = "***"  # what blind redaction once did
        return document

    monkeypatch.setattr(harness.cli, "to_document", corrupted)
    (tmp_path / "a.yaml").write_text(TINY)
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "a.yaml"), "--engine", "docker", "-q", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 3
    assert "$.scenarios[0].verdict" in err and "results.invalid.json" in err
    assert "Traceback" not in err and not (out / "results.json").exists()
    side = out / "results.invalid.json"
    assert oct(side.stat().st_mode & 0o777) == "0o600"
    assert json.loads(side.read_text())["scenarios"][0]["engines"]["docker"]["status"] == "pass"
