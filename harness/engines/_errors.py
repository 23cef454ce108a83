"""The one place SDK exceptions become harness errors (as httpx's
`map_httpcore_exceptions` does for its transports).

docker-py, podman-py, requests and urllib3 each raise their own types, and a
few of them (a read timeout, a broken stream) used to leak past adapters that
only caught `APIError`. Every adapter call now runs inside `engine_call`:

- a call cut short by its budget (deadline, size cap: see `_transport`) ->
  `EngineUnavailable` with the reason: the engine misbehaves, it did not answer;
- 404 -> `NotFound` (an `EngineError`), or `Vanished` when the resource is one
  this adapter created and has not removed;
- any other SDK or transport error -> `EngineError` with the engine's own words
  (scenarios compare those texts, so they are passed on unchanged).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import docker.errors
import podman.errors
import requests
import urllib3.exceptions

from harness.engines._transport import MAX_ANSWER, budget
from harness.engines.base import NotFound, Vanished
from harness.errors import EngineError, EngineUnavailable, HarnessError

SDK_NOT_FOUND: tuple[type[Exception], ...] = (
    docker.errors.NotFound,
    podman.errors.NotFound,
    podman.errors.ImageNotFound,
)
SDK_ERRORS: tuple[type[Exception], ...] = (
    docker.errors.DockerException,
    podman.errors.APIError,
    podman.errors.PodmanError,
    requests.RequestException,
    urllib3.exceptions.HTTPError,
)
# Seconds an ordinary call (inspect, create, start, a listing) may take in all.
CALL_DEADLINE = 120.0
# Seconds for `/_ping`. Engines answer it without taking any lock, so a busy engine
# (Podman's compatible /version has taken over 10 s here while other processes held
# its storage lock) still answers at once, and a silent or dripping one fails here.
PING_DEADLINE = 10.0


def explain(exc: BaseException) -> str:
    """The engine's own explanation when the SDK kept it, else the exception's text."""
    return str(getattr(exc, "explanation", None) or exc)


@contextlib.contextmanager
def sdk_errors(
    prefix: str = "",
    explain: Callable[[BaseException], str] = explain,
    vanished: str | None = None,
) -> Iterator[None]:
    """Translate SDK exceptions raised in the body; harness errors pass through.

    `vanished` names the resource (e.g. "container abc") when this adapter created
    it and has not removed it: a 404 then means another process removed it.
    """
    try:
        yield
    except HarnessError:
        raise
    except SDK_NOT_FOUND as exc:
        if vanished:
            raise Vanished(
                f"{vanished} was removed by another process while this run used it ({explain(exc)})"
            ) from None
        raise NotFound(prefix + explain(exc)) from None
    except SDK_ERRORS as exc:
        raise EngineError(prefix + explain(exc)) from None


@contextlib.contextmanager
def engine_call(
    engine: str,
    what: str,
    *,
    seconds: float = CALL_DEADLINE,
    max_bytes: int | None = MAX_ANSWER,
    prefix: str = "",
    explain: Callable[[BaseException], str] = explain,
    vanished: str | None = None,
    watchdog: bool = False,
) -> Iterator[None]:
    """One adapter call: under a budget, with its SDK errors translated.

    A tripped budget wins over whatever the SDK made of the cut-short read (a
    timeout, a broken stream, a JSON error): the reason is the budget's.
    """
    with budget(what, seconds, max_bytes, watchdog) as spent:
        try:
            with sdk_errors(prefix, explain, vanished):
                yield
        except Exception as exc:
            if spent.tripped:
                raise EngineUnavailable(f"{engine}: {what}: {spent.tripped}") from exc
            raise


def check_alive(prefix: str, ping: Callable[[], object], seconds: float = PING_DEADLINE) -> None:
    """Ping under a short deadline before the fingerprint's slower requests.

    Only a cut-short ping (no complete answer in time, or an oversized one) is final:
    `EngineUnavailable("{prefix}: {reason}")`. Any other failure (refused, garbage, an
    engine without `/_ping`) is left for the real request to report in its own words.
    """
    with budget("ping", seconds) as spent:
        try:
            ping()
        except HarnessError:
            raise  # connecting inside `ping` already decided
        except Exception:
            if spent.tripped:
                raise EngineUnavailable(f"{prefix}: {spent.tripped}") from None
