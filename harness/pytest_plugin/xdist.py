"""xdist scheduling for scenario items: exclusive scenarios stay on one worker.

Items are spread like `--dist load` (each item its own unit), except that items
of scenarios sharing an exclusive resource (`schedule.exclusive_groups`: a
fixed host port, `exclusive:`) form one unit, run in order on one worker.

xdist's own `loadgroup` cannot be used for this: it passes the group by
rewriting node ids on the workers, which pytest 9.2 ignores, so the groups are
silently split (https://github.com/pytest-dev/pytest-xdist/issues/1386). Here
the controller computes the groups itself from the scenario files the node ids
name, with the same function `harness run -j` uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from harness.errors import ScenarioErrors
from harness.model.loader import LoadedScenario, load_scenario
from harness.pytest_plugin.policy import policy_of
from harness.run.schedule import exclusive_groups


class ExclusiveGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._root = config.rootpath
        self._policy = policy_of(config)
        self._scopes: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._scopes is None:
            self._scopes = self._group_scopes(list(self.collection or []))
        return self._scopes.get(nodeid, nodeid)

    def _group_scopes(self, nodeids: list[str]) -> dict[str, str]:
        loaded: dict[str, LoadedScenario] = {}
        for nodeid in nodeids:
            file = nodeid.split("::", 1)[0]
            if file.endswith((".yaml", ".yml")) and file not in loaded:
                try:
                    loaded[file] = load_scenario(self._root / Path(file), self._policy)
                except (ScenarioErrors, OSError):
                    continue  # not a scenario: an ordinary item, scheduled alone
        groups = exclusive_groups(loaded.values())
        scopes = {}
        for nodeid in nodeids:
            scenario = loaded.get(nodeid.split("::", 1)[0])
            if scenario is not None and scenario.scenario.id in groups:
                scopes[nodeid] = groups[scenario.scenario.id]
        return scopes
