"""`make report`'s time per surface set and -j: figures, not assertions.

    .venv/bin/python -m benchmarks.report_sets                  # 3 surfaces and the default set
    .venv/bin/python -m benchmarks.report_sets --sample 6 --jobs 2 4
    .venv/bin/python -m benchmarks.report_sets --set "docker podman" --jobs 2

Each round is a real `make report` (setup included, warm after the first) with
SURFACES, JOBS and SCENARIOS set, into a temporary OUT. Printed per round: wall time,
the load average before and after (the 2 cores may be shared), the sum of item times
per surface (where the time goes), and the verdicts (`error` should stay 0).
`--sample N` runs every Nth scenario file for a quick comparison; the full library
is the default. Rounds run one after another, never at the same time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUICK = "docker podman podman-docker-api"


def scenario_files(sample: int) -> list[str]:
    """Every scenario file (or every Nth, in path order), relative to the checkout."""
    files = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "scenarios").rglob("*.yaml")
        if "contexts" not in p.parts
    )
    return files if sample <= 1 else files[::sample]


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def one_round(surfaces: str | None, jobs: int, scenarios: list[str] | None) -> dict[str, object]:
    """One `make report`; its wall time, load and what results.json says."""
    with tempfile.TemporaryDirectory(prefix="harness-bench-report-") as out:
        argv = ["make", "-C", str(ROOT), "report", f"OUT={out}", f"JOBS={jobs}"]
        if surfaces is not None:
            argv.append(f"SURFACES={surfaces}")
        if scenarios is not None:
            argv.append(f"SCENARIOS={' '.join(scenarios)}")
        before = load()
        started = time.monotonic()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        results = Path(out) / "results.json"
        document = json.loads(results.read_text()) if results.is_file() else {}
    return {
        "surfaces": surfaces or "(default)",
        "jobs": jobs,
        "wall_s": round(wall, 1),
        "load_before": before,
        "load_after": load(),
        "make_exit": done.returncode,
        **summarize(document),
    }


def summarize(document: dict[str, Any]) -> dict[str, object]:
    """Item seconds per surface, verdict counts, unavailable surfaces."""
    per_surface: dict[str, float] = {}
    verdicts: Counter[str] = Counter()
    for scenario in document.get("scenarios", []):
        verdicts[scenario["verdict"]] += 1
        for name, outcome in scenario["engines"].items():
            per_surface[name] = per_surface.get(name, 0.0) + (outcome.get("duration_s") or 0.0)
    unavailable = [
        f"{e['name']}: {e['error']}" for e in document.get("engines", []) if not e["available"]
    ]
    return {
        "item_seconds": {k: round(v) for k, v in per_surface.items()},
        "verdicts": dict(verdicts),
        "unavailable": unavailable,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", dest="sets", help="a SURFACES value")
    parser.add_argument("--jobs", type=int, nargs="+", default=[2])
    parser.add_argument("--sample", type=int, default=1, help="every Nth scenario file")
    args = parser.parse_args(argv)
    sets = args.sets or [QUICK, None]  # None: the Makefile's default set
    scenarios = scenario_files(args.sample) if args.sample > 1 else None
    count = len(scenarios) if scenarios else len(scenario_files(1))
    print(f"# {count} scenario files; rounds one after another")
    for surfaces in sets:
        for jobs in args.jobs:
            print(json.dumps(one_round(surfaces, jobs, scenarios)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
