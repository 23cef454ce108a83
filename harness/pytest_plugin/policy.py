"""The `--allow-*` host-access flags as pytest options, and the policy they give:
the same flags, help and meaning as `harness run` (harness.model.security)."""

from __future__ import annotations

import pytest

from harness.model.security import HELP, Policy, field_of


def _dest(flag: str) -> str:
    return "harness_" + field_of(flag)


def add_policy_options(group: pytest.OptionGroup) -> None:
    for flag, text in HELP.items():
        group.addoption(flag, action="store_true", default=False, dest=_dest(flag), help=text)


def policy_of(config: pytest.Config) -> Policy:
    """What this pytest run allows (nothing unless a flag was given)."""
    return Policy.from_flags(
        {field_of(flag): bool(getattr(config.option, _dest(flag), False)) for flag in HELP}
    )
