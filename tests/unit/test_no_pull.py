"""Nothing that pulls: every image or URL a scenario's Containerfile would fetch is
refused at load time (file:line), whatever its spelling; a build is refused before the
engine sees it when a source is not local."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.engines.base import Unsupported
from harness.errors import ScenarioErrors
from harness.model.loader import load_scenario
from harness.run.images import external_sources, require_local

HEAD = """\
schema: 1
id: demo.pull
area: demo
title: A build that would fetch something
refs: [https://docs.docker.com/reference/dockerfile/]
images:
  app:
    containerfile: |
"""
TAIL = """\
steps:
  - run: {name: first, image: app}
"""


def scenario_with(tmp_path: Path, containerfile: str) -> Path:
    body = "".join(f"      {line}\n" for line in containerfile.splitlines())
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + body + TAIL)
    return path


def refusals(path: Path) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(path)
    return [str(e.args[0]) for e in info.value.errors]


@pytest.mark.parametrize(
    ("containerfile", "line", "what"),
    [
        ('FROM busybox\nCMD ["sh"]', "9:12", "from busybox"),
        ("FROM {{ base }}\nCOPY --from=alpine:3 /x /x", "10:19", "copy-from alpine:3"),
        (
            "FROM {{ base }}\nRUN --mount=type=bind,from=debian,target=/d true",
            "10:34",
            "mount-from debian",
        ),
        ("FROM {{ base }}\nADD https://example.invalid/x.tgz /x", "10:11", "add-url"),
        ("ARG B=quay.io/x\nFROM ${B:-nothing}", "10:7", "from quay.io/x"),
        (
            "from \\\n  --platform=linux/amd64 \\\n  registry.invalid/y AS s",
            "11:9",
            "registry.invalid/y",
        ),
    ],
)
def test_a_remote_source_is_refused_at_its_line(
    tmp_path: Path, containerfile: str, line: str, what: str
) -> None:
    (error,) = refusals(scenario_with(tmp_path, containerfile))
    assert error.startswith(f"{tmp_path / 's.yaml'}:{line}:")
    assert what in error and "nothing is ever pulled" in error


def test_stages_scratch_and_scenario_images_are_local(tmp_path: Path) -> None:
    text = "FROM {{ base }} AS one\nFROM scratch\nCOPY --from=one /bin /bin\nCOPY --from=0 /x /y"
    assert load_scenario(scenario_with(tmp_path, text)).scenario.id == "demo.pull"


class _Store:
    """An engine's image store, for the build-time check (pure logic)."""

    name = "fake"

    def __init__(self, present: set[str]) -> None:
        self.present = present

    def image_exists(self, ref: str) -> bool:
        return ref in self.present


def test_a_build_is_refused_before_the_engine_sees_a_missing_image() -> None:
    text = "FROM local:1\nCOPY --from=elsewhere:2 /a /a\n"
    assert [s.reference for s in external_sources(text, {})] == ["local:1", "elsewhere:2"]
    with pytest.raises(Unsupported, match="elsewhere:2 is not a local image"):
        require_local(_Store({"local:1"}), text, {})  # type: ignore[arg-type]
    require_local(_Store({"local:1", "elsewhere:2"}), text, {})  # type: ignore[arg-type]


_NAME = st.from_regex(r"[a-z][a-z0-9]{0,8}(/[a-z][a-z0-9]{0,6})?(:[a-z0-9]{1,5})?", fullmatch=True)
_KEYWORD = st.sampled_from(["FROM", "from", "From", "fRoM"])
_FLAGS = st.sampled_from(["", "--platform=linux/amd64 ", "--platform=$BUILDPLATFORM "])
_SPACE = st.sampled_from([" ", "  ", " \\\n  ", "\t"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=_NAME, keyword=_KEYWORD, flags=_FLAGS, space=_SPACE, via_arg=st.booleans())
def test_generated_from_spellings_are_always_found(
    tmp_path: Path, name: str, keyword: str, flags: str, space: str, via_arg: bool
) -> None:
    if name == "scratch":
        return
    head = f"ARG IMG={name}\n" if via_arg else ""
    ref = "${IMG}" if via_arg else name
    text = f"{head}{keyword}{space}{flags}{ref} AS stage\nRUN true\n"
    assert [s.reference for s in external_sources(text, {})] == [name]
    errors = refusals(scenario_with(tmp_path, text))
    assert len(errors) == 1 and name in errors[0]
