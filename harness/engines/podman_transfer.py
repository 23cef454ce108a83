"""Container export and image save/load for the podman-py adapter (libpod API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from harness.engines.podman import PodmanEngine
from harness.errors import EngineError

CHUNK = 1 << 20


class PodmanTransfer:
    def __init__(self, engine: PodmanEngine) -> None:
        self.engine = engine

    def _stream(self, path: str, params: dict[str, Any] | None = None) -> Iterator[bytes]:
        try:
            response = self.engine.client.api.get(path, params=params, stream=True)
            response.raise_for_status()
            yield from response.iter_content(chunk_size=CHUNK)
        except Exception as exc:  # podman-py raises APIError, requests its own
            raise EngineError(f"{path}: {exc}") from None

    def export_container(self, container_id: str) -> Iterator[bytes]:
        return self._stream(f"/containers/{container_id}/export")

    def save_image(self, ref: str) -> Iterator[bytes]:
        return self._stream(f"/images/{ref}/get", {"format": "docker-archive"})

    def load_image(self, archive: bytes) -> list[str]:
        try:
            response = self.engine.client.api.post("/images/load", data=archive)
            response.raise_for_status()
        except Exception as exc:
            raise EngineError(f"load failed: {exc}") from None
        return [str(name) for name in (response.json().get("Names") or [])]
