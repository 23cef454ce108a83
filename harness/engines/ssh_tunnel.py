"""An engine socket on another host, reached through OpenSSH's Unix-socket forwarding.

The SDKs' own `ssh://` transports read the user's ~/.ssh (docker-py's paramiko: its
config and default keys; podman-py: `ssh` with the default known_hosts, which prompts
for an unknown host). One `ssh -N -L LOCAL.sock:REMOTE.sock` per engine instead takes
the identity and known_hosts file given for the engine, never prompts (BatchMode), and
leaves the adapters on a local Unix socket: the same guarded transport, deadlines and
size caps as a local engine, and the same socket for the engine's CLI.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from harness.errors import EngineUnavailable
from harness.tempdirs import temp_dir

CONNECT_DEADLINE = 20.0
STOP_GRACE = 5.0
QUERY_KEYS = {"identity", "known_hosts", "secure"}  # `secure`: podman's, meaningless here


@dataclass(frozen=True)
class SshTarget:
    """`ssh://[user@]host[:port][/remote/socket][?identity=PATH&known_hosts=PATH]`."""

    host: str
    socket: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    known_hosts: str | None = None

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    def url(self) -> str:
        """The URL without its query: what the fingerprint and the report show."""
        port = f":{self.port}" if self.port else ""
        return f"ssh://{self.destination}{port}{self.socket}"


def parse_ssh_url(url: str, default_socket: str) -> SshTarget:
    """The parts of an `ssh://` engine URL; ValueError saying what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "ssh" or not parts.hostname:
        raise ValueError(f"expected ssh://[user@]host[:port][/socket], got {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"bad port in {url!r}") from None
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - QUERY_KEYS)
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} in {url!r}; known: {sorted(QUERY_KEYS)}")

    def one(key: str) -> str | None:
        values = query.get(key)
        return values[-1] if values else None

    return SshTarget(
        host=parts.hostname,
        socket=unquote(parts.path) or default_socket,
        user=unquote(parts.username) if parts.username else None,
        port=port,
        identity=one("identity"),
        known_hosts=one("known_hosts"),
    )


def ssh_argv(target: SshTarget, local_socket: Path) -> list[str]:
    """`ssh` forwarding `local_socket` to the engine's socket, never asking anything."""
    argv = ["ssh", "-N", "-T", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"]
    argv += ["-o", f"ConnectTimeout={int(CONNECT_DEADLINE)}", "-o", "ServerAliveInterval=15"]
    if target.identity:
        argv += ["-i", target.identity, "-o", "IdentitiesOnly=yes"]
    if target.known_hosts:
        argv += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
        argv += ["-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null"]
    if target.port:
        argv += ["-p", str(target.port)]
    argv += ["-L", f"{local_socket}:{target.socket}", "--", target.destination]
    return argv


class SshTunnel:
    """One forwarding `ssh` process, started on first use and again if it died."""

    def __init__(self, name: str, target: SshTarget) -> None:
        self.name = name
        self.target = target
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def socket(self) -> Path:
        """The local end (the directory is made now, so the path is known up front)."""
        if self._dir is None:
            self._dir = temp_dir("ssh")
        return self._dir / "engine.sock"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ensure(self) -> None:
        """The tunnel is up (started now if it was not, or if its ssh exited)."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self._start()

    def _start(self) -> None:
        local = self.socket
        local.unlink(missing_ok=True)
        log = local.with_name("ssh.log")
        with log.open("wb") as err:
            self._process = subprocess.Popen(
                ssh_argv(self.target, local),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # a Ctrl-C meant for the harness is not ssh's
            )
        deadline = time.monotonic() + CONNECT_DEADLINE + 5
        while time.monotonic() < deadline:
            if local.is_socket():
                return
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self._stop_process()
        said = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise EngineUnavailable(
            f"{self.name}: ssh to {self.target.url()} did not forward the engine socket: "
            + ("; ".join(said) or "no answer")
        )

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_GRACE)

    def close(self) -> None:
        """Stop ssh (by its own PID) and remove the local socket's directory."""
        with self._lock:
            self._stop_process()
            if self._dir is not None:
                with contextlib.suppress(OSError):
                    shutil.rmtree(self._dir)
                self._dir = None
