"""What a compose file would grant on the host, key by key, at file:line:col.

Compose files under a scenario's contexts/ reach the engine through each engine's
compose tool, so every host-touching key is classified the way `cli` options are
(`host_access`): privileged, namespaces, devices, capabilities, security options,
bind volumes and volume driver options, file secrets and env files outside the
scenario's directory, variables the tool would fill from the harness's own
environment, foreign (external or named) volumes and networks, and `io.harness.*`
labels. Unknown service keys are refused. `classify_compose` is also what
`harness check` calls on a user's own compose file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import Location, ScenarioError
from harness.model import host_access as access
from harness.model.access import (
    DEVICE,
    FORBIDDEN,
    HOST_BIND,
    HOST_ENV,
    HOST_NAMESPACE,
    HOST_NETWORK,
    PRIVILEGED,
    SECURITY_OPT,
    Concern,
    Where,
    inside,
)
from harness.model.yamlpos import Positioned, load_positioned

Found = tuple[Where, str, str]

# Compose specification service keys (compose-spec 2.x); anything else is refused.
SERVICE_KEYS = frozenset(
    [
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "label_file",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "pull_policy",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "use_api_socket",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    ]
)
TOP_KEYS = frozenset({"version", "name", "services", "volumes", "networks", "secrets", "configs"})
_NEUTRAL_PULL = frozenset({"never", "missing", "if_not_present"})


class _Walk:
    """Collects findings for one compose document (paths inside the document)."""

    def __init__(self, doc: dict[str, Any], directory: Path, base: Path) -> None:
        self.doc, self.directory, self.base = doc, directory, base
        self.found: list[Found] = []
        self.volumes = (
            set(doc.get("volumes") or {}) if isinstance(doc.get("volumes"), dict) else set()
        )

    def add(self, where: Where, kind: str, detail: str) -> None:
        self.found.append((where, kind, detail))

    def own_file(self, where: Where, path: Any, what: str) -> None:
        """A host file compose reads: the scenario's own only (inside its directory)."""
        text = str(path)
        owned = inside(text, self.directory) and (self.directory / text).resolve().is_relative_to(
            self.base.resolve()
        )
        if not owned:
            self.add(where, HOST_BIND, f"{what} {text!r} is outside the scenario's directory")


def _items(value: Any) -> list[tuple[int | str, Any]]:
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return list(enumerate(value))
    return [] if value is None else [(-1, value)]


def _service(w: _Walk, name: str, svc: dict[str, Any]) -> None:
    at: Where = ("services", name)
    for key, value in svc.items():
        where = (*at, key)
        if key not in SERVICE_KEYS and not key.startswith("x-"):
            w.add((*at,), FORBIDDEN, f"service {name!r}: unknown key {key!r} (refused)")
            continue
        _service_key(w, where, key, value)


def _service_key(w: _Walk, where: Where, key: str, value: Any) -> None:
    if key == "privileged" and value is not False:
        w.add(where, PRIVILEGED, f"privileged: {value!r}")
    elif key in ("pid", "ipc", "uts", "userns_mode", "cgroup", "network_mode"):
        found = access.namespace(key.removesuffix("_mode"), str(value))
        if found:
            w.add(where, *found)
    elif key in ("devices", "device_cgroup_rules", "gpus"):
        w.add(where, DEVICE, f"{key}: {value!r}")
    elif key == "deploy":
        _deploy(w, where, value)
    elif key == "cap_add":
        for i, cap in _items(value):
            for kind, detail in access.capabilities([str(cap)]):
                w.add((*where, i), kind, detail)
    elif key == "security_opt":
        for i, opt in _items(value):
            for kind, detail in access.security_opt(str(opt)):
                w.add((*where, i), kind, detail)
    elif key == "runtime":
        w.add(where, SECURITY_OPT, f"runtime {value!r}")
    elif key == "volumes":
        for i, vol in _items(value):
            _service_volume(w, (*where, i), vol)
    elif key in ("volumes_from", "use_api_socket"):
        w.add(where, HOST_BIND, f"{key}: {value!r}")
    elif key in ("external_links", "cgroup_parent"):
        w.add(where, HOST_NAMESPACE, f"{key}: {value!r} is not the project's")
    else:
        _service_key_more(w, where, key, value)


def _service_key_more(w: _Walk, where: Where, key: str, value: Any) -> None:
    if key in ("labels", "annotations"):
        _labels(w, where, value, key)
    elif key in ("label_file", "credential_spec", "develop"):
        w.add(where, FORBIDDEN, f"{key} is not passed (it reads or syncs host files unchecked)")
    elif key == "extends" and isinstance(value, dict) and "file" in value:
        w.add(where, FORBIDDEN, "extends from another file is not passed")
    elif key == "pull_policy" and str(value) not in _NEUTRAL_PULL:
        w.add(where, FORBIDDEN, f"pull_policy {value!r}: nothing is pulled")
    elif key == "env_file":
        for i, item in _items(value):
            path = item.get("path") if isinstance(item, dict) else item
            w.own_file((*where, i) if i != -1 else where, path, "env file")
    elif key == "environment":
        for i, item in _items(value):
            if (isinstance(value, dict) and item is None) or (
                isinstance(value, list) and "=" not in str(item)
            ):
                name = i if isinstance(value, dict) else item
                w.add((*where, i), HOST_ENV, f"environment {name!r} passes the harness's own")
    elif key == "logging" and isinstance(value, dict):
        driver = str(value.get("driver", "json-file"))
        findings = access.log_driver(driver)
        for k, v in _items(value.get("options")):
            findings += access.log_opt(f"{k}={v}")
        for kind, detail in findings:
            w.add(where, kind, detail)


def _deploy(w: _Walk, where: Where, value: Any) -> None:
    resources = value.get("resources") if isinstance(value, dict) else None
    reservations = resources.get("reservations") if isinstance(resources, dict) else None
    if isinstance(reservations, dict) and reservations.get("devices"):
        w.add((*where, "resources", "reservations", "devices"), DEVICE, "device reservations")


def _labels(w: _Walk, where: Where, value: Any, what: str) -> None:
    """`io.harness.*` in a labels mapping or `KEY=VALUE` list, at the offending entry."""
    for i, item in _items(value):
        key = str(i) if isinstance(value, dict) else str(item).split("=")[0]
        for kind, detail in access.labels([key], what):
            w.add((*where, i), kind, detail)


def _service_volume(w: _Walk, where: Where, vol: Any) -> None:
    """Short (`SRC:DST[:MODE]`) and long (`type: bind|volume|tmpfs`) volume syntax."""
    if isinstance(vol, dict):
        kind = str(vol.get("type", "volume")).lower()
        source = vol.get("source")
        if kind == "bind":
            w.own_file((*where, "source"), source or "", "bind mount of")
        elif kind == "volume":
            if source is not None and str(source) not in w.volumes:
                w.add(
                    (*where, "source"), FORBIDDEN, f"volume {source!r} is not declared in the file"
                )
        elif kind != "tmpfs":
            w.add((*where, "type"), FORBIDDEN, f"mount type {kind!r} is not passed")
        return
    text = str(vol)
    if ":" not in text:
        return  # an anonymous volume
    source = text.split(":", 1)[0]
    if source.startswith(("/", ".", "~", "$")):
        w.own_file(where, source, "bind mount of")
    elif source not in w.volumes:
        w.add(where, FORBIDDEN, f"volume {source!r} is not declared in the file")


def _top_level(w: _Walk) -> None:
    for key in w.doc:
        if key not in TOP_KEYS and not str(key).startswith("x-"):
            w.add((key,), FORBIDDEN, f"top-level key {key!r} is not passed")
    for section, kind in (("volumes", HOST_BIND), ("networks", HOST_NAMESPACE)):
        for name, item in _items(w.doc.get(section)):
            _resource(w, (section, name), section, item or {}, kind)
    for section in ("secrets", "configs"):
        for name, item in _items(w.doc.get(section)):
            item = item if isinstance(item, dict) else {}
            if "file" in item:
                w.own_file((section, name, "file"), item["file"], f"{section[:-1]} file")
            if "environment" in item or item.get("external"):
                w.add((section, name), HOST_ENV, f"{section[:-1]} {name!r} from the host")


def _resource(w: _Walk, where: Where, section: str, item: Any, kind: str) -> None:
    """A top-level volume or network: only the project's own, harness-labelled ones."""
    if not isinstance(item, dict):
        return
    what = f"{section[:-1]} {where[-1]!r}"
    if item.get("external") or "name" in item:
        w.add(where, kind, f"{what} is not the project's (external or named)")
    _labels(w, (*where, "labels"), item.get("labels"), what)
    driver = str(item.get("driver") or ("local" if section == "volumes" else "bridge"))
    opts = item.get("driver_opts") or {}
    if section == "volumes":
        if driver != "local":
            w.add((*where, "driver"), HOST_BIND, f"{what} uses volume driver {driver!r}")
        for finding_kind, detail in access.volume_options(
            {str(k): str(v) for k, v in opts.items()}, what
        ):
            w.add((*where, "driver_opts"), finding_kind, detail)
    elif driver == "host":
        w.add((*where, "driver"), HOST_NETWORK, f"{what} uses the host driver")
    elif driver != "bridge" or opts:
        w.add(
            where,
            HOST_NAMESPACE,
            f"{what}: driver {driver!r} or driver options reach host interfaces",
        )


def _interpolated(w: _Walk, node: Any, where: Where) -> None:
    """`$VAR`/`${VAR}` anywhere: the compose tool fills it from the harness's environment."""
    if isinstance(node, str):
        if "$" in node.replace("$$", ""):
            w.add(where, HOST_ENV, f"{node!r} is filled from the harness's own environment")
        return
    for key, value in _items(node) if isinstance(node, dict | list) else ():
        _interpolated(w, value, (*where, key))


def classify_compose(doc: Positioned, file: str, base: Path | None = None) -> list[Concern]:
    """Every host-reaching key of a compose document, with its place in `file`.

    `base` is the directory a bind source or env file must stay inside (the
    scenario's); by default the compose file's own directory.
    """
    directory = Path(file).parent
    data = doc.data if isinstance(doc.data, dict) else {}
    w = _Walk(data, directory, base or directory)
    for name, svc in _items(data.get("services")):
        if isinstance(svc, dict):
            _service(w, str(name), svc)
    _top_level(w)
    _interpolated(w, data, ())
    return [
        Concern(where, kind, detail, doc.locate(file, where)) for where, kind, detail in w.found
    ]


def concerns_of_file(path: Path, base: Path) -> list[Concern]:
    """Read a compose file with positions and classify it. A file the strict reader
    refuses (duplicate keys, merge keys, tags) is refused here too: the compose tool
    would read it another way than the one checked."""
    try:
        doc = load_positioned(path.read_text(encoding="utf-8"), str(path))
    except ScenarioError as exc:
        return [Concern((), FORBIDDEN, f"compose file: {exc.message}", exc.location)]
    except (OSError, UnicodeDecodeError) as exc:
        return [
            Concern((), FORBIDDEN, f"compose file unreadable: {exc}", Location(str(path), 1, 1))
        ]
    return classify_compose(doc, str(path), base)
