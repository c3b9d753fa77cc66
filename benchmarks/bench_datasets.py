"""fc-datasets: dataset creation from GRIB and ds[i] reads, side by side with Anemoi when installed.

The archive is the one of issue #3: 25 fields per date (2t, msl, 10u, 10v, sp; t, z, u, v, q at
250, 500, 700 and 850 hPa) on a 1° global grid (65,160 points), 6-hourly over 60 days (240 dates,
6,000 GRIB2 messages at 16 bits per value), written once by fc's synthetic source into
build/bench/. Anemoi runs from its own virtual environment (ANEMOI_VENV, default /tmp/anemoi-venv;
it needs zarr 2 and torch < 2.11, so it never goes into the workspace). Set BENCH_REPEAT for more
runs (median reported) and BENCH_DAYS for a shorter archive.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench"
DAYS = int(os.environ.get("BENCH_DAYS", "60"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ANEMOI = Path(os.environ.get("ANEMOI_VENV", "/tmp/anemoi-venv"))
SFC = ["2t", "msl", "10u", "10v", "sp"]
PL = ["t", "z", "u", "v", "q"]
LEVELS = [250, 500, 700, 850]
BIN = Path(sys.executable).parent


def _archive() -> Path:
    """Write (once) the GRIB archive: one file per date."""
    import numpy as np

    from fc_datasets.synthetic import write_grib
    from fc_utils.dates import DateRange
    from fc_utils.grids import grid_from_name

    folder = WORK / f"grib-1p0-{DAYS}d"
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    start = np.datetime64("2020-01-01T00", "s")
    end = start + np.timedelta64(DAYS, "D") - np.timedelta64(6, "h")
    dates = DateRange(str(start), str(end), "6h").dates
    variables = SFC + [f"{p}_{lev}" for p in PL for lev in LEVELS]
    write_grib(folder, variables, dates, grid_from_name("1p0"), bits_per_value=16)
    marker.write_text("ok\n")
    return folder


def _recipe(folder: Path) -> Path:
    import numpy as np

    end = np.datetime64("2020-01-01T00", "s") + np.timedelta64(DAYS, "D") - np.timedelta64(6, "h")
    text = f"""\
description: issue 3 benchmark, 25 fields on 1 degree, 6-hourly, {DAYS} days
licence: CC-BY-4.0
attribution: fc synthetic data
dates:
  start: 2020-01-01T00:00:00
  end: {str(end).replace(" ", "T")}
  frequency: 6h
input:
  join:
    - grib:
        path: {folder}/*.grib
        param: [{", ".join(SFC)}]
        levtype: sfc
    - grib:
        path: {folder}/*.grib
        param: [{", ".join(PL)}]
        levtype: pl
        level: [{", ".join(map(str, LEVELS))}]
"""
    path = WORK / "recipe.yaml"
    path.write_text(text)
    return path


def _timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``argv`` under /usr/bin/time: (seconds, peak RSS in MB)."""
    t0 = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return elapsed, int(done.stderr.strip().splitlines()[-1]) / 1024


def _parallel(commands: list[list[str]]) -> tuple[float, float]:
    """Run commands at once, each under /usr/bin/time: (wall seconds, largest peak RSS in MB)."""
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["/usr/bin/time", "-f", "%M", *c],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in commands
    ]
    peaks = []
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{p.args} failed:\n{err[-3000:]}")
        peaks.append(int(err.strip().splitlines()[-1]) / 1024)
    return time.perf_counter() - t0, max(peaks)


def _drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


READ_SNIPPET = """
import sys, time, numpy as np
from {module} import open_dataset
ds = open_dataset(sys.argv[1]); n = len(ds); k = min(n, int(sys.argv[2]))
order = np.random.default_rng(0).permutation(n)[:k] if sys.argv[3] == "random" else np.arange(k)
if sys.argv[4] == "warm":  # bring every chunk into the page cache first
    for i in range(n):
        ds[i]
else:
    ds[int(order[0])]
t0 = time.perf_counter()
nbytes = 0
for i in order:
    nbytes += ds[int(i)].nbytes
dt = time.perf_counter() - t0
print(k / dt, nbytes / dt / 1e9)
"""


def _reads(python: str, module: str, path: Path, mode: str, cold: bool) -> tuple[float, float]:
    if cold and not _drop_caches():
        return float("nan"), float("nan")
    code = READ_SNIPPET.format(module=module)
    out = subprocess.run(
        [python, "-c", code, str(path), "200", mode, "cold" if cold else "warm"],
        check=True,
        capture_output=True,
        text=True,
    )
    rate, gbs = out.stdout.split()
    return float(rate), float(gbs)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    folder = _archive()
    rows.append(
        (
            f"GRIB archive ({DAYS} days, 25 fields/date, 1°)",
            f"{folder} ({time.perf_counter() - t0:.0f} s)",
        )
    )
    recipe = _recipe(folder)
    out_mb = DAYS * 4 * 25 * 65160 * 4 / 1e6

    tools = {"fc": (str(BIN / "fc-datasets"), str(BIN / "python"), "fc_datasets")}
    if (ANEMOI / "bin" / "anemoi-datasets").exists():
        tools["anemoi"] = (
            str(ANEMOI / "bin" / "anemoi-datasets"),
            str(ANEMOI / "bin" / "python"),
            "anemoi.datasets",
        )
    else:
        rows.append(("anemoi", f"not installed at {ANEMOI}: fc figures only"))

    for name, (cli, python, module) in tools.items():
        out = WORK / f"{name}-one-go.zarr"
        times, peaks = [], []
        for _ in range(REPEAT):
            shutil.rmtree(out, ignore_errors=True)
            args = [cli, "create", str(recipe), str(out)] + (
                ["--overwrite"] if name == "anemoi" else []
            )
            dt, peak = _timed(args)
            times.append(dt)
            peaks.append(peak)
        t = _median(times)
        rows.append(
            (
                f"{name}: create in one process (median of {REPEAT})",
                f"{t:6.1f} s  {out_mb / t:6.1f} MB/s  peak {max(peaks) / 1024:.2f} GB  runs {', '.join(f'{x:.1f}' for x in times)}",
            )
        )

        parts = WORK / f"{name}-parts.zarr"
        shutil.rmtree(parts, ignore_errors=True)
        t_start = time.perf_counter()
        if name == "fc":
            _timed([cli, "init", str(recipe), str(parts)])
            _, peak = _parallel(
                [[cli, "load", str(parts), "--part", f"{i}/2", "--workers", "1"] for i in (1, 2)]
            )
            _timed([cli, "finalise", str(parts)])
        else:
            _timed([cli, "init", str(recipe), str(parts), "--overwrite"])
            _, peak = _parallel([[cli, "load", str(parts), "--part", f"{i}/2"] for i in (1, 2)])
            _timed([cli, "finalise", str(parts)])
        t = time.perf_counter() - t_start
        rows.append(
            (
                f"{name}: init + 2 parallel load parts + finalise",
                f"{t:6.1f} s  {out_mb / t:6.1f} MB/s  peak {peak / 1024:.2f} GB per load",
            )
        )

        for mode in ("random", "sequential"):
            rate, gbs = _reads(python, module, out, mode, cold=False)
            rows.append(
                (
                    f"{name}: ds[i] {mode}, warm page cache",
                    f"{rate:7.0f} samples/s  {gbs:5.2f} GB/s",
                )
            )
        rate, gbs = _reads(python, module, out, "random", cold=True)
        rows.append(
            (f"{name}: ds[i] random, cold cache", f"{rate:7.0f} samples/s  {gbs:5.2f} GB/s")
        )
        size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e9
        rows.append((f"{name}: dataset size on disk", f"{size:.2f} GB"))
    if len(tools) == 2:
        done = subprocess.run(
            [
                str(BIN / "fc-datasets"),
                "compare",
                str(WORK / "fc-one-go.zarr"),
                str(WORK / "fc-parts.zarr"),
            ],
            capture_output=True,
            text=True,
        )
        rows.append(
            ("fc: one-go and 2-part builds identical", "yes" if done.returncode == 0 else "NO")
        )
    return rows
