"""A throwaway sshd on 127.0.0.1 for the remote-engine tests.

Its own host key, client key, authorized_keys and known_hosts live in a temporary
directory; it listens on 127.0.0.1 only, on a free port, and is stopped by its PID.
The system's sshd configuration and /root/.ssh are never read or written.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
PRIVSEP = Path("/run/sshd")  # sshd's compiled-in privilege separation directory

CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_ed25519
PidFile none
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
"""


@dataclass(frozen=True)
class Sshd:
    port: int
    identity: Path
    known_hosts: Path
    pid: int
    log: Path

    def url(self, socket_path: str) -> str:
        return f"ssh://root@127.0.0.1:{self.port}{socket_path}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "harness-test", "-f", str(path)],
        check=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1) as s:
        return s.recv(4).startswith(b"SSH-")
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextlib.contextmanager
def local_sshd() -> Iterator[Sshd]:
    """Start sshd -D on a free loopback port; stop it and remove its files afterwards."""
    root = Path(tempfile.mkdtemp(prefix="harness-test-sshd-"))
    made_privsep = not PRIVSEP.exists()
    process = None
    try:
        if made_privsep:
            PRIVSEP.mkdir(mode=0o755)
        host_pub = _keygen(root / "host_ed25519")
        (root / "authorized_keys").write_text(_keygen(root / "id_ed25519") + "\n")
        port = _free_port()
        (root / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub}\n")
        config = root / "sshd_config"
        config.write_text(CONFIG.format(port=port, dir=root))
        subprocess.run([str(SSHD), "-t", "-f", str(config)], check=True)
        log = root / "sshd.log"
        with log.open("wb") as err:
            process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL, stderr=err
            )
        deadline = time.monotonic() + 10
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {log.read_text()[-500:]}")
            time.sleep(0.05)
        yield Sshd(port, root / "id_ed25519", root / "known_hosts", process.pid, log)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)
        if made_privsep:
            with contextlib.suppress(OSError):
                PRIVSEP.rmdir()
