"""The harness's exception tree.

    HarnessError
    ├── ScenarioError        a scenario file is wrong (carries file:line:col)
    │   └── ScenarioErrors   several of them, reported together
    ├── EngineUnavailable    an engine cannot be reached or used at all
    ├── EngineError          an engine refused or failed one operation
    │   └── ImageMissing     a referenced image is not local (never pulled)
    └── StepTimeout          a step did not finish within its timeout

Engine-facing code raises these, never SDK exceptions, so the runner and the
report need to know nothing about docker-py or podman-py.
"""

from __future__ import annotations

from dataclasses import dataclass


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in a scenario file something is: 1-based line and column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


class ScenarioError(HarnessError):
    """A scenario file is malformed or inconsistent."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


class ScenarioErrors(ScenarioError):
    """Every problem found in one or more files, so a user fixes them in one pass."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.location, first.message)

    def __str__(self) -> str:
        return "\n".join(str(e.args[0]) for e in self.errors)


class EngineUnavailable(HarnessError):
    """The engine cannot be used at all (socket missing, daemon down, SDK missing)."""


class EngineError(HarnessError):
    """An engine operation failed; the message is the engine's own words."""


class ImageMissing(EngineError):
    """An image is not present locally. The harness never pulls, so this is final."""


class StepTimeout(HarnessError):
    """A step exceeded its timeout; its container has been killed."""
