"""An image's filesystem as a manifest, read from a created (never started) container.

The export is a tar stream read with a size cap; regular files up to HASH_CAP bytes
get a content hash. Paths the engine itself puts into every container (/etc/hosts,
/.dockerenv, /run/.containerenv, mount points) are left out: they are not the image.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import IO, Any

HASH_CAP = 1 << 20
EXPORT_CAP = 512 << 20
ENGINE_PATHS = frozenset(
    {
        ".dockerenv",
        "etc/hosts",
        "etc/hostname",
        "etc/resolv.conf",
        "etc/mtab",
        "run/.containerenv",
        "dev",
        "proc",
        "sys",
        "run",  # the directory entry only: Podman creates it for .containerenv
        # The directory entry only: Docker creates /etc in the container (for its
        # hosts/resolv.conf mounts) when the image has none, Podman does not.
        "etc",
    }
)
ENGINE_TREES = ("dev/", "proc/", "sys/")
TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink",
    tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block",
    tarfile.FIFOTYPE: "fifo",
}


@dataclass(frozen=True)
class Entry:
    type: str
    mode: str
    owner: str
    size: int
    link: str = ""
    sha256: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CappedStream:
    """A read()-able view of byte chunks that stops at `cap` bytes."""

    def __init__(self, chunks: Iterable[bytes], cap: int) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self.read_bytes = 0
        self.cap = cap
        self.truncated = False

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            if self.read_bytes >= self.cap:
                self.truncated = True
                break
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self.read_bytes += len(chunk)
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def _keep(path: str) -> bool:
    return path not in ENGINE_PATHS and not path.startswith(ENGINE_TREES)


def _entry(member: tarfile.TarInfo, data: IO[bytes] | None) -> Entry:
    digest = ""
    if data is not None and member.size <= HASH_CAP:
        digest = hashlib.sha256(data.read()).hexdigest()
    return Entry(
        type=TYPES.get(member.type, "other"),
        mode=oct(member.mode & 0o7777),
        owner=f"{member.uid}:{member.gid}",
        size=member.size if member.isreg() else 0,
        link=member.linkname,
        sha256=digest,
    )


def read_manifest(chunks: Iterable[bytes], cap: int = EXPORT_CAP) -> tuple[dict[str, Entry], bool]:
    """path -> Entry of every member of an exported filesystem; True when cut at `cap`."""
    stream = CappedStream(chunks, cap)
    manifest: dict[str, Entry] = {}
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                path = member.name.removeprefix("./").lstrip("/").rstrip("/")
                if not path or not _keep(path):
                    continue
                data = tar.extractfile(member) if member.isreg() else None
                manifest[path] = _entry(member, data)
    except tarfile.ReadError:
        if not stream.truncated:
            raise
    return manifest, stream.truncated


def diff_manifests(manifests: dict[str, dict[str, Entry]]) -> dict[str, dict[str, Any]]:
    """path -> {engine: entry or None} for every path whose entries are not all equal."""
    paths = sorted(set().union(*manifests.values())) if manifests else []
    out: dict[str, dict[str, Any]] = {}
    for path in paths:
        entries = {name: m.get(path) for name, m in manifests.items()}
        if len({e for e in entries.values()}) > 1:
            out[path] = {n: (e.to_json() if e else None) for n, e in entries.items()}
    return out
