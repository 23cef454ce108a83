"""What the ssh tunnel of a remote engine costs (harness/engines/remote.py).

`python -m benchmarks.remote [N]` (root, openssh-server installed) starts a throwaway
sshd on 127.0.0.1 (tests/engines/sshd.py) forwarding to this host's engine sockets and
prints, per engine kind: the tunnel's start (ssh connect + forward), the median of N
API calls (`image_exists` of a missing image: one small request and answer) through
the local socket and through the tunnel, and one CLI call (`version`) both ways, with
ratios. Loopback only, so this is the tunnel's own cost, not a network's. No asserts.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from harness.engines import available_adapters, create_engine
from harness.engines.base import Engine
from harness.engines.remote import RemoteSpec, create_remote
from tests.engines.sshd import local_sshd

SOCKETS = {"docker": "/var/run/docker.sock", "podman": "/run/podman/podman.sock"}
MISSING = "harness-bench-missing:none"


def median_ms(call: Callable[[], object], n: int) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def cli_ms(engine: Engine, n: int) -> float:
    argv = [*engine.cli(), "version"]
    return median_ms(lambda: subprocess.run(argv, capture_output=True, check=False), n)


def measure(kind: str, url: str, identity: str, known_hosts: str, n: int) -> None:
    local = create_engine(kind)
    spec = RemoteSpec(f"{kind}-ssh", kind, url, identity, known_hosts)
    remote = create_remote(spec, available_adapters()[kind])
    try:
        started = time.perf_counter()
        remote.tunnel.ensure()  # type: ignore[attr-defined]
        tunnel_ms = (time.perf_counter() - started) * 1000
        local.image_exists(MISSING)
        remote.image_exists(MISSING)  # connect both SDK clients before timing
        api_local = median_ms(lambda: local.image_exists(MISSING), n)
        api_remote = median_ms(lambda: remote.image_exists(MISSING), n)
        cli_local, cli_remote = cli_ms(local, max(n // 5, 3)), cli_ms(remote, max(n // 5, 3))
    finally:
        local.close()
        remote.close()
    print(f"{kind}: tunnel start {tunnel_ms:.0f} ms")
    for what, here, there in (
        ("API call", api_local, api_remote),
        ("CLI version", cli_local, cli_remote),
    ):
        print(f"  {what:<11} local {here:7.1f} ms  ssh {there:7.1f} ms  ratio {there / here:.2f}")


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 50
    with local_sshd() as sshd:
        for kind, socket in SOCKETS.items():
            measure(kind, sshd.url(socket), str(sshd.identity), str(sshd.known_hosts), n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
