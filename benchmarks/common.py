"""Helpers shared by the benchmarks: repeated timing and peak memory of a child process."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def median_time(func: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall-clock seconds of ``func()`` over ``repeat`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_process(argv: list[str]) -> tuple[float, float]:
    """Run ``argv``; return (wall seconds, peak resident memory of the child in MB)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(after, before) / 1024


def python_snippet_peak_mb(code: str) -> tuple[float, float]:
    """Run a Python snippet in a fresh interpreter; return (seconds, its own peak RSS in MB)."""
    wrapped = (
        code
        + "\nimport resource, sys\nsys.stderr.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", wrapped], check=True, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - t0
    return elapsed, int(done.stderr.strip().splitlines()[-1]) / 1024
