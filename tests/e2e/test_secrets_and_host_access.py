"""Secrets and host access, end to end on both engines: secret env values appear
in no output, engine output is escaped in the HTML, host binds and privileged
containers run only with their flags and are then flagged in every report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.crash_support import harness

pytestmark = [pytest.mark.engine, pytest.mark.slow]
SECRETS = [
    "run-env-secret-42",
    "image-env-secret-42",
    "detached-secret-42",
    "exec-secret-42",
    "cli-secret-42",
]
XSS = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
BOTH = ("--engine", "docker", "--engine", "podman")
OUTPUTS = ("results.json", "report.html", "junit.xml", "summary.md")

SCENARIO = """\
schema: 1
id: safety.secrets
area: safety
title: Secret env values never reach an output
refs: [https://docs.docker.com/reference/cli/docker/container/run/#env]
images:
  app:
    containerfile: |
      FROM {{ base }}
      ENV API_PASSWORD=image-env-secret-42
steps:
  - run: {name: show, image: app, env: {DB_PASSWORD: run-env-secret-42},
          command: [sh, -c, 'echo "$DB_PASSWORD $API_PASSWORD"; echo "$DB_PASSWORD" >&2']}
  - run: {name: box, image: base, command: [sleep, "30"], detach: true,
          env: {AUTH_TOKEN: detached-secret-42}}
  - exec: {name: ex, container: box, command: [sh, -c, 'echo "$AUTH_TOKEN $EXEC_SECRET"'],
           env: {EXEC_SECRET: exec-secret-42}}
  - cli: {name: c, image: base, options: [-e, 'CLI_KEY=cli-secret-42'],
          args: [sh, -c, 'echo "$CLI_KEY"']}
  - run: {name: xss, image: base, command: [echo, '@XSS@']}
expect:
  show.stdout: "run-env-secret-42 image-env-secret-42\\n"
  show.inspect.Config.Env: {present: true}
  ex.stdout: "detached-secret-42 exec-secret-42\\n"
  c.stdout: "cli-secret-42\\n"
  xss.exit_code: 0
""".replace("@XSS@", XSS.replace("'", "''"))


def test_no_secret_in_any_output_and_engine_output_escaped(tmp_path: Path) -> None:
    scenario = tmp_path / "secrets.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    done = harness("run", str(scenario), *BOTH, "-q", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((out / "results.json").read_text())
    (result,) = document["scenarios"]
    # the secrets really went through: every expectation on them held on both engines
    assert {n: o["status"] for n, o in result["engines"].items()} == {
        "docker": "pass",
        "podman": "pass",
    }
    for name in OUTPUTS:
        text = (out / name).read_text()
        for secret in SECRETS:
            assert secret not in text, (name, secret)
        if name in ("results.json", "report.html"):
            assert "***" in text, name
    html = (out / "report.html").read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert result["engines"]["docker"]["observations"]["xss.stdout"] == XSS + "\n"


HOST = """\
schema: 1
id: safety.host-access
area: safety
title: A host bind and a privileged container, allowed by flags
refs: [https://docs.docker.com/engine/storage/bind-mounts/]
steps:
  - run: {name: peek, image: base, command: [cat, /host/marker],
          mounts: [{type: bind, source: @DIR@, target: /host, read_only: true}]}
  # No expectation: on this host Docker cannot start privileged containers at all
  # ("unable to apply caps"); the point here is the flag, not the engines.
  - run: {name: priv, image: base, privileged: true, command: ["true"]}
expect:
  peek.stdout: "outside\\n"
"""


def test_host_access_needs_flags_and_is_flagged(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "marker").write_text("outside\n")
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    scenario = scenarios / "host.yaml"
    scenario.write_text(HOST.replace("@DIR@", str(outside)))
    refused = harness("run", str(scenario), *BOTH, "-q", "--out", str(tmp_path / "no"))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert f"{scenario}:8:" in refused.stderr and "--allow-host-binds" in refused.stderr
    assert f"{scenario}:11:" in refused.stderr and "--allow-privileged" in refused.stderr
    assert not (tmp_path / "no").exists()
    out = tmp_path / "out"
    done = harness(
        "run", str(scenario), *BOTH, "-q", "--out", str(out),
        "--allow-host-binds", "--allow-privileged",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = json.loads((out / "results.json").read_text())["scenarios"]
    assert result["host_access"] == [
        f"bind mount of host path '{outside}' (step 'peek')",
        "privileged container 'priv'",
    ]
    assert "HOST ACCESS" in (out / "report.html").read_text()
    assert "Host access" in (out / "summary.md").read_text()
