"""The local registry the setup starts (Debian's docker-registry on 127.0.0.1 only).

Scenarios name repositories symbolically (`app:v1`); `qualify` turns that into a
fully qualified reference under a repository prefix unique to the run, scenario
and engine, so parallel runs never share tags and teardown knows what to delete.
Nothing else is ever pushed to or pulled from: `require_local` guards every
push and pull. The registry's own answers (manifest digest and media type) are
the reference the engines' pushes and pulls are checked against.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness.errors import EngineError
from harness.labels import short_hash

DEFAULT_ADDRESS = "127.0.0.1:5000"
DEFAULT_STORAGE = "/var/lib/harness/registry/storage"
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
_SYMBOLIC = re.compile(r"^([a-z0-9][a-z0-9._-]*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$")


def address() -> str:
    """host:port of the local registry (HARNESS_REGISTRY), always on 127.0.0.0/8."""
    addr = os.environ.get("HARNESS_REGISTRY", DEFAULT_ADDRESS)
    if not addr.startswith("127."):
        raise EngineError(f"HARNESS_REGISTRY={addr!r}: only a registry on 127.0.0.0/8 is allowed")
    return addr


def require_local(ref: str) -> str:
    """Refuse any reference outside the local registry (a pull from elsewhere is forbidden)."""
    if not ref.startswith(address() + "/"):
        raise EngineError(f"refusing to push or pull {ref!r}: only {address()}/... is allowed")
    return ref


def prefix(run_id: str, scenario_id: str, engine: str) -> str:
    """The repository namespace of one scenario on one engine in one run."""
    return f"harness/{run_id[-6:].lower()}-{short_hash(run_id, scenario_id, engine)}"


def qualify(symbolic: str, namespace: str) -> str:
    """'app:v1' -> '127.0.0.1:5000/harness/<ns>/app:v1' (tag 'latest' when omitted)."""
    m = _SYMBOLIC.match(symbolic)
    if not m:
        raise EngineError(f"bad repository reference {symbolic!r}; expected NAME[:TAG]")
    return f"{address()}/{namespace}/{m.group(1)}:{m.group(2) or 'latest'}"


def split(ref: str) -> tuple[str, str]:
    """'127.0.0.1:5000/a/b:t' -> ('a/b', 't'); a digest reference keeps its digest."""
    rest = require_local(ref)[len(address()) + 1 :]
    if "@" in rest:
        repo, _, digest = rest.partition("@")
        return repo, digest
    repo, _, tag = rest.rpartition(":")
    return repo, tag


@dataclass(frozen=True)
class Manifest:
    """What the registry holds for a tag: the digest it serves and the manifest's type."""

    digest: str
    media_type: str


def _request(method: str, path: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(f"http://{address()}{path}", method=method)
    req.add_header("Accept", ", ".join(MANIFEST_TYPES))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), b""
    except OSError as exc:
        raise EngineError(f"local registry {address()} unreachable: {exc}") from None


def reachable() -> bool:
    try:
        return _request("GET", "/v2/", timeout=3)[0] == 200
    except EngineError:
        return False


def manifest(repo: str, reference: str) -> Manifest | None:
    """HEAD the manifest of `repo:reference`; None when the registry has no such tag."""
    status, headers, _ = _request("HEAD", f"/v2/{repo}/manifests/{reference}")
    if status != 200:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    return Manifest(lower.get("docker-content-digest", ""), lower.get("content-type", ""))


def tags(repo: str) -> list[str]:
    status, _, body = _request("GET", f"/v2/{repo}/tags/list")
    if status != 200:
        return []
    return sorted(json.loads(body or b"{}").get("tags") or [])


def delete_repository(repo: str) -> list[str]:
    """Delete every manifest of `repo` through the API, then its directory when the
    storage is local; returns what could not be deleted."""
    problems = []
    for tag in tags(repo):
        found = manifest(repo, tag)
        if found is None:
            continue
        status, _, _ = _request("DELETE", f"/v2/{repo}/manifests/{found.digest}")
        if status not in (202, 404):
            problems.append(f"registry:{repo}:{tag} (DELETE answered {status})")
    storage = Path(os.environ.get("HARNESS_REGISTRY_STORAGE", DEFAULT_STORAGE))
    repo_dir = storage / "docker/registry/v2/repositories" / repo
    if repo.startswith("harness/") and repo_dir.is_dir():
        shutil.rmtree(repo_dir, ignore_errors=True)
        parent = repo_dir.parent
        if parent.name != "harness" and not any(parent.iterdir()):
            parent.rmdir()
    return problems
