"""Extract the row lengths of ECMWF's classic reduced Gaussian grids (N grids) from ecCodes.

This is a development tool, not part of the installed package. The number of points on each
latitude of a classic ``N`` grid comes from tables that ECMWF chose once (they are not given by a
formula, unlike octahedral ``O`` grids). ecCodes ships those tables in its GRIB samples
``reduced_gg_pl_<N>_grib2``. fc-utils must not need ecCodes at run time, so this script reads the
samples once and writes the northern half of each table (the grids are symmetric about the
equator) to ``src/fc_utils/grids/data/classic_pl.json``, which ships as package data.

Run it from the workspace root with the development environment, where ecCodes is installed::

    .venv/bin/python packages/fc-utils/scripts/extract_classic_pl.py

then review the diff of the JSON file. Rerun it only when ecCodes adds a new classic grid.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import eccodes
import numpy as np

#: The classic grids of the ecCodes samples. ecCodes keeps its samples in a memory file system, so
#: they cannot be listed: this is the list found by trying every N from 1 to 8000 with ecCodes 2.50.
CANDIDATES = (32, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512, 640, 1024, 1280, 2000)

OUTPUT = (
    Path(__file__).resolve().parents[1] / "src" / "fc_utils" / "grids" / "data" / "classic_pl.json"
)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence ecCodes' own error messages (written by C code to file descriptor 2)."""
    saved = os.dup(2)
    with Path(os.devnull).open("w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _half_pl(n: int) -> list[int] | None:
    """Return the northern half of the pl array of the sample for N ``n``, or None if none."""
    try:
        with _quiet_stderr():
            handle = eccodes.codes_grib_new_from_samples(f"reduced_gg_pl_{n}_grib2")
    except eccodes.CodesInternalError:
        return None
    try:
        if eccodes.codes_get(handle, "N") != n:
            raise SystemExit(f"sample reduced_gg_pl_{n}_grib2 does not describe N{n}")
        pl = np.asarray(eccodes.codes_get_array(handle, "pl"), dtype=np.int64)
    finally:
        eccodes.codes_release(handle)
    if pl.size != 2 * n or not np.array_equal(pl, pl[::-1]):
        raise SystemExit(f"pl of N{n} has {pl.size} rows or is not symmetric about the equator")
    return [int(v) for v in pl[:n]]


def main() -> int:
    tables = {str(n): half for n in CANDIDATES if (half := _half_pl(n)) is not None}
    document = {
        "description": "Northern half (pole to equator) of the number of points per latitude "
        "of ECMWF classic reduced Gaussian grids; the southern half mirrors it.",
        "source": f"ecCodes {eccodes.__version__} GRIB samples reduced_gg_pl_<N>_grib2",
        "generator": "packages/fc-utils/scripts/extract_classic_pl.py",
        "half_pl": tables,
    }
    text = json.dumps(document, separators=(",", ":"))
    # One table per line keeps diffs readable while staying compact.
    text = text.replace(',"', ',\n"')
    OUTPUT.write_text(text + "\n")
    sizes = ", ".join(f"N{n}: {2 * sum(half)}" for n, half in tables.items())
    sys.stdout.write(f"wrote {OUTPUT} ({sizes})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
