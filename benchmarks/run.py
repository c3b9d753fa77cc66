"""Runs the fc benchmarks and prints their figures (``make bench``; ``BENCH_ARGS="startup"`` for one).

Each ``bench_<name>.py`` beside this file defines ``run() -> list[tuple[str, str]]`` returning rows
of (what was measured, figure). Benchmarks print figures; they never fail on a threshold — the
targets they are read against are in the issues and docs.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def main() -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {', '.join(available)})",
    )
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(available)}"
        )
    names = args.names or available
    print(
        f"fc benchmarks on {platform.node() or 'this machine'}: {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    for name in names:
        module = _load(HERE / f"bench_{name}.py")
        print(f"\n== {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        t0 = time.perf_counter()
        for label, figure in module.run():
            print(f"  {label:<58} {figure}")
        print(f"  ({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
