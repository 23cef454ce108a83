"""Host-access figures for issue 13: every form in tests/host_access_cases plus
generated option spellings, loaded without flags (each must be refused at the
offending option's file:line:col) and with its own flag (accepted and flagged;
forbidden ones stay refused).

    .venv/bin/python scripts/host_access_figures.py [--generated N]

Pure load-time work: no engine is touched. `host_access()` is meant to be folded
into scripts/figures.py; it prints nothing and asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.errors import ScenarioErrors  # noqa: E402
from harness.model.access import FLAGS, FORBIDDEN  # noqa: E402
from harness.model.loader import load_scenario  # noqa: E402
from harness.model.security import Policy, field_of  # noqa: E402
from tests.host_access_cases import ATTEMPTS, Attempt, generated  # noqa: E402


@dataclass
class HostAccessFigures:
    tried: int = 0
    refused: int = 0  # without flags, at the offending option, naming the right flag
    accepted: int = 0  # without flags: must stay 0
    flagged_with_flag: int = 0  # with the attempt's own flag: loaded and flagged
    forbidden_with_all_flags: int = 0  # no flag allows these: still refused
    problems: list[str] = field(default_factory=list)


def _refused_at_marker(attempt: Attempt, path: Path, policy: Policy) -> bool | None:
    """True: refused at the marker; False: refused elsewhere; None: accepted."""
    try:
        load_scenario(path, policy)
    except ScenarioErrors as exc:
        where = attempt.expected_position(path)
        hint = FLAGS.get(attempt.kind, "no flag allows it")
        return any(
            (e.location.file, e.location.line, e.location.column) == where and hint in e.message
            for e in exc.errors
        )
    return None


def _with_flag(attempt: Attempt, path: Path, figures: HostAccessFigures) -> None:
    if attempt.kind == FORBIDDEN:
        if _refused_at_marker(attempt, path, Policy.everything()):
            figures.forbidden_with_all_flags += 1
        else:
            figures.problems.append(f"forbidden but let through by flags: {attempt.name}")
        return
    kinds = (attempt.kind, *attempt.also)
    policy = Policy.from_flags({field_of(FLAGS[k]): True for k in kinds if k in FLAGS})
    try:
        if load_scenario(path, policy).flags:
            figures.flagged_with_flag += 1
        else:
            figures.problems.append(f"allowed but not flagged: {attempt.name}")
    except ScenarioErrors as exc:
        figures.problems.append(f"refused despite its flag: {attempt.name}: {exc.errors[0]}")


def host_access(generated_count: int, work: Path) -> HostAccessFigures:
    """Load every hand-written form and `generated_count` generated spellings."""
    figures = HostAccessFigures()
    for i, attempt in enumerate([*ATTEMPTS, *generated(generated_count)]):
        directory = work / f"attempt-{i}"
        directory.mkdir(parents=True, exist_ok=True)
        path = attempt.write(directory)
        figures.tried += 1
        verdict = _refused_at_marker(attempt, path, Policy())
        if verdict is None:
            figures.accepted += 1
            figures.problems.append(f"accepted without a flag: {attempt.name}")
            continue
        if verdict:
            figures.refused += 1
        else:
            figures.problems.append(f"refused, but not at the option: {attempt.name}")
        _with_flag(attempt, path, figures)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=1000, help="generated option spellings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="harness-host-access-") as tmp:
        f = host_access(args.generated, Path(tmp))
    print(f"host access: {f.tried} tried, {f.refused} refused, {f.accepted} accepted")
    print(
        f"host access with its own flag: {f.flagged_with_flag} accepted and flagged, "
        f"{f.forbidden_with_all_flags} forbidden ones still refused with every flag"
    )
    print(f"problems: {len(f.problems)}" + "".join(f"\n  - {p}" for p in f.problems[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
