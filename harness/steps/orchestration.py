"""Orchestration steps: swarm mode and stacks (Docker's way to run a multi-service
app), pods and `kube play`/`kube generate` (Podman's way), through each engine's own
command line, and what a user checks afterwards (a published port, a replaced task).

A surface without the feature makes the scenario `unsupported` there, with the
probed reason (`harness.engines.capabilities`). Nothing is pulled: a stack names
images by id (swarm skips its pull for an id) and kube YAML gets
`imagePullPolicy: Never`. Teardown removes stacks, pods and the swarm this scenario
started (and the `docker_gwbridge` network swarm made, if it was not there before),
before the runner's label sweep.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.engines import capabilities
from harness.engines.base import Unsupported, sees_path
from harness.errors import EngineError
from harness.labels import SCOPE, resource_name, short_hash
from harness.model import compose_file, kube_file
from harness.model.loader import BASE_IMAGE
from harness.model.specs.orchestration import (
    AppDownSpec,
    AppUpSpec,
    KubeDownSpec,
    KubeGenerateSpec,
    KubePlaySpec,
    ReplacedSpec,
    StackDeploySpec,
    StackRmSpec,
    SwarmInitSpec,
    SwarmLeaveSpec,
    TcpSpec,
)
from harness.steps.cli_util import label_args, run_cli
from harness.steps.context import StateKey, StepContext
from harness.steps.kinds import Family, StepKind
from harness.steps.vantage import host_side

NAMESPACE = "com.docker.stack.namespace"
SERVICE = "com.docker.swarm.service.name"
GWBRIDGE = "docker_gwbridge"
TASK_ID = re.compile(r"\b[a-z0-9]{25}\b")


@dataclass
class OrchestrationState:
    swarm_started: bool = False
    gwbridge_existed: bool = True
    stack: str = ""
    kube_file: Path | None = None
    app: str = ""  # the orchestrator app_up chose: "stack" or "kube"


ORCH = StateKey("orchestration", OrchestrationState)


def _require(ctx: StepContext, name: str) -> None:
    capabilities.require(ctx.engine, name, ctx.images[BASE_IMAGE], ctx.run_id)


def swarm_state(ctx: StepContext) -> str:
    answer = run_cli(ctx, "info", "--format", "{{.Swarm.LocalNodeState}}")
    return answer.stdout.strip() if answer.ok else f"unknown: {answer.error}"


# -- swarm -----------------------------------------------------------------------------
def swarm_init(ctx: StepContext, spec: SwarmInitSpec) -> None:
    _require(ctx, "swarm")
    state = ctx.state(ORCH)
    if swarm_state(ctx) == "active":
        ctx.record(spec.name, was_active=True, exit_code=0, error=None, state="active")
        return
    state.gwbridge_existed = run_cli(ctx, "network", "inspect", GWBRIDGE).ok
    answer = run_cli(ctx, "swarm", "init", "--advertise-addr", "127.0.0.1",
                     "--listen-addr", "127.0.0.1:0")  # fmt: skip
    state.swarm_started = answer.ok
    ctx.record(spec.name, was_active=False, exit_code=answer.exit_code, error=answer.error,
               state=swarm_state(ctx))  # fmt: skip


def _leave(ctx: StepContext) -> tuple[int | None, str | None]:
    state = ctx.state(ORCH)
    answer = run_cli(ctx, "swarm", "leave", "--force")
    if answer.ok:
        state.swarm_started = False
        if not state.gwbridge_existed:
            run_cli(ctx, "network", "rm", GWBRIDGE)
    return answer.exit_code, answer.error


def swarm_leave(ctx: StepContext, spec: SwarmLeaveSpec) -> None:
    _require(ctx, "swarm")
    code, error = _leave(ctx)
    ctx.record(spec.name, exit_code=code, error=error, state=swarm_state(ctx))


# -- stacks ----------------------------------------------------------------------------
def stack_containers(ctx: StepContext, stack: str, running: bool) -> list[tuple[str, str, str]]:
    """(id, name, service) of the stack's containers."""
    args = ["ps", "--filter", f"label={NAMESPACE}={stack}", "--no-trunc", "--format",
            "{{.ID}} {{.Names}} {{.Label \"" + SERVICE + "\"}}"]  # fmt: skip
    answer = run_cli(ctx, *(args if running else [args[0], "-a", *args[1:]]))
    rows = [line.split() for line in answer.stdout.splitlines() if line.strip()]
    return [(r[0], r[1], r[2]) for r in rows if len(r) == 3]


def _register(ctx: StepContext, key: str, cid: str, name: str) -> None:
    """A container an orchestrator made, for later steps; its inspect as deployed (what
    `replaced` compares a restart against)."""
    ctx.containers[key] = cid
    ctx.names[key] = name
    with contextlib.suppress(EngineError):
        ctx.inspects[key] = ctx.engine.inspect_container(cid)


def _normal(name: str, stack: str) -> str:
    return TASK_ID.sub("ID", name.replace(stack, "STACK"))


def _host_file_reachable(ctx: StepContext, what: str) -> None:
    """The CLI is given a file the harness writes on the host, in `{{ tmp }}`: an engine
    that resolves paths in its own root sees it only in its shared scratch."""
    if ctx.tmp is None or not sees_path(ctx.engine, ctx.tmp):
        raise Unsupported(
            f"{ctx.engine.name} resolves paths in its own root: the {what} file the harness "
            "writes on the host is not there"
        )


def _render_stack(ctx: StepContext, spec: StackDeploySpec) -> Path:
    """The stack file with images as ids (no task then tries a pull) and harness labels."""
    if ctx.tmp is None:
        raise EngineError("no temporary directory for the stack file")
    ids = {n: str(ctx.engine.inspect_image(ref)["Id"]) for n, ref in ctx.images.items()}
    doc = compose_file.load(ctx.loaded.directory / spec.file)
    path = ctx.tmp / "stack.yaml"
    path.write_text(compose_file.render(doc, ids, ctx.labels))
    return path


def _wait_tasks(ctx: StepContext, stack: str, services: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not ctx.stopping():
        seen = {svc for _, _, svc in stack_containers(ctx, stack, running=True)}
        if all(f"{stack}_{s}" in seen for s in services):
            return
        time.sleep(0.5)


def stack_deploy(ctx: StepContext, spec: StackDeploySpec) -> None:
    _require(ctx, "stack")
    _host_file_reachable(ctx, "stack")
    state = ctx.state(ORCH)
    state.stack = "h" + short_hash(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name)
    path = _render_stack(ctx, spec)
    answer = run_cli(ctx, "stack", "deploy", "--resolve-image", "never", "-c", str(path),
                     state.stack, timeout=spec.timeout)  # fmt: skip
    ctx.record(spec.name, exit_code=answer.exit_code, stderr=answer.stderr)
    services = compose_file.services(compose_file.load(path))
    if answer.ok:
        _wait_tasks(ctx, state.stack, services, spec.timeout)
    found = stack_containers(ctx, state.stack, running=True)
    for svc in services:
        mine = [(cid, name) for cid, name, s in found if s == f"{state.stack}_{svc}"]
        ctx.record(spec.name, **{f"containers.{svc}": len(mine)})
        if mine:
            _register(ctx, f"{spec.name}-{svc}", *mine[0])
            ctx.record(spec.name, **{f"name.{svc}": _normal(mine[0][1], state.stack)})
    nets = run_cli(ctx, "network", "ls", "--filter", f"label={NAMESPACE}={state.stack}",
                   "--format", "{{.Name}} {{.Driver}}")  # fmt: skip
    listed = sorted(_normal(n, state.stack) for n in nets.stdout.splitlines() if n.strip())
    ctx.record(spec.name, services=services, networks=listed)


def _stack_gone(ctx: StepContext, stack: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not stack_containers(ctx, stack, running=False):
            return True
        time.sleep(0.5)
    return False


def stack_rm(ctx: StepContext, spec: StackRmSpec) -> None:
    _require(ctx, "stack")
    stack = ctx.state(ORCH).stack
    if not stack:
        raise EngineError(f"{spec.name}: no stack was deployed")
    started = time.monotonic()
    answer = run_cli(ctx, "stack", "rm", stack)
    _stack_gone(ctx, stack, spec.timeout)
    nets = run_cli(ctx, "network", "ls", "-q", "--filter", f"label={NAMESPACE}={stack}")
    ctx.record(
        spec.name,
        exit_code=answer.exit_code,
        containers_left=len(stack_containers(ctx, stack, running=False)),
        networks_left=len(nets.stdout.split()),
        seconds=round(time.monotonic() - started, 1),
    )
    ctx.state(ORCH).stack = ""


# -- kube ------------------------------------------------------------------------------
def _scope_filter(ctx: StepContext) -> str:
    return f"label={SCOPE}={ctx.labels[SCOPE]}"


def pods(ctx: StepContext) -> list[tuple[str, str]]:
    """(id, name) of this scenario's pods on this engine."""
    answer = run_cli(ctx, "pod", "ps", "--filter", _scope_filter(ctx),
                     "--format", "{{.ID}} {{.Name}}")  # fmt: skip
    rows = [line.split() for line in answer.stdout.splitlines() if line.strip()]
    return [(r[0], r[1]) for r in rows if len(r) == 2]


def kube_containers(ctx: StepContext) -> list[tuple[str, str, str]]:
    """(id, name, state) of this scenario's pod containers (infra ones carry no labels)."""
    answer = run_cli(ctx, "ps", "-a", "--no-trunc", "--filter", _scope_filter(ctx),
                     "--format", "{{.ID}} {{.Names}} {{.State}}")  # fmt: skip
    rows = [line.split(maxsplit=2) for line in answer.stdout.splitlines() if line.strip()]
    # Podman's `{{.State}}` is the status text ("Up 2 seconds ago"), Docker's a word.
    return [(r[0], r[1], _state(r[2])) for r in rows if len(r) == 3]


def _state(status: str) -> str:
    return "running" if status.startswith("Up") or status == "running" else status


def _render_kube(ctx: StepContext, spec: KubePlaySpec) -> Path:
    if ctx.tmp is None:
        raise EngineError("no temporary directory for the kube file")
    docs = kube_file.load(ctx.loaded.directory / spec.file)
    path = ctx.tmp / "kube.yaml"
    suffix = short_hash(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name, length=6)
    path.write_text(kube_file.render(docs, ctx.images, ctx.labels, suffix))
    return path


def kube_play(ctx: StepContext, spec: KubePlaySpec) -> None:
    _require(ctx, "kube.play")
    _host_file_reachable(ctx, "kube")
    path = _render_kube(ctx, spec)
    ctx.state(ORCH).kube_file = path
    net = resource_name(ctx.run_id, ctx.loaded.scenario.id, ctx.engine.name, f"{spec.name}-net")
    made = run_cli(ctx, "network", "create", *label_args(ctx), net)
    if not made.ok:
        raise EngineError(f"cannot create the kube network: {made.error}")
    answer = run_cli(ctx, "kube", "play", "--network", net, str(path), timeout=spec.timeout)
    ctx.record(spec.name, exit_code=answer.exit_code, stderr=answer.stderr)
    pod_names = sorted(name for _, name in pods(ctx))
    found = kube_containers(ctx)
    names = []
    for cid, name, _status in found:
        pod = next((p for p in pod_names if name.startswith(f"{p}-")), "")
        short = name[len(pod) + 1 :] if pod else name
        _register(ctx, f"{spec.name}-{short}", cid, name)
        names.append(name.replace(pod, "POD", 1) if pod else name)
    ctx.record(
        spec.name,
        pods=len(pod_names),
        containers=sorted(names),
        running=sum(1 for *_, status in found if status == "running"),
    )


def kube_down(ctx: StepContext, spec: KubeDownSpec) -> None:
    _require(ctx, "kube.play")
    path = ctx.state(ORCH).kube_file
    if path is None:
        raise EngineError(f"{spec.name}: nothing was played")
    answer = run_cli(ctx, "kube", "down", str(path), timeout=spec.timeout)
    ctx.record(
        spec.name,
        exit_code=answer.exit_code,
        containers_left=len(kube_containers(ctx)),
        pods_left=len(pods(ctx)),
    )


def generated_facts(text: str) -> dict[str, Any]:
    """What a `kube generate` document gives a user: kind, containers, ports, images."""
    docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    pod = next((d for d in docs if d.get("kind") in kube_file.KINDS), {})
    containers = kube_file.pod_specs(pod)[1].get("containers") or [] if pod else []
    ports = sorted(
        f"{p.get('containerPort')}/{p.get('hostPort')}"
        for c in containers
        for p in c.get("ports") or []
    )
    return {
        "kind": pod.get("kind"),
        "kinds": sorted(str(d.get("kind")) for d in docs),
        "containers": len(containers),
        "ports": ports,
        "images_named": all(bool(c.get("image")) for c in containers),
    }


def kube_generate(ctx: StepContext, spec: KubeGenerateSpec) -> None:
    _require(ctx, "kube.generate")
    names = [ctx.names.get(c) or ctx.container(c) for c in spec.containers]
    answer = run_cli(ctx, "kube", "generate", *(["--service"] * spec.service), *names)
    ctx.record(spec.name, exit_code=answer.exit_code, error=answer.error)
    if answer.ok:
        ctx.record(spec.name, **generated_facts(answer.stdout))


# -- what a user checks ------------------------------------------------------------------
def http_get(port: int, path: str, timeout: float) -> str | None:
    """The response of one GET to 127.0.0.1:PORT, None when nothing answered."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
    except OSError:
        return None
    return b"".join(chunks).decode("utf-8", errors="replace") or None


def tcp(ctx: StepContext, spec: TcpSpec) -> None:
    """The published port, asked where the engine's host side is (a version surface's
    own network namespace: on the host's 127.0.0.1 another engine may answer)."""
    deadline = time.monotonic() + spec.timeout
    answer = None
    while answer is None and time.monotonic() < deadline and not ctx.stopping():
        answer = host_side(ctx.engine, lambda: http_get(spec.port, spec.path, 2.0))
        if answer is None:
            time.sleep(0.5)
    body = answer.strip().splitlines()[-1] if answer and answer.strip() else None
    ctx.record(spec.name, ok=answer is not None, body=body)


def _started(doc: dict[str, Any]) -> str:
    return str((doc.get("State") or {}).get("StartedAt") or "")


def _service_running(ctx: StepContext, old: str, since: str) -> tuple[bool, bool]:
    """(a container of the service runs again, it is the old one): the old container
    started again (a restart policy), or another container of its swarm service runs."""
    try:
        doc = ctx.engine.inspect_container(old)
    except EngineError:
        return False, False
    if (doc.get("State") or {}).get("Running"):
        return _started(doc) != since, True
    labels = (doc.get("Config") or {}).get("Labels") or {}
    stack, svc = labels.get(NAMESPACE), labels.get(SERVICE)
    if stack and svc:
        return any(s == svc for *_, s in stack_containers(ctx, stack, running=True)), False
    return False, False


def replaced(ctx: StepContext, spec: ReplacedSpec) -> None:
    """Wait until the container's process has exited and the service runs again."""
    old = ctx.container(spec.container)
    since = ctx.inspects.get(spec.container) or {}
    deadline = time.monotonic() + spec.timeout
    running, same = _service_running(ctx, old, _started(since))
    while not running and time.monotonic() < deadline and not ctx.stopping():
        time.sleep(0.5)
        running, same = _service_running(ctx, old, _started(since))
    ctx.record(spec.name, running=running, same_container=same if running else None)


# -- one app, each engine's way ---------------------------------------------------------
def _choose(ctx: StepContext) -> str:
    """`stack` where the surface has stacks, else `kube`; `Unsupported` with both reasons."""
    base = ctx.images[BASE_IMAGE]
    stack = capabilities.capability(ctx.engine, "stack", base, ctx.run_id)
    if stack.supported:
        return "stack"
    kube = capabilities.capability(ctx.engine, "kube.play", base, ctx.run_id)
    if kube.supported:
        return "kube"
    raise Unsupported(
        f"{ctx.engine.name} has neither stacks ({stack.reason}) nor kube play ({kube.reason})"
    )


def app_up(ctx: StepContext, spec: AppUpSpec) -> None:
    state = ctx.state(ORCH)
    state.app = _choose(ctx)
    ctx.record(spec.name, orchestrator=state.app)
    if state.app == "stack":
        swarm_init(ctx, SwarmInitSpec(name=f"{spec.name}_swarm"))
        stack_deploy(ctx, StackDeploySpec(name=spec.name, file=spec.stack, timeout=spec.timeout))
        owner = state.stack
    else:
        kube_play(ctx, KubePlaySpec(name=spec.name, file=spec.kube, timeout=spec.timeout))
        owner = next((name for _, name in pods(ctx)), "")
    services = compose_file.services(compose_file.load(ctx.loaded.directory / spec.stack))
    running = []
    for svc in services:
        name = ctx.names.get(f"{spec.name}-{svc}")
        if name is None:
            continue
        normal = _normal(name, owner) if state.app == "stack" else name.replace(owner, "POD", 1)
        ctx.record(spec.name, **{f"name.{svc}": normal})
        doc = ctx.engine.inspect_container(ctx.containers[f"{spec.name}-{svc}"])
        if (doc.get("State") or {}).get("Running"):
            running.append(svc)
    ctx.record(spec.name, services=services, running=running)


def app_down(ctx: StepContext, spec: AppDownSpec) -> None:
    state = ctx.state(ORCH)
    if state.app == "stack":
        stack = state.stack
        stack_rm(ctx, StackRmSpec(name=spec.name, timeout=spec.timeout))
        nets = run_cli(ctx, "network", "ls", "-q", "--filter", f"label={NAMESPACE}={stack}")
        left = len(nets.stdout.split())
    elif state.app == "kube":
        kube_down(ctx, KubeDownSpec(name=spec.name, timeout=spec.timeout))
        left = 0  # kube play made no network: it played onto the step's labelled one
    else:
        raise EngineError(f"{spec.name}: no app is up")
    ctx.record(spec.name, networks_left=left)


# -- teardown ----------------------------------------------------------------------------
def cleanup(ctx: StepContext) -> list[str]:
    """Pods, the stack and the swarm this scenario made, before the label sweep."""
    if not ctx.has_state(ORCH):
        return []
    state, left = ctx.state(ORCH), []
    if state.kube_file is not None:
        run_cli(ctx, "kube", "down", str(state.kube_file))
        for pid, _ in pods(ctx):
            run_cli(ctx, "pod", "rm", "-f", pid)
        left += [f"pod:{pid}" for pid, _ in pods(ctx)]
    if state.stack:
        run_cli(ctx, "stack", "rm", state.stack)
        if not _stack_gone(ctx, state.stack, 60):
            left.append(f"stack:{state.stack}")
    if state.swarm_started:
        _leave(ctx)
        if swarm_state(ctx) == "active":
            left.append("swarm:active")
    return left


FAMILY = Family(
    "orchestration",
    (
        StepKind(SwarmInitSpec, swarm_init),
        StepKind(SwarmLeaveSpec, swarm_leave),
        StepKind(StackDeploySpec, stack_deploy),
        StepKind(StackRmSpec, stack_rm),
        StepKind(KubePlaySpec, kube_play),
        StepKind(KubeDownSpec, kube_down),
        StepKind(KubeGenerateSpec, kube_generate),
        StepKind(TcpSpec, tcp),
        StepKind(ReplacedSpec, replaced),
        StepKind(AppUpSpec, app_up),
        StepKind(AppDownSpec, app_down),
    ),
    teardown=cleanup,
)
