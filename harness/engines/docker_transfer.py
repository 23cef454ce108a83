"""Container export and image save/load for the docker-py adapter (Docker Engine API)."""

from __future__ import annotations

from collections.abc import Iterator

import docker.errors
import requests

from harness.engines.docker import DockerEngine
from harness.errors import EngineError

CHUNK = 1 << 20


class DockerTransfer:
    def __init__(self, engine: DockerEngine) -> None:
        self.engine = engine

    def export_container(self, container_id: str) -> Iterator[bytes]:
        try:
            yield from self.engine.api.export(container_id, chunk_size=CHUNK)
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise EngineError(f"export failed: {exc}") from None

    def save_image(self, ref: str) -> Iterator[bytes]:
        try:
            yield from self.engine.api.get_image(ref, chunk_size=CHUNK)
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise EngineError(f"save failed: {exc}") from None

    def load_image(self, archive: bytes) -> list[str]:
        """The image references the engine says it loaded."""
        try:
            lines = list(self.engine.api.load_image(archive))
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise EngineError(f"load failed: {exc}") from None
        loaded = []
        for line in lines:
            if isinstance(line, dict) and line.get("error"):
                raise EngineError(f"load failed: {line['error']}")
            text = str(line.get("stream", "")) if isinstance(line, dict) else ""
            if "Loaded image" in text:
                loaded.append(text.split(":", 1)[1].strip())
        return loaded
