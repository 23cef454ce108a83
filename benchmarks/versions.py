"""Figures for the version surfaces (scripts/versions.sh), and the host before/after.

`python -m benchmarks.versions [SURFACE...]` (root; surfaces already set up) measures,
per surface: an idempotent setup pass, disk, stop, start until the socket answers,
_ping latency, idle RSS of the surface's processes; and prints the host's interfaces,
firewall rule counts and mount count before and after the stop/start cycle. It stops
and restarts the surfaces, so not part of `make bench`. Nothing here asserts a timing.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "versions.sh"
RUN_DIR = Path("/run/harness/versions")


def versions(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False)


def status() -> list[dict[str, object]]:
    return list(json.loads(versions("status", "--json").stdout))


def timed(*args: str) -> float:
    start = time.monotonic()
    done = versions(*args)
    if done.returncode != 0:
        raise RuntimeError(f"versions.sh {' '.join(args)}: {done.stderr.strip()}")
    return time.monotonic() - start


def ping(sock: str) -> bool:
    """One GET /_ping over the Unix socket, without an SDK in the way."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(sock)
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            return b" 200 " in s.recv(256)
    except OSError:
        return False


def ping_ms(sock: str, n: int = 20) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        ping(sock)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def surface_rss_mb(slug: str) -> float:
    """Summed RSS of the processes in the surface's mount namespace (engine, containerd)."""
    mnt = (RUN_DIR / f"{slug}.mntns").read_text().strip()
    total_kb = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.readlink(proc / "ns" / "mnt") == mnt:
                status_text = (proc / "status").read_text()
                total_kb += next(
                    int(line.split()[1])
                    for line in status_text.splitlines()
                    if line.startswith("VmRSS:")
                )
        except (OSError, StopIteration):
            continue
    return total_kb / 1024


def _lines(*cmd: str) -> list[str]:
    done = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    return done.stdout.splitlines()


def host_links() -> set[str]:
    return {line.split(":")[1].strip() for line in _lines("ip", "-o", "link")}


def host_counts() -> dict[str, int]:
    """Counts that a surface leaking into the host's namespaces would change."""
    return {
        "iptables -S lines": len(_lines("iptables", "-S")),
        "nft ruleset lines": len(_lines("nft", "list", "ruleset")),
        "mounts": len(_lines("findmnt", "-rn")),
        "docker0 present": int("docker0" in host_links()),
    }


def measure(surface: str) -> dict[str, float]:
    slug = surface.replace("@", "-")
    sock = str(RUN_DIR / f"{slug}.sock")
    figures = {"setup (idempotent) s": timed("setup", surface)}
    tree = Path("/var/lib/harness/versions") / surface / "root"
    du = subprocess.run(["du", "-sxm", str(tree)], capture_output=True, text=True, check=True)
    figures["disk MB"] = float(du.stdout.split()[0])
    figures["stop s"] = timed("stop", surface)
    start = time.monotonic()
    versions("start", surface)
    while not ping(sock) and time.monotonic() - start < 120:
        time.sleep(0.05)
    figures["start to _ping s"] = time.monotonic() - start
    figures["_ping median ms"] = ping_ms(sock)
    time.sleep(5)
    figures["idle RSS MB"] = surface_rss_mb(slug)
    return figures


def main(argv: list[str]) -> int:
    chosen = argv or [str(s["surface"]) for s in status() if s["set_up"]]
    if not chosen:
        print("no surface set up: scripts/versions.sh setup podman@5.4 docker@26.1")
        return 1
    links, counts = host_links(), host_counts()
    for surface in chosen:
        for metric, value in measure(surface).items():
            print(f"{surface:12} {metric:22} {value:9.2f}")
    links_after, counts_after = host_links(), host_counts()
    # Other sessions' networks on the host's engines come and go meanwhile: read, not assert.
    print(f"host links gone: {sorted(links - links_after) or 'none'}")
    print(f"host links new:  {sorted(links_after - links) or 'none'}")
    for key, value in counts.items():
        print(f"host {key}: before {value}, after {counts_after[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
