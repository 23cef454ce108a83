"""Turn raw engine answers into comparable observations.

Three jobs: `container_facts` and `image_facts` read an inspect document (the
Docker and libpod shapes differ) into engine-neutral fields, and `container_raw`
keeps the raw value beside each fact whose reading changed it; `normalize`
reduces values that legitimately differ between engines or runs (ids, image
name prefixes, timestamps) before observations are compared across engines;
`scrub` removes only what differs per run (ids, times, random host ports) and
keeps each value's spelling, so that a difference left after `scrub` but gone after
`normalize` is a representation difference (same fact, other spelling or shape).
Every normalization is listed, with why it exists, in docs/normalizations.md.
"""

from __future__ import annotations

import re
import signal
from typing import Any

from harness.labels import PREFIX

_ID = re.compile(r"\b[0-9a-f]{64}\b")
_SHORT_ID = re.compile(r"\b[0-9a-f]{12}\b")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_IMAGE_PREFIX = re.compile(r"\b(?:localhost/|docker\.io/library/|docker\.io/)")
_TIME_SHAPE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?P<frac>\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})"
)
_HOST_PORT = re.compile(r"\b(?P<ip>(?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-f:]*\]):\d{4,5}\b")
_AGO = re.compile(
    r"\b(?:\d+|About an?|Less than a) (?:second|minute|hour)s?(?= ago\b)|"
    r"(?<=\bUp )(?:\d+|About an?|Less than a) (?:second|minute|hour)s?"
)
# Keys whose values are timings of this run: recorded to be asked about, never noise.
TIMING_SUFFIXES = ("elapsed_s", "duration_s", "waited_s")


def _as_list(value: Any) -> list[str] | None:
    """Entrypoint/Cmd: Docker gives a list or null, Podman 4 an (empty) string or a list.

    A string is split on spaces only as a last resort (see `_entrypoint`).
    """
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return value.split(" ")
    return [str(v) for v in value]


def _process_candidates(inspect: dict[str, Any]) -> list[list[str]]:
    """The container's full argv from libpod's top-level Path/Args.

    libpod puts argv[0] in Path and argv[1:] in Args, except that a one-word argv
    gives Args == [Path]; that case is ambiguous with a two-word argv like
    ["echo", "echo"], so both readings are returned.
    """
    path, args = inspect.get("Path"), inspect.get("Args")
    if not isinstance(path, str) or not path or not isinstance(args, list):
        return []
    words = [str(a) for a in args]
    candidates = [[path, *words]]
    if words == [path]:
        candidates.append([path])
    return candidates


def _entrypoint(inspect: dict[str, Any]) -> list[str] | None:
    """Config.Entrypoint as a list, also when libpod (Podman 4) joined it into a string.

    Splitting that string on spaces breaks an element containing a space
    (["/bin/sh", "-c", "echo a b"]). libpod's inspect still has the exact words:
    the process argv (Path/Args) is the entrypoint followed by Config.Cmd. An
    argv prefix is accepted only if it joins back to the string; otherwise the
    split is the best that can be done.
    """
    config = inspect.get("Config") or {}
    value = config.get("Entrypoint")
    if not isinstance(value, str) or value == "":
        return _as_list(value)
    cmd = config.get("Cmd")
    cmd_words = [str(c) for c in cmd] if isinstance(cmd, list) else []
    found = []
    for argv in _process_candidates(inspect):
        cut = len(argv) - len(cmd_words)
        if cut > 0 and argv[cut:] == cmd_words and " ".join(argv[:cut]) == value:
            found.append(argv[:cut])
    if len(found) == 1:
        return found[0]
    return _as_list(value)


def _env(value: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in value or []:
        key, _, val = str(item).partition("=")
        out[key] = val
    return out


def _labels(value: Any) -> dict[str, str]:
    return {k: str(v) for k, v in (value or {}).items() if not k.startswith(PREFIX)}


def health_doc(state: dict[str, Any]) -> dict[str, Any]:
    """A container's health document from its inspect `State`: Docker and Podman 4.4+
    call it `Health`, Podman before 4.4 `Healthcheck`. Empty when there is none."""
    doc = state.get("Health") or state.get("Healthcheck")
    return dict(doc) if isinstance(doc, dict) else {}


def _health(state: dict[str, Any]) -> str | None:
    status = health_doc(state).get("Status")
    return str(status) if status else None


def _signal_name(value: Any) -> str | None:
    """StopSignal: Docker gives a name ('SIGUSR1'), libpod's inspect a number (10), and
    Podman's Docker-compatible inspect the number as a string ('10'): all the same fact.
    The raw shape stays observable as `inspect.Config.StopSignal`."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return signal.Signals(value).name
        except ValueError:
            return str(value)
    return str(value)


def _config_facts(config: dict[str, Any], prefix: str) -> dict[str, Any]:
    health = config.get("Healthcheck")
    return {
        f"{prefix}entrypoint": _as_list(config.get("Entrypoint")),
        f"{prefix}cmd": _as_list(config.get("Cmd")),
        f"{prefix}user": config.get("User") or "",
        f"{prefix}workdir": config.get("WorkingDir") or "",
        f"{prefix}env": _env(config.get("Env")),
        f"{prefix}labels": _labels(config.get("Labels")),
        f"{prefix}stop_signal": _signal_name(config.get("StopSignal")),
        f"{prefix}exposed_ports": sorted(config.get("ExposedPorts") or {}),
        f"{prefix}volumes": sorted(config.get("Volumes") or {}),
        f"{prefix}healthcheck": (health.get("Test") if health else None),
    }


def container_facts(inspect: dict[str, Any]) -> dict[str, Any]:
    """Engine-neutral fields of a container inspect document."""
    state = inspect.get("State") or {}
    facts = _config_facts(inspect.get("Config") or {}, "config.")
    facts.update(
        {
            "config.entrypoint": _entrypoint(inspect),
            "config.hostname": (inspect.get("Config") or {}).get("Hostname"),
            "state.status": state.get("Status"),
            "state.exit_code": state.get("ExitCode"),
            "state.oom_killed": state.get("OOMKilled"),
            "state.error": state.get("Error") or None,
            "state.health": _health(state),
            "restart_count": inspect.get("RestartCount"),
        }
    )
    return facts


MANIFEST_FORMATS = {
    "application/vnd.oci.image.manifest.v1+json": "oci",
    "application/vnd.docker.distribution.manifest.v2+json": "docker",
}


def image_facts(inspect: dict[str, Any]) -> dict[str, Any]:
    """Engine-neutral fields of an image inspect document (its config as built).

    libpod puts an image's healthcheck beside Config, not in it, and shows no Shell
    or OnBuild at all (those read None there whatever the image holds: observe their
    effect instead). `format` comes from libpod's ManifestType; Docker has none.
    """
    config = inspect.get("Config") or inspect.get("ContainerConfig") or {}
    if not config.get("Healthcheck") and inspect.get("Healthcheck"):
        # libpod's image inspect keeps the healthcheck at the top level, not in Config.
        config = {**config, "Healthcheck": inspect["Healthcheck"]}
    facts = _config_facts(config, "")
    if facts["healthcheck"] is None and isinstance(inspect.get("Healthcheck"), dict):
        facts["healthcheck"] = inspect["Healthcheck"].get("Test")
    facts["shell"] = config.get("Shell") or None
    facts["onbuild"] = config.get("OnBuild") or None
    facts["format"] = MANIFEST_FORMATS.get(str(inspect.get("ManifestType")))
    return facts


def lookup(document: Any, path: str) -> Any:
    """Follow a dotted path ('State.Health.Status', 'Mounts.0.Type') into a document."""
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return None
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def scrub(value: Any) -> Any:
    """Remove only what differs from run to run, keeping each value's spelling: ids
    become `<id>` (12-digit short ids, as in hostnames and `ps`: `<short-id>`), a
    timestamp its shape (`<time.9Z>`: 9 fractional digits, UTC), a random host port
    `<port>`, an age ("3 seconds ago") `<age>`."""
    if isinstance(value, str):
        value = _ID.sub("<id>", value)
        value = _SHORT_ID.sub("<short-id>", value)
        value = _TIME_SHAPE.sub(_time_shape, value)
        value = _HOST_PORT.sub(lambda m: f"{m.group('ip')}:<port>", value)
        return _AGO.sub("<age>", value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


def _time_shape(match: re.Match[str]) -> str:
    frac = match.group("frac")
    zone = "Z" if match.group("zone") == "Z" else "+hh:mm"
    return f"<time.{len(frac) - 1 if frac else 0}{zone}>"


def container_raw(inspect: dict[str, Any]) -> dict[str, Any]:
    """The raw inspect values behind the facts that `container_facts` reads into
    another shape (a string split into a list, a signal number named, the health
    status found under either key, Env as a mapping): the twin kept beside them."""
    config = inspect.get("Config") or {}
    state = inspect.get("State") or {}
    return {
        "config.entrypoint": config.get("Entrypoint"),
        "config.cmd": config.get("Cmd"),
        "config.stop_signal": config.get("StopSignal"),
        "config.env": config.get("Env"),
        "state.health": {
            key: (state.get(key) or {}).get("Status")
            for key in ("Health", "Healthcheck")
            if (state.get(key) or {}).get("Status")
        }
        or None,
    }


def normalize(value: Any) -> Any:
    """Reduce run- and engine-specific noise so equal behaviour compares equal."""
    if isinstance(value, str):
        value = _ID.sub("<id>", value)
        value = _TIMESTAMP.sub("<time>", value)
        return _IMAGE_PREFIX.sub("", value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value
