"""Specs of the orchestration steps: swarm mode and stacks (Docker), pods and
`kube play`/`kube generate` (Podman), the two ways to run a multi-service app."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

from pydantic import Field

from harness.model import compose_file, kube_file
from harness.model.specs.base import LoadContext, Name, Ref, RefKind, Seconds, StepSpec, Where

SWARM = "swarm"  # host-wide: one dockerd has one swarm state


class SwarmInitSpec(StepSpec, kind="swarm_init"):
    """`swarm init` on loopback only (advertise 127.0.0.1, listen 127.0.0.1:0), for this
    scenario's lifetime: teardown leaves the swarm. `unsupported` where the probed
    `swarm` capability is missing. Records `STEP.exit_code`, `STEP.error`,
    `STEP.state` (LocalNodeState after), `STEP.was_active` (a swarm this scenario did
    not start is used and never left)."""

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)


class SwarmLeaveSpec(StepSpec, kind="swarm_leave"):
    """`swarm leave --force` -> `STEP.exit_code`, `STEP.error`, `STEP.state`."""

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)


class _FileStep(StepSpec):
    """A step reading a file from the scenario's directory."""

    file: str
    timeout: Seconds = 90.0

    def _path_problem(self, ctx: LoadContext) -> str | None:
        base = ctx.base.resolve()
        path = (base / self.file).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return f"no file {self.file!r} in the scenario's directory"
        return None

    def _read(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        """(problems of the file, the names of the containers it makes)."""
        raise NotImplementedError

    def _contents(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        problem = self._path_problem(ctx)
        if problem:
            return [problem], []
        try:
            return self._read(ctx)
        except ValueError as exc:
            return [str(exc)], []

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        return ((("file",), m) for m in self._contents(ctx)[0])

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        for name in self._contents(ctx)[1]:
            yield "container", f"{self.name}-{name}"
            yield "running", f"{self.name}-{name}"


class StackDeploySpec(_FileStep, kind="stack_deploy"):
    """`stack deploy --resolve-image never` of a compose file (v3) naming only
    `{{ base }}`/`{{ images.NAME }}`, given to swarm by image id so no task pulls.
    Waits until every service has a running task. Records `STEP.exit_code`,
    `STEP.stderr`, `STEP.services`, `STEP.containers.SVC` (running tasks),
    `STEP.name.SVC` (a task's container name, the stack name as `STACK` and ids as
    `ID`), `STEP.networks` (what the stack created, named the same way). Each
    service's container is `STEP-SVC` for later steps.
    """

    def _read(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        doc = compose_file.load(ctx.base / self.file)
        return compose_file.problems(doc, set(ctx.images)), compose_file.services(doc)

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)


class StackRmSpec(StepSpec, kind="stack_rm"):
    """`stack rm` of the scenario's stack, then wait for its containers to go ->
    `STEP.exit_code`, `STEP.containers_left`, `STEP.networks_left`, `STEP.seconds`."""

    timeout: Seconds = 60.0

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)


class KubePlaySpec(_FileStep, kind="kube_play"):
    """`kube play --network NET` of Kubernetes YAML (Pods or Deployments) naming only
    harness images, rendered with `imagePullPolicy: Never` and the harness labels;
    NET is a labelled bridge network the step creates, so Podman's default kube
    network is never made. Records `STEP.exit_code`, `STEP.stderr`, `STEP.pods`,
    `STEP.containers` (container names, the pod's own name as `POD`),
    `STEP.running`. Each container is `STEP-NAME` (NAME as in the YAML).
    """

    def exclusive_in_files(self, base: Path) -> Iterable[str]:
        try:
            docs = kube_file.load(base / self.file)
        except (OSError, ValueError):
            return ()  # the load-time check reports the file
        return (f"host-port:{port}" for port in kube_file.host_ports(docs))

    def _read(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        docs = kube_file.load(ctx.base / self.file)
        return kube_file.problems(docs, set(ctx.images)), kube_file.container_names(docs)


class KubeDownSpec(StepSpec, kind="kube_down"):
    """`kube down` of the played file -> `STEP.exit_code`, `STEP.containers_left`,
    `STEP.pods_left`."""

    timeout: Seconds = 60.0


class KubeGenerateSpec(StepSpec, kind="kube_generate"):
    """`kube generate` from running containers of earlier steps -> `STEP.exit_code`,
    `STEP.error`, `STEP.kind`, `STEP.containers` (count), `STEP.ports` (sorted
    `containerPort/hostPort` pairs), `STEP.images_named` (every container names an image)."""

    containers: Annotated[list[Name], Field(min_length=1)]
    service: bool = False  # `--service`: add a Service document

    def refs(self) -> Iterable[Ref]:
        return (Ref("running", c, ("containers", i)) for i, c in enumerate(self.containers))


class TcpSpec(StepSpec, kind="tcp"):
    """Send an HTTP GET to 127.0.0.1:PORT (a port an orchestrator published on the
    host) -> `STEP.ok`, `STEP.body` (the last line), retrying until `timeout`."""

    port: Annotated[int, Field(ge=1024, le=65535)]
    path: str = "/"
    timeout: Annotated[float, Field(gt=0, le=60)] = 10.0

    def exclusive(self) -> Iterable[str]:
        return (f"host-port:{self.port}",)


class ReplacedSpec(StepSpec, kind="replaced"):
    """After a service's container was killed: is a container of that service running
    again within `timeout`? -> `STEP.running`, `STEP.same_container` (restarted in
    place, as a restart policy does) or a new one (a new task, as swarm does)."""

    container: Name
    timeout: Annotated[float, Field(gt=0, le=120)] = 30.0

    def refs(self) -> Iterable[Ref]:
        return (Ref("container", self.container, ("container",)),)


class AppUpSpec(StepSpec, kind="app_up"):
    """The same multi-service app, deployed the way each engine offers: `stack` (a
    compose v3 file) with `docker stack deploy` where the surface has stacks (swarm
    mode is started for the scenario and left at teardown), else `kube` (Kubernetes
    YAML, one container per service, named as the services) with `kube play`.
    `unsupported` with both probed reasons where the surface has neither. Records
    `STEP.orchestrator` (`stack` or `kube`), `STEP.services`, `STEP.running`
    (services with a running container) and `STEP.name.SVC` (container names, the
    stack or pod name as `STACK`/`POD`). Each service's container is `STEP-SVC`.
    """

    stack: str
    kube: str
    timeout: Seconds = 90.0

    def _services(self, ctx: LoadContext) -> tuple[list[str], list[str]]:
        base = ctx.base.resolve()
        found: list[str] = []
        for file in (self.stack, self.kube):
            path = (base / file).resolve()
            if not path.is_relative_to(base) or not path.is_file():
                found.append(f"no file {file!r} in the scenario's directory")
        if found:
            return found, []
        try:
            stack, kube = compose_file.load(base / self.stack), kube_file.load(base / self.kube)
        except ValueError as exc:
            return [str(exc)], []
        found = compose_file.problems(stack, set(ctx.images))
        found += kube_file.problems(kube, set(ctx.images))
        services, names = compose_file.services(stack), kube_file.container_names(kube)
        if services != names:
            found.append(f"the stack's services {services} are not the kube containers {names}")
        return found, services

    def problems(self, ctx: LoadContext) -> Iterable[tuple[Where, str]]:
        return ((("stack",), m) for m in self._services(ctx)[0])

    def provides(self, ctx: LoadContext) -> Iterable[tuple[RefKind, str]]:
        for svc in self._services(ctx)[1]:
            yield "container", f"{self.name}-{svc}"
            yield "running", f"{self.name}-{svc}"

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)


class AppDownSpec(StepSpec, kind="app_down"):
    """Take the app of `app_up` down (`stack rm` or `kube down`) -> `STEP.exit_code`,
    `STEP.containers_left`, `STEP.networks_left` (networks the orchestrator made)."""

    timeout: Seconds = 60.0

    def exclusive(self) -> Iterable[str]:
        return (SWARM,)
