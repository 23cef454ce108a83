"""Reference checks for the new step kinds and resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioErrors
from harness.model.loader import load_scenario

HEAD = "schema: 1\nid: t.x\narea: t\ntitle: t\nrefs: [https://x]\n"


def _load(tmp_path: Path, body: str) -> str:
    f = tmp_path / "s.yaml"
    f.write_text(HEAD + body)
    try:
        load_scenario(f)
    except ScenarioErrors as exc:
        return str(exc)
    return ""


def test_valid_resources_and_steps(tmp_path: Path) -> None:
    assert (
        _load(
            tmp_path,
            """
volumes: {data: {}}
steps:
  - run: {name: c, image: base, detach: true, mounts: [{type: bind, source: "{{ tmp }}/d", target: /d}]}
  - wait: {name: w, container: c, for: exited}
  - cli: {name: k, image: base, options: ["-v", "{{ volumes.data }}:/x"]}
  - volume_rm: {name: r, volume: data}
""",
        )
        == ""
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("steps:\n  - stop: {name: s, container: nope}\n", "not an earlier 'run' step"),
        (
            "steps:\n  - run: {name: c, image: base}\n  - read_file: {name: f, container: c, path: /x}\n",
            "detached",
        ),
        ("steps:\n  - volume_rm: {name: r, volume: nope}\n", "unknown volume"),
        (
            "steps:\n  - run: {name: c, image: base, mounts: [{type: bind, source: /etc, target: /x}]}\n",
            "refused; pass --allow-host-binds",
        ),
        (
            "steps:\n  - run: {name: c, image: base, mounts: [{type: bind, source: ../.., target: /x}]}\n",
            "refused; pass --allow-host-binds",
        ),
        (
            "steps:\n  - cli: {name: c, image: base, options: ['{{ volumes.nope }}']}\n",
            "unknown placeholder",
        ),
        ("steps:\n  - wait: {name: w, container: c, for: log}\n", "pattern"),
        ("steps:\n  - host: {name: h, path: /etc/passwd}\n", "pattern"),
        ("steps:\n  - run: {name: c, image: base, image_ref: x}\n", "exactly one"),
    ],
)
def test_bad_references(tmp_path: Path, body: str, message: str) -> None:
    assert message in _load(tmp_path, body)
