"""Kubernetes YAML of scenarios (for `podman kube play`): checked at load time,
rendered per engine at run time.

As with compose files, a container may only name an image the harness built
(`{{ base }}`, `{{ images.NAME }}`); rendering fills the reference, sets
`imagePullPolicy: Never` on every container (kube play then never pulls) and adds
the harness labels to every pod (Podman copies pod labels to its containers), so
the runner's label sweep finds whatever `kube down` leaves behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

KINDS = ("Pod", "Deployment")


def load(path: Path) -> list[dict[str, Any]]:
    """The YAML documents; ValueError when one is not a Pod or Deployment."""
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read kube file {path.name}: {exc}") from None
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("kind") not in KINDS:
            raise ValueError(f"kube file {path.name}: every document is a Pod or a Deployment")
    if not docs:
        raise ValueError(f"kube file {path.name} is empty")
    return docs


def pod_specs(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(pod metadata, pod spec) of a Pod, or of a Deployment's pod template."""
    if doc.get("kind") == "Deployment":
        template = doc.setdefault("spec", {}).setdefault("template", {})
        return template.setdefault("metadata", {}), template.setdefault("spec", {})
    return doc.setdefault("metadata", {}), doc.setdefault("spec", {})


def _inner(image: str) -> str | None:
    image = image.strip()
    return image[2:-2].strip() if image.startswith("{{") and image.endswith("}}") else None


def problems(docs: list[dict[str, Any]], images: set[str]) -> list[str]:
    found = []
    for doc in docs:
        for c in pod_specs(doc)[1].get("containers") or []:
            inner = _inner(str(c.get("image", "")))
            if inner is None or not (
                inner == "base" or (inner.startswith("images.") and inner[7:] in images)
            ):
                found.append(
                    f"container {c.get('name')!r}: image must be {{{{ base }}}} or "
                    f"{{{{ images.NAME }}}} of this scenario (got {c.get('image')!r})"
                )
    return found


def render(
    docs: list[dict[str, Any]], images: dict[str, str], labels: dict[str, str], suffix: str = ""
) -> str:
    """The YAML an engine gets; `suffix` makes pod and deployment names unique per run."""
    out = []
    for doc in docs:
        doc = yaml.safe_load(yaml.safe_dump(doc))  # a deep copy
        if suffix:
            top = doc.setdefault("metadata", {})
            top["name"] = f"{top.get('name', 'pod')}-{suffix}"
        meta, spec = pod_specs(doc)
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
        if doc["kind"] == "Deployment":
            top = doc.setdefault("metadata", {})
            top["labels"] = {**(top.get("labels") or {}), **labels}
        for c in spec.get("containers") or []:
            inner = _inner(str(c["image"])) or "base"
            c["image"] = images["base" if inner == "base" else inner[7:]]
            c["imagePullPolicy"] = "Never"
        out.append(doc)
    return yaml.safe_dump_all(out, sort_keys=False)


def host_ports(docs: list[dict[str, Any]]) -> list[int]:
    """The fixed host ports the pods publish (`hostPort`)."""
    return sorted(
        int(p["hostPort"])
        for d in docs
        for c in pod_specs(d)[1].get("containers") or []
        for p in c.get("ports") or []
        if isinstance(p, dict) and str(p.get("hostPort", "")).isdigit()
    )


def container_names(docs: list[dict[str, Any]]) -> list[str]:
    return sorted(str(c["name"]) for d in docs for c in pod_specs(d)[1].get("containers") or [])
