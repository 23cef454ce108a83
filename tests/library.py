"""The scenario library's own host access: the flags its namespace and capability
scenarios need (pid/ipc `host`, capabilities beyond the default set). Every front
door that runs the whole library passes exactly these, and the report flags them."""

from __future__ import annotations

from pathlib import Path

from harness.model.security import Policy

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FLAGS = ("--allow-host-namespaces", "--allow-capabilities")
POLICY = Policy(allow_host_namespaces=True, allow_capabilities=True)
# The files that need them, and nothing else in the library does.
NEEDS_FLAGS = {
    "limits/caps-drop-add.yaml",
    "limits/caps-nonroot.yaml",
    "limits/ipc-namespace.yaml",
    "limits/pid-namespace.yaml",
}
