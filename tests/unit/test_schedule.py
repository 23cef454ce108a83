"""Grouping of exclusive scenarios and the order units run in: pure logic, no engines."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from harness.model.loader import load_scenario
from harness.run.schedule import exclusive_groups, exclusive_resources, execute, plan


def write(tmp_path: Path, sid: str, steps: list[str], extra: str = "") -> Any:
    text = (
        f"schema: 1\nid: t.{sid}\narea: t\ntitle: t\nrefs: [https://x.invalid]\n{extra}"
        "steps:\n" + "".join(f"  - {s}\n" for s in steps)
    )
    path = tmp_path / f"{sid}.yaml"
    path.write_text(text)
    return load_scenario(path)


def test_fixed_host_ports_are_exclusive_ephemeral_ones_are_not(tmp_path: Path) -> None:
    fixed = write(tmp_path, "a", ['run: {name: w, image: base, ports: {"80/tcp": 18080}}'])
    ephemeral = write(tmp_path, "b", ['run: {name: w, image: base, ports: {"80/tcp": 0}}'])
    assert exclusive_resources(fixed) == {"host-port:18080"}
    assert exclusive_resources(ephemeral) == set()


def test_cli_publish_spellings(tmp_path: Path) -> None:
    loaded = write(
        tmp_path,
        "c",
        [
            "cli: {name: a, image: base, options: [-p, '127.0.0.1:18081:80']}",
            "cli: {name: b, image: base, options: ['--publish=18082:80/udp']}",
            "cli: {name: c, image: base, options: [-p18083:80, -p, '80']}",
        ],
    )
    assert exclusive_resources(loaded) == {
        "host-port:18081",
        "host-port:18082",
        "host-port:18083",
    }


def test_a_kube_files_host_ports_are_exclusive_in_every_scenario_playing_it(
    tmp_path: Path,
) -> None:
    """Two scenarios playing one kube file with a hostPort collide on the host, though
    only one of them asks the port itself (kube-restart and kube-two-services did)."""
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: web\n      image: '{{ base }}'\n"
        "      ports: [{containerPort: 80, hostPort: 18190}, {containerPort: 81}]\n"
    )
    played = write(tmp_path, "k", ["kube_play: {name: app, file: pod.yaml}"])
    assert exclusive_resources(played) == {"host-port:18190"}
    asks = write(tmp_path, "t", ["tcp: {name: port, port: 18190}"])
    assert len(set(exclusive_groups([played, asks]).values())) == 1


def test_groups_join_transitively_and_leave_free_scenarios_alone(tmp_path: Path) -> None:
    a = write(tmp_path, "a", ["run: {name: w, image: base}"], "exclusive: [x]\n")
    b = write(tmp_path, "b", ["run: {name: w, image: base}"], "exclusive: [x, y]\n")
    c = write(tmp_path, "c", ["run: {name: w, image: base}"], "exclusive: [y]\n")
    d = write(tmp_path, "d", ["run: {name: w, image: base}"])
    groups = exclusive_groups([a, b, c, d])
    assert set(groups) == {"t.a", "t.b", "t.c"}
    assert len(set(groups.values())) == 1


def test_plan_puts_a_group_in_one_unit_across_engines(tmp_path: Path) -> None:
    a = write(tmp_path, "a", ["run: {name: w, image: base}"], "exclusive: [x]\n")
    b = write(tmp_path, "b", ["run: {name: w, image: base}"])
    c = write(tmp_path, "c", ["run: {name: w, image: base}"], "exclusive: [x]\n")
    units = plan([a, b, c], ["docker", "podman"])
    shown = [[(s.scenario.id, e) for s, e in u.items] for u in units]
    assert shown == [
        [("t.a", "docker"), ("t.a", "podman"), ("t.c", "docker"), ("t.c", "podman")],
        [("t.b", "docker")],
        [("t.b", "podman")],
    ]


def test_execute_runs_a_unit_serially_and_units_in_parallel(tmp_path: Path) -> None:
    a = write(tmp_path, "a", ["run: {name: w, image: base}"], "exclusive: [x]\n")
    b = write(tmp_path, "b", ["run: {name: w, image: base}"])
    units = plan([a, b], ["e1", "e2"])
    running: set[str] = set()
    overlap: list[set[str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=5)

    def task(loaded: Any, engine: str) -> str:
        key = f"{loaded.scenario.id}[{engine}]"
        with lock:
            running.add(key)
            overlap.append(set(running))
        if loaded.scenario.id == "t.b":
            barrier.wait()  # both t.b items must be running at the same time
        with lock:
            running.discard(key)
        return key

    done = execute(units, task, jobs=3)
    assert sorted(done) == ["t.a[e1]", "t.a[e2]", "t.b[e1]", "t.b[e2]"]
    assert not any({"t.a[e1]", "t.a[e2]"} <= seen for seen in overlap)
