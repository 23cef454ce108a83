"""Pure logic of the wait/probe steps: polling, conditions, host ports."""

from __future__ import annotations

from harness.steps import waits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_reaches_condition_with_backoff() -> None:
    fake = FakeClock()
    calls = iter([False, False, False, True])
    result = waits.poll(lambda: (next(calls), "x"), 10, fake.sleep, fake.clock)
    assert result.reached is True
    assert fake.sleeps == [0.025, 0.05, 0.1]
    assert result.last == "x"


def test_poll_times_out_and_never_oversleeps() -> None:
    fake = FakeClock()
    result = waits.poll(lambda: (False, "starting"), 1.0, fake.sleep, fake.clock)
    assert result.reached is False
    assert result.last == "starting"
    assert 1.0 <= result.waited_s <= 1.01
    assert max(fake.sleeps) <= 0.1  # a change is noticed within 100 ms


def test_state_conditions() -> None:
    running = {"State": {"Status": "running"}}
    exited = {"State": {"Status": "exited"}}
    assert waits.state_condition("running", running) == (True, "running")
    assert waits.state_condition("exited", exited) == (True, "exited")
    assert waits.state_condition("exited", running) == (False, "running")
    assert waits.state_condition("removed", None) == (True, "removed")
    assert waits.state_condition("removed", running)[0] is False


def test_health_both_shapes() -> None:
    docker = {"State": {"Health": {"Status": "healthy", "Log": [{}, {}]}}}
    libpod = {"State": {"Healthcheck": {"Status": "starting", "Log": None}}}
    assert waits.health(docker) == ("healthy", 2)
    assert waits.health(libpod) == ("starting", 0)
    assert waits.health(None) == (None, 0)
    assert waits.state_condition("healthy", libpod) == (False, "starting")


def test_log_condition() -> None:
    assert waits.log_condition(r"run\nrun", "run\nrun\n", "")
    assert not waits.log_condition("ready", "", "not yet")


def test_host_port() -> None:
    doc = {
        "NetworkSettings": {"Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "41234"}]}}
    }
    assert waits.host_port(doc, "8080/tcp") == 41234
    assert waits.host_port(doc, "8080") == 41234
    assert waits.host_port(doc, "9090/tcp") is None
    assert waits.host_port({"NetworkSettings": {"Ports": {"8080/tcp": None}}}, "8080") is None
    assert waits.host_port(None, "8080") is None


def test_tcp_open_closed_port() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert waits.tcp_open(port, 0.2) is False
