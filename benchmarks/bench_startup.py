"""Start-up: how fast every fc command answers --help (target: well under one second)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TOOLS = [
    "fc-config",
    "fc-utils",
    "fc-datasets",
    "fc-graphs",
    "fc-models",
    "fc-training",
    "fc-inference",
]


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def run() -> list[tuple[str, str]]:
    rows = []
    t0 = time.perf_counter()
    for _ in range(5):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = (time.perf_counter() - t0) / 5
    rows.append(("python -c pass (interpreter alone)", f"{bare * 1000:7.0f} ms"))
    for tool in TOOLS:
        times = []
        for _ in range(7):
            t0 = time.perf_counter()
            subprocess.run([_tool(tool), "--help"], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        rows.append(
            (
                f"{tool} --help (median of 7, whole process)",
                f"{statistics.median(times) * 1000:7.0f} ms",
            )
        )
    return rows
