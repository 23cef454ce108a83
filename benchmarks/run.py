"""`python -m benchmarks [--quick] [--only NAME ...] [--engine NAME ...] [--markdown FILE]`.

Runs the benchmarks in order, prints each figure as it comes, then a table.
Exit status is 0 whether or not targets are met: figures, not assertions.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import ENGINES, Figure, Settings, load_average, machine, settings

BENCHMARKS = ("overhead", "cli_loop", "parallel", "cache", "waits", "teardown", "scale", "lint")


def _runner(name: str) -> Callable[[Settings], list[Figure]]:
    module = importlib.import_module(f"benchmarks.{name}")
    run: Callable[[Settings], list[Figure]] = module.run
    return run


def _format(value: float, unit: str) -> str:
    if unit in ("x",):
        return f"{value:.3f}"
    if unit == "s":
        return f"{value:.2f}"
    return f"{value:.1f}"


def _verdict(figure: Figure) -> str:
    if figure.met is None:
        return ""
    return "met" if figure.met else "NOT MET"


def table(figures: list[Figure], loads: dict[str, str]) -> str:
    """A Markdown table: readable in a terminal and pasteable into RESULTS.md."""
    lines = [
        "| benchmark | engine | figure | value | unit | target | | load (1/5/15 min) | note |",
        "|---|---|---|---:|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f.bench} | {f.engine} | {f.metric} | {_format(f.value, f.unit)} | {f.unit} "
            f"| {f.target} | {_verdict(f)} | {loads.get(f.bench, '')} | {f.note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, 1 repeat")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run just these")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="default: both")
    parser.add_argument("--markdown", type=Path, help="also write the table and machine here")
    args = parser.parse_args(argv)
    cfg = settings(args.quick, tuple(args.engine or ENGINES))
    facts = machine()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"machine: {facts}", flush=True)
    figures: list[Figure] = []
    loads: dict[str, str] = {}
    for name in args.only or BENCHMARKS:
        loads[name] = load_average()
        began = time.monotonic()
        print(f"== {name} (load {loads[name]})", flush=True)
        try:
            found = _runner(name)(cfg)
        except Exception as exc:  # a broken benchmark is a figure too, not a crash
            found = [Figure(name, "-", "benchmark failed", float("nan"), "", note=repr(exc))]
        for f in found:
            print(
                f"   {f.engine:7} {f.metric}: {_format(f.value, f.unit)} {f.unit} "
                f"{f.target} {_verdict(f)} {f.note}",
                flush=True,
            )
        print(f"   ({time.monotonic() - began:.0f} s)", flush=True)
        figures += found
    text = table(figures, loads)
    print(text)
    if args.markdown:
        head = [
            f"Run started {started} UTC, finished "
            f"{datetime.now(UTC).isoformat(timespec='seconds')} UTC.",
            "",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in facts.items()),
            "",
        ]
        args.markdown.write_text("\n".join([*head, text, ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
