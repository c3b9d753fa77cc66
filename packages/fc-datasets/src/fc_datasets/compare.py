"""Compare two datasets variable by variable (``fc-datasets compare``).

Used to check that two builds of one recipe agree (a resumed build against a one-go build, a new
fc-datasets release against the last), or how far two archives differ. Data are streamed one date
at a time, so the comparison runs in the memory of a single date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fc_datasets.store import STATISTICS, open_store

__all__ = ["compare_datasets"]


def compare_datasets(
    a: str | Path, b: str | Path, *, atol: float = 0.0, rtol: float = 0.0
) -> dict[str, Any]:
    """Compare datasets ``a`` and ``b`` on their common variables and dates.

    Returns a JSON-serialisable report: ``summary`` (lines for people), ``variables`` (per common
    variable: ``status`` of ``identical``/``close``/``different``, ``max_abs_diff``,
    ``rms_diff``, ``nan_mismatch`` (values NaN in one dataset only), means of both),
    ``only_in_a``/``only_in_b`` (variables), ``common_dates``, and
    ``identical_within_tolerance`` — true when the grids, variables and dates are the same and every
    value agrees within ``atol + rtol * |b|``.
    """
    ra, rb = open_store(a), open_store(b)
    va, vb = list(ra.attrs["variables"]), list(rb.attrs["variables"])
    common = [v for v in va if v in vb]
    da, db = ra["dates"][:], rb["dates"][:]
    dates = np.intersect1d(da, db)
    summary: list[str] = []
    same_grid = ra["latitudes"].shape == rb["latitudes"].shape and bool(
        np.array_equal(ra["latitudes"][:], rb["latitudes"][:])
        and np.array_equal(ra["longitudes"][:], rb["longitudes"][:])
    )
    summary.append(f"grids: {'identical' if same_grid else 'DIFFERENT'}")
    summary.append(
        f"variables: {len(common)} common, {len(va) - len(common)} only in a, {len(vb) - len(common)} only in b"
    )
    summary.append(f"dates: {len(dates)} common of {len(da)} (a) and {len(db)} (b)")
    ens_same = ra["data"].shape[2] == rb["data"].shape[2]
    if not ens_same:
        summary.append(f"ensemble sizes differ: {ra['data'].shape[2]} vs {rb['data'].shape[2]}")

    n = len(common)
    max_abs = np.zeros(n)
    sq = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    nan_mismatch = np.zeros(n, dtype=np.int64)
    sum_a = np.zeros(n)
    sum_b = np.zeros(n)
    over = np.zeros(n, dtype=bool)
    if same_grid and ens_same and n:
        ia = np.array([va.index(v) for v in common])
        ib = np.array([vb.index(v) for v in common])
        pos_a = {d: i for i, d in enumerate(da)}
        pos_b = {d: i for i, d in enumerate(db)}
        for d in dates:
            xa = ra["data"][pos_a[d]][ia].astype(np.float64)
            xb = rb["data"][pos_b[d]][ib].astype(np.float64)
            na, nb = np.isnan(xa), np.isnan(xb)
            nan_mismatch += (na ^ nb).reshape(n, -1).sum(axis=1)
            both = ~(na | nb)
            diff = np.where(both, np.abs(xa - xb), 0.0).reshape(n, -1)
            max_abs = np.maximum(max_abs, diff.max(axis=1))
            sq += (diff**2).sum(axis=1)
            count += both.reshape(n, -1).sum(axis=1)
            sum_a += np.where(both, xa, 0).reshape(n, -1).sum(axis=1)
            sum_b += np.where(both, xb, 0).reshape(n, -1).sum(axis=1)
            limit = atol + rtol * np.abs(np.where(both, xb, 0))
            over |= (np.where(both, np.abs(xa - xb), 0) > limit).reshape(n, -1).any(axis=1)
    rows: dict[str, Any] = {}
    for k, v in enumerate(common):
        c = max(int(count[k]), 1)
        status = (
            "identical"
            if max_abs[k] == 0 and nan_mismatch[k] == 0
            else "close"
            if not over[k] and nan_mismatch[k] == 0
            else "different"
        )
        rows[v] = {
            "status": status,
            "max_abs_diff": float(max_abs[k]),
            "rms_diff": float(np.sqrt(sq[k] / c)),
            "nan_mismatch": int(nan_mismatch[k]),
            "mean_a": float(sum_a[k] / c),
            "mean_b": float(sum_b[k] / c),
        }
    stats_same = (
        all(
            name in ra
            and name in rb
            and np.array_equal(
                ra[name][:][[va.index(v) for v in common]],
                rb[name][:][[vb.index(v) for v in common]],
            )
            for name in STATISTICS
        )
        if common
        else False
    )
    summary.append(f"statistics: {'identical' if stats_same else 'differ'}")
    identical = (
        same_grid
        and ens_same
        and va == vb
        and len(dates) == len(da) == len(db)
        and all(r["status"] != "different" for r in rows.values())
    )
    return {
        "summary": summary,
        "variables": rows,
        "only_in_a": [v for v in va if v not in vb],
        "only_in_b": [v for v in vb if v not in va],
        "common_dates": len(dates),
        "statistics_identical": stats_same,
        "identical_within_tolerance": bool(identical),
    }
