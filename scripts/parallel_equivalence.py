"""Serial and parallel runs must give the same verdicts; print how long each took.

Runs the scenario library four ways: `harness run -j 1`, `harness run -j N`,
`pytest` and `pytest -n N` (each writing results.json), then compares the
verdict of every scenario and the status of every (scenario, engine) item.
Exit 1 when any differ. Usage: python scripts/parallel_equivalence.py [PATH] [-j N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.results.document import verdict_table

BIN = Path(sys.executable).parent
# What the library's namespace and capability scenarios need (see tests/library.py).
LIBRARY_FLAGS = ("--allow-host-namespaces", "--allow-capabilities")


def _run(name: str, argv: list[str], out: Path) -> tuple[float, dict[str, object]]:
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    results = out / "results.json"
    if not results.exists():
        print(
            f"{name}: no results.json (exit {done.returncode}, {wall:.1f} s)\n"
            f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}",
            flush=True,
        )
        return wall, {}
    document = json.loads(results.read_text())
    verdicts: dict[str, object] = dict(verdict_table(document))
    leftovers = sum(
        len(o["leftovers"]) for s in document["scenarios"] for o in s["engines"].values()
    )
    print(
        f"{name:<22} {wall:7.1f} s wall, exit {done.returncode}, "
        f"{len(document['scenarios'])} scenarios {document['summary']}, "
        f"{leftovers} leftovers",
        flush=True,
    )
    return wall, verdicts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", nargs="?", default="scenarios")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--engine", action="append", default=[], help="default: as harness run")
    parser.add_argument("--keep", help="keep the four runs' reports in this directory")
    args = parser.parse_args()
    n = str(args.jobs)
    engines = [x for name in args.engine for x in ("--engine", name)]
    with tempfile.TemporaryDirectory(prefix="harness-equiv-") as tmp:
        root = Path(args.keep or tmp)
        allow = list(LIBRARY_FLAGS)
        harness = [str(BIN / "harness"), "run", args.path, "-q", *allow, *engines, "--out"]
        pytest = [str(BIN / "pytest"), args.path, "-q", "-p", "no:cacheprovider", *allow, *engines]
        runs = {
            "harness run -j 1": ([*harness, str(root / "j1"), "-j", "1"], root / "j1"),
            f"harness run -j {n}": ([*harness, str(root / "jn"), "-j", n], root / "jn"),
            "pytest (serial)": ([*pytest, "--compat-report", str(root / "p1")], root / "p1"),
            f"pytest -n {n}": (
                [*pytest, "-n", n, "--compat-report", str(root / "pn")],
                root / "pn",
            ),
        }
        found = {name: _run(name, argv, out)[1] for name, (argv, out) in runs.items()}
    if not all(found.values()):
        print("a run wrote no results; nothing to compare")
        return 2
    reference_name, reference = next(iter(found.items()))
    differ = 0
    for name, verdicts in found.items():
        for key in sorted(set(reference) | set(verdicts)):
            if reference.get(key) != verdicts.get(key):
                differ += 1
                print(
                    f"DIFF {key}: {reference_name}={reference.get(key)} {name}={verdicts.get(key)}"
                )
    print("same verdicts in all runs" if not differ else f"{differ} differences")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
