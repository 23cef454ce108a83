"""The pytest front door applies the same host-access policy as `harness run`:
a scenario that reaches the host is a collection error at file:line:col without its
`--allow-*` flag, and collects with it (no engine is touched: --collect-only)."""

from __future__ import annotations

import pytest

PID_HOST = (
    "schema: 1\nid: plug.pid\narea: plug\ntitle: t\nrefs: [https://x.invalid]\n"
    "steps:\n"
    "  - run: {name: a, image: base, command: [echo, hi], pid_mode: host}\n"
)


def test_refused_without_the_flag_collected_with_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", pid=PID_HOST)
    refused = pytester.runpytest("--collect-only", "-q", "--engine", "docker")
    refused.stdout.fnmatch_lines(["*pid.yaml:7:*--allow-host-namespaces*"])
    assert refused.ret != 0
    allowed = pytester.runpytest(
        "--collect-only", "-q", "--engine", "docker", "--allow-host-namespaces"
    )
    allowed.stdout.fnmatch_lines(["pid.yaml::plug.pid[[]docker[]]"])
    assert allowed.ret == 0
