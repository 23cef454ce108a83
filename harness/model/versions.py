"""Engine versions as the scenario format scopes knowledge by them.

A known divergence may carry a PEP 440 range (`versions: "<4.6"`) for its engine;
fingerprints give versions in the engines' own spellings ("20.10.24+dfsg1",
"4.3.1", "26.1.5+dfsg1"), of which only the release numbers count. A surface
named `podman@5.4` is the `podman` surface at another version: declarations for
`podman` apply to it, scoped by their range.
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

_RELEASE = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


# Columns whose name does not say their kind: remote engines (`podman-laptop` is a
# `podman`), declared by whoever creates them (harness.engines.remote).
_DECLARED: dict[str, str] = {}


def declare_kind(engine: str, kind: str) -> None:
    """Make `engine` a column of surface `kind`: its known divergences apply to it."""
    _DECLARED[engine] = kind


def surface_kind(engine: str) -> str:
    """`podman@5.4` -> `podman`: the surface a column is, whatever its version."""
    return _DECLARED.get(engine) or engine.split("@", 1)[0]


def release(version: str | None) -> Version | None:
    """The release numbers of an engine's version text, or None when it has none."""
    found = _RELEASE.match(version or "")
    return Version(found.group(1)) if found else None


def parse_range(text: str) -> SpecifierSet:
    """A version range such as `<4.6` or `>=5.0,<5.2`; ValueError with the reason."""
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise ValueError(f"invalid version range {text!r}: {exc}") from None


def in_range(spec: str | None, version: str | None) -> bool:
    """Whether `version` is inside `spec`. No range, or a version that cannot be read,
    counts as inside: a declaration is never dropped for want of a version."""
    if not spec:
        return True
    parsed = release(version)
    return parsed is None or parse_range(spec).contains(parsed, prereleases=True)


def past_range(spec: str | None, version: str | None) -> bool:
    """Whether `version` is above an upper bound of `spec` (`<4.6`, `<=5.0`): the
    engine is past the versions a declaration was for, so it is fixed there."""
    parsed = release(version)
    if not spec or parsed is None:
        return False
    uppers = [s for s in parse_range(spec) if s.operator in ("<", "<=")]
    return bool(uppers) and not all(s.contains(parsed, prereleases=True) for s in uppers)
