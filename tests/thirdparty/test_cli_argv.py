"""The docker-cli adapter's spec -> argv translation (pure; no engine)."""

from __future__ import annotations

import itertools

import pytest

from harness.engines.base import ContainerSpec, MountSpec, Unsupported


@pytest.fixture
def create_argv(plugin_path: str):  # type: ignore[no-untyped-def]
    from harness_cli_engine._argv import create_argv

    return create_argv


def test_never_pulls_and_keeps_command_after_image(create_argv) -> None:  # type: ignore[no-untyped-def]
    spec = ContainerSpec(
        image="img:1",
        name="c",
        labels={"io.harness.run": "r"},
        command=["echo", "hi"],
        entrypoint="",
        env={"A": "1"},
        mounts=(MountSpec(type="tmpfs", target="/t", options={"size": "1m"}),),
        ports={"80/tcp": 0},
    )
    argv = create_argv(spec)
    assert argv[:5] == ["create", "--pull", "never", "--name", "c"]
    assert argv[-3:] == ["img:1", "echo", "hi"]
    pairs = set(itertools.pairwise(argv))
    for pair in (
        ("--entrypoint", ""),
        ("--label", "io.harness.run=r"),
        ("-e", "A=1"),
        ("--mount", "type=tmpfs,target=/t,tmpfs-size=1m"),
        ("-p", "127.0.0.1::80/tcp"),
    ):
        assert pair in pairs, (pair, argv)


def test_multi_word_entrypoint_is_unsupported(create_argv) -> None:  # type: ignore[no-untyped-def]
    spec = ContainerSpec(image="i", name="c", labels={}, entrypoint=["sh", "-c"])
    with pytest.raises(Unsupported, match="2-word entrypoint"):
        create_argv(spec)
