"""Redaction of secret env values and the host-access checks, on plain data."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.model.redact import MASK, redact, secret_values
from harness.model.scenario import Scenario
from harness.model.security import FORBIDDEN, HOST_BIND, PRIVILEGED, concerns


def scenario(steps: list[dict[str, object]], **extra: object) -> Scenario:
    return Scenario.model_validate(
        {"schema": 1, "id": "a.b", "area": "a", "title": "t", "refs": ["https://x"],
         "steps": steps, **extra}
    )  # fmt: skip


def test_secret_values_come_from_every_place_a_scenario_sets_env() -> None:
    s = scenario(
        [
            {"run": {"name": "r", "image": "base", "env": {"DB_PASSWORD": "p1", "PLAIN": "x1"}}},
            {"cli": {"name": "c", "image": "base", "options": ["-e", "API_KEY=p2", "--env=AUTH=p3"]}},  # noqa: E501
            {"exec": {"name": "e", "container": "r", "command": ["x"], "env": {"TOKEN": "p4"}}},
        ],
        images={"app": {"containerfile": "FROM x\nENV SECRET_A=p5 OTHER=x2\nARG PASS=p6\n",
                        "build_args": {"CREDENTIALS": "p7"}}},
    )  # fmt: skip
    assert secret_values(s) == {"p1", "p2", "p3", "p4", "p5", "p6", "p7"}


def test_redact_masks_values_keys_and_pairs_but_not_ordinary_keys() -> None:
    doc = {
        "checks": [{"key": "a.stdout", "expected": "hunter2\n", "actual": "hunter2\n"}],
        "steps": [{"env": {"DB_PASSWORD": "x", "HOME": "/root"}}],
        "observations": {"r.inspect.Config.Env": ["PATH=/bin", "MY_TOKEN=t0k", "AUTH=z"]},
        "refs": ["https://example.invalid/?token=abc"],
    }
    out = redact(doc, {"hunter2"})
    assert out["checks"][0] == {"key": "a.stdout", "expected": f"{MASK}\n", "actual": f"{MASK}\n"}
    assert out["steps"][0]["env"] == {"DB_PASSWORD": MASK, "HOME": "/root"}
    env = out["observations"]["r.inspect.Config.Env"]
    assert env == ["PATH=/bin", f"MY_TOKEN={MASK}", f"AUTH={MASK}"]
    assert out["refs"] == doc["refs"]
    assert doc["steps"][0]["env"]["DB_PASSWORD"] == "x"  # a copy: the input is untouched


@pytest.mark.parametrize(
    ("options", "kinds"),
    [
        (["--privileged"], [PRIVILEGED]),
        (["--privileged=true"], [PRIVILEGED]),
        (["-v", "/:/host"], [HOST_BIND]),
        (["-v/etc:/x"], [HOST_BIND]),
        (["--volume", "./rel:/x"], [HOST_BIND]),
        (["--mount", "type=bind,src=/srv,dst=/x"], [HOST_BIND]),
        (["--mount=type=bind,source=/,target=/h"], [HOST_BIND]),
        (["-v", "{{ tmp }}/../up:/x"], [HOST_BIND]),
        (["-v", "{{ tmp }}/dir:/x"], []),
        (["-v", "/data"], []),  # anonymous volume
        (["-v", "named:/data"], [FORBIDDEN]),  # unlabelled: use {{ volumes.NAME }}
        (["-v", "{{ volumes.data }}:/data:ro"], []),
        (["--mount", "type=volume,source=v,target=/x"], [FORBIDDEN]),
        (["--mount", "type=volume,source={{ volumes.v }},target=/x"], []),
        (["--mount", "type=tmpfs,target=/x"], []),
    ],
)
def test_cli_options_that_reach_the_host(options: list[str], kinds: list[str]) -> None:
    s = scenario([{"cli": {"name": "c", "image": "base", "options": options}}])
    assert [c.kind for c in concerns(s, Path("/nonexistent/dir"))] == kinds


def test_run_binds_inside_the_scenario_are_fine(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    mounts = [
        {"type": "bind", "source": "data", "target": "/a"},
        {"type": "bind", "source": "{{ tmp }}/x", "target": "/b"},
        {"type": "bind", "source": "data/../../x", "target": "/c"},
    ]
    s = scenario([{"run": {"name": "r", "image": "base", "mounts": mounts}}])
    found = concerns(s, tmp_path)
    assert [(c.kind, c.where[-2]) for c in found] == [(HOST_BIND, 2)]
