"""What an engine surface can do at all, probed against the live engine.

Users moving off Docker ask "does Podman have X?" before "does X behave the same?".
Each capability here is answered by doing the smallest real thing through the
surface's own command line (`Engine.cli()`): create and remove a labelled network
with a driver, ask for the swarm, list pods, play a pod, build in a format. A
capability the surface lacks is `supported: false` with the engine's own words
as the reason, never an error. Probes touch nothing lasting: every resource they
make carries the run's labels and is removed before the probe returns (swarm mode
is never turned on here). Results are cached per surface for the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.engines import links
from harness.engines.base import (
    Engine,
    EngineInfo,
    Unsupported,
    compose_provider,
    scratch_parent,
    sees_path,
)
from harness.errors import EngineError
from harness.labels import resource_labels, short_hash
from harness.tempdirs import scratch

SCENARIO = "capabilities"  # the scenario label of probe resources (swept with the run)
DRIVERS = ("bridge", "host", "none", "overlay", "macvlan", "ipvlan")
# Documentation ranges (RFC 5737), one /28 per driver that needs a subnet.
PROBE_SUBNETS = {"macvlan": "203.0.113.224/28", "ipvlan": "203.0.113.240/28"}


@dataclass(frozen=True)
class Capability:
    supported: bool
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", first_line(self.reason))

    def to_json(self) -> dict[str, Any]:
        return {"supported": self.supported, "reason": self.reason}


@dataclass(frozen=True)
class Probe:
    """What a probe needs: the surface, the base image, labels and a unique prefix."""

    engine: Engine
    base: str
    run_id: str

    @property
    def prefix(self) -> str:
        return f"hxcap-{short_hash(self.run_id, self.engine.name, length=6)}"

    def label_args(self) -> list[str]:
        labels = resource_labels(self.run_id, SCENARIO, self.engine.name)
        return [arg for k, v in labels.items() for arg in ("--label", f"{k}={v}")]

    def cli(self, *args: str, timeout: float = 60, cwd: Path | None = None) -> tuple[int, str]:
        """Run the surface's CLI -> (exit code, its message: stderr on failure, else
        stdout then stderr); 124 on timeout."""
        try:
            done = subprocess.run(
                [*self.engine.cli(), *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
                cwd=cwd,
            )
        except subprocess.TimeoutExpired:
            return 124, f"{' '.join(args[:2])} did not answer within {timeout:g} s"
        except FileNotFoundError as exc:
            return 127, f"CLI not found: {exc}"
        if done.returncode:
            return done.returncode, done.stderr.strip() or done.stdout.strip()
        return 0, "\n".join(t for t in (done.stdout.strip(), done.stderr.strip()) if t)


_FULL_ID = re.compile(r"\b[0-9a-f]{64}\b")
_USERDATA = re.compile(r"/var/lib/containers/storage/overlay-containers/[0-9a-f]{64}/userdata")


def first_line(text: str) -> str:
    """The engine's message, on one line (CLI usage hints dropped)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    noise = (
        "See '",
        "Run '",
        "Try '",
        "Did you",
        "DEPRECATED",
        "Install the buildx",
        "BuildKit",
        "https://docs.docker.com/go/buildx",
        "Usage:",
    )
    if any(ln.startswith("Did you mean") for ln in lines):  # then only suggestions follow
        lines = lines[: next(i for i, ln in enumerate(lines) if ln.startswith("Did you mean"))]
    keep = [ln for ln in lines if not ln.startswith(noise)]
    text = _USERDATA.sub("<userdata>", " ".join(keep[:2]))
    return _FULL_ID.sub("<id>", text)[:300]


def _remove(p: Probe, name: str) -> None:
    """Kill, then remove: `rm -f` alone gives a PID 1 that ignores SIGTERM (sleep) the
    whole stop timeout on Podman (10 s), and Docker's `rm` takes no `-t`."""
    p.cli("kill", name)
    p.cli("rm", "-f", name)


# -- network drivers -------------------------------------------------------------
def _attach(p: Probe, network: str) -> Capability:
    """Start a container on the network: a driver may accept the network and fail here
    (Docker creates ipvlan networks on kernels that cannot make ipvlan ports)."""
    name = f"{p.prefix}-att-{network[-7:]}"
    rc, msg = p.cli(
        "run", "--rm", "--pull", "never", "--name", name, "--network", network,
        *p.label_args(), p.base, "true",
    )  # fmt: skip
    if rc != 0:
        _remove(p, name)
        return Capability(False, msg)
    return Capability(True, "")


def _driver(p: Probe, driver: str) -> Capability:
    """Create a labelled throwaway network with the driver, attach a container, remove it."""
    if driver in ("host", "none"):
        return _network_mode(p, driver)
    name = f"{p.prefix}-{driver}"
    args = ["network", "create", "-d", driver, *p.label_args()]
    link = links.link_name(p.run_id, p.engine.name, driver) if driver in PROBE_SUBNETS else ""
    netns = getattr(p.engine, "network_namespace", None)
    try:
        if link:
            links.create(link, netns)
            args += ["-o", f"parent={link}", "--subnet", PROBE_SUBNETS[driver]]
        rc, msg = p.cli(*args, name)
        if rc != 0:
            return _refused(p, driver, msg)
        return _attach(p, name) if driver != "overlay" else Capability(True, "")
    finally:
        p.cli("network", "rm", name)
        if link:
            links.remove(link, netns)


def _refused(p: Probe, driver: str, message: str) -> Capability:
    """Overlay without swarm mode: the driver exists, it needs a swarm manager."""
    if driver == "overlay" and "swarm" in message.lower():
        return Capability(True, f"only in swarm mode: {message}")
    return Capability(False, message)


def _network_mode(p: Probe, mode: str) -> Capability:
    """host and none are network modes, not creatable networks: create a container."""
    name = f"{p.prefix}-{mode}"
    rc, msg = p.cli("create", "--pull", "never", "--name", name, "--network", mode,
                    *p.label_args(), p.base, "true")  # fmt: skip
    _remove(p, name)
    return Capability(rc == 0, "" if rc == 0 else msg)


# -- orchestration -----------------------------------------------------------------
def _swarm(p: Probe) -> Capability:
    """`node ls` answers "not a swarm manager" where swarm exists but is off."""
    rc, msg = p.cli("node", "ls")
    if rc == 0:
        return Capability(True, "swarm mode is active")
    if "swarm" in msg.lower():
        return Capability(True, f"available, not active: {msg}")
    return Capability(False, msg)


def _stack(p: Probe) -> Capability:
    rc, msg = p.cli("stack", "ls")
    if rc == 0 or "swarm" in msg.lower():
        return Capability(True, "" if rc == 0 else f"needs swarm mode: {msg}")
    return Capability(False, msg)


def _pods(p: Probe) -> Capability:
    rc, msg = p.cli("pod", "ps")
    return Capability(rc == 0, "" if rc == 0 else msg)


def _scratch(p: Probe) -> contextlib.AbstractContextManager[Path]:
    """A temporary directory for files the engine's CLI reads: in the engine's shared
    scratch where it resolves paths in its own root (a version surface)."""
    return scratch("cap", scratch_parent(p.engine))


def kube_pod(name: str, image: str, labels: dict[str, str]) -> str:
    """A one-container Pod that never pulls (imagePullPolicy: Never)."""
    label_lines = "".join(f'\n    "{k}": "{v}"' for k, v in labels.items())
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:{label_lines}\n"
        f"spec:\n  containers:\n  - name: c\n    image: {image}\n"
        '    imagePullPolicy: Never\n    command: ["true"]\n'
    )


def _kube_play(p: Probe) -> Capability:
    """Play a one-container pod without starting it (no network: none is made)."""
    rc, msg = p.cli("kube", "play")  # no file: a usage error where the command exists
    if "unknown command" in msg or "unrecognized command" in msg:
        return Capability(False, msg)
    labels = resource_labels(p.run_id, SCENARIO, p.engine.name)
    with _scratch(p) as tmp:
        if not sees_path(p.engine, tmp):
            reason = "resolves paths in its own root: the kube file is not there"
            return Capability(False, f"{p.engine.name} {reason}")
        path = Path(tmp) / "pod.yaml"
        path.write_text(kube_pod(f"{p.prefix}-pod", p.base, labels))
        rc, msg = p.cli("kube", "play", "--network", "none", "--start=false", str(path))
        p.cli("kube", "down", str(path))
        p.cli("pod", "rm", "-f", f"{p.prefix}-pod")
    return Capability(rc == 0, "" if rc == 0 else msg)


def _kube_generate(p: Probe) -> Capability:
    name = f"{p.prefix}-gen"
    rc, msg = p.cli("create", "--pull", "never", "--name", name, *p.label_args(), p.base, "true")
    if rc == 0:
        rc, msg = p.cli("kube", "generate", name)
        msg = "" if rc == 0 else msg
    _remove(p, name)
    return Capability(rc == 0, msg)


# -- runtime features ----------------------------------------------------------------
def _healthcheck(p: Probe, wait: float = 5.0) -> Capability:
    """Does the engine run checks by itself? A 1 s check should pass within a few seconds."""
    name = f"{p.prefix}-health"
    rc, msg = p.cli("run", "-d", "--pull", "never", "--name", name, "--health-cmd", "true",
                    "--health-interval", "1s", *p.label_args(), p.base, "sleep", "30")  # fmt: skip
    warning = msg.splitlines()[-1] if rc == 0 and "systemd" in msg.lower() else ""
    status = ""
    try:
        deadline = time.monotonic() + wait
        while rc == 0 and time.monotonic() < deadline:
            _, status = p.cli("inspect", "--format", "{{.State.Health.Status}}", name)
            if status == "healthy":
                return Capability(True, "")
            time.sleep(0.5)
    finally:
        _remove(p, name)
    if rc != 0:
        return Capability(False, msg)
    said = f" ({warning})" if warning else ""
    return Capability(
        False,
        f"the engine ran no 1 s check by itself: status still {status!r} after {wait:g} s{said}",
    )


def _checkpoint(p: Probe) -> Capability:
    """Checkpoint a running container (CRIU through the runtime), as each CLI spells it."""
    name = f"{p.prefix}-ckpt"
    rc, msg = p.cli("run", "-d", "--pull", "never", "--name", name, *p.label_args(),
                    p.base, "sleep", "30")  # fmt: skip
    try:
        if rc == 0:
            rc, msg = p.cli("container", "checkpoint", name)
            if rc != 0 and "unknown command" in msg:
                rc, msg = p.cli("checkpoint", "create", name, "probe")
    finally:
        _remove(p, name)
    return Capability(rc == 0, "" if rc == 0 else msg)


def _build(p: Probe, fmt: str) -> Capability:
    """Build a one-line image in the format; a CLI without `--format` builds Docker format."""
    tag = f"{p.prefix}-build-{fmt}"
    with _scratch(p) as tmp:
        (Path(tmp) / "Dockerfile").write_text(f"FROM {p.base}\nLABEL probe={fmt}\n")
        base = ["build", "-q", "-t", tag, *p.label_args()]
        rc, msg = p.cli(*base, "--format", fmt, str(tmp), timeout=120)
        if rc != 0 and "unknown flag: --format" in msg and fmt == "docker":
            rc, msg = p.cli(*base, str(tmp), timeout=120)
    p.cli("rmi", "-f", tag)
    return Capability(rc == 0, "" if rc == 0 else msg)


def _compose(p: Probe) -> Capability:
    try:
        cli = compose_provider(p.engine).compose_cli()
    except Unsupported as exc:
        return Capability(False, str(exc))
    try:
        done = subprocess.run(
            [*cli.argv, "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Capability(False, f"{' '.join(cli.argv)}: {exc}")
    lines = (done.stdout or done.stderr).splitlines()
    named = [ln for ln in lines if re.search(r"compose\S* version", ln, re.I)]
    out = first_line(named[0] if named else "\n".join(lines))
    return Capability(done.returncode == 0, f"{' '.join(cli.argv)}: {out}")


def _rootless(p: Probe) -> Capability:
    info = p.engine.info()
    if info.rootless:
        return Capability(True, "the service runs rootless")
    return Capability(False, "this surface's service runs as root (its info: rootless=false)")


PROBES: dict[str, Callable[[Probe], Capability]] = {
    **{f"network.{d}": (lambda p, d=d: _driver(p, d)) for d in DRIVERS},  # type: ignore[misc]
    "swarm": _swarm,
    "stack": _stack,
    "pod": _pods,
    "kube.play": _kube_play,
    "kube.generate": _kube_generate,
    "healthcheck.scheduled": _healthcheck,
    "rootless": _rootless,
    "build.docker": lambda p: _build(p, "docker"),
    "build.oci": lambda p: _build(p, "oci"),
    "checkpoint": _checkpoint,
    "compose": _compose,
}
NAMES = tuple(PROBES)

# A probe whose base image vanished meanwhile (another process cleaned the image cache),
# that timed out, or that could not reach the engine says nothing about what the engine
# can do: it is not cached (for six hours, on disk), and a step asking gets an error.
_NO_ANSWER = re.compile(
    r"image not known|no such image|unable to find image|did not answer within"
    r"|connection refused|cannot connect to",
    re.I,
)
_cache: dict[tuple[str, str], Capability] = {}
_lock = threading.Lock()
# One probe of a capability at a time per surface: a probe's resource names come from
# the run and the engine, so two at once (parallel items asking the same step's
# capability) collide ("network ... already exists") and cache a false "no".
_probing: dict[tuple[str, str], threading.Lock] = {}


def _cli_identity(engine: Engine) -> str:
    """The surface's CLI as a cache key; a remote engine's is its ssh URL, not the
    tunnel's per-process socket (harness.engines.remote)."""
    return str(getattr(engine, "cli_identity", "") or " ".join(engine.cli()))


def _key(engine: Engine, name: str) -> tuple[str, str]:
    return (f"{engine.name} {_cli_identity(engine)}", name)


@contextlib.contextmanager
def _host_wide(key: tuple[str, str]) -> Iterator[None]:
    """The same probe in another process of the run (a pytest-xdist worker) uses the
    same names: an flock on a file per surface and capability keeps them apart. Where
    the state directory cannot be written, the in-process lock is all there is."""
    digest = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        handle = open(CACHE_DIR / f"probe-{digest}.lock", "a")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def capability(engine: Engine, name: str, base: str, run_id: str) -> Capability:
    """One capability of one surface, probed once per process."""
    key = _key(engine, name)
    with _lock:
        if key in _cache:
            return _cache[key]
        one_at_a_time = _probing.setdefault(key, threading.Lock())
    with one_at_a_time, _host_wide(key):
        with _lock:  # answered while this caller waited
            if key in _cache:
                return _cache[key]
        try:
            found = PROBES[name](Probe(engine, base, run_id))
        except Exception as exc:  # a probe that cannot run answers "unknown", not a crash
            found = Capability(False, f"probe failed: {type(exc).__name__}: {exc}")
        if inconclusive(found):
            return found
        with _lock:
            return _cache.setdefault(key, found)


def inconclusive(found: Capability) -> bool:
    return not found.supported and bool(_NO_ANSWER.search(found.reason))


def probe_all(engine: Engine, base: str, run_id: str, jobs: int = 6) -> dict[str, Capability]:
    """Every capability of one surface, a few probes at a time."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        found = pool.map(lambda n: (n, capability(engine, n, base, run_id)), NAMES)
        return dict(found)


CACHE_DIR = Path(os.environ.get("HARNESS_STATE_DIR", "/var/lib/harness")) / "capabilities"
CACHE_TTL_S = 6 * 3600


def _fingerprint_key(engine: Engine, info: EngineInfo) -> str:
    """What a probe's answer depends on: the surface, its CLI, the engine build and host."""
    parts = [engine.name, _cli_identity(engine), info.version, info.api_version, info.runtime]
    parts += [info.kernel, info.storage_driver, info.network_backend, json.dumps(info.settings)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def probe_all_cached(
    engine: Engine, info: EngineInfo, base: str, run_id: str
) -> dict[str, Capability]:
    """`probe_all`, remembered on disk for a few hours per engine build and host: probing
    creates and removes networks, pods and containers (10-20 s a surface), and what an
    engine can do at all does not change between two runs. Inconclusive answers are
    never remembered."""
    path = CACHE_DIR / f"{_fingerprint_key(engine, info)}.json"
    try:
        if time.time() - path.stat().st_mtime < CACHE_TTL_S:
            data = json.loads(path.read_text())
            remembered = {
                n: Capability(bool(c["supported"]), str(c["reason"])) for n, c in data.items()
            }
            with _lock:  # the steps that `require` one then ask no probe again
                for name, cap in remembered.items():
                    _cache.setdefault(_key(engine, name), cap)
            return remembered
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = probe_all(engine, base, run_id)
    if not any(inconclusive(c) for c in found.values()):
        with contextlib.suppress(OSError):
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(as_json(found)))
            tmp.replace(path)
    return found


def require(engine: Engine, name: str, base: str, run_id: str) -> Capability:
    """The capability, or `Unsupported` with the probed reason (a step's column)."""
    found = capability(engine, name, base, run_id)
    if inconclusive(found):
        raise EngineError(f"the probe of {name} was inconclusive: {found.reason}")
    if not found.supported:
        raise Unsupported(f"{engine.name} has no {name}: {found.reason}")
    return found


def as_json(found: dict[str, Capability]) -> dict[str, dict[str, Any]]:
    return {name: cap.to_json() for name, cap in found.items()}
