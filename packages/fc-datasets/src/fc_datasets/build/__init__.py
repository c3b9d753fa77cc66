"""Building datasets: ``init``, ``load`` (in parts, in parallel, resumable), ``finalise``, ``create``.

::

    from fc_datasets.build import create, init, load, finalise

    create("era5.yaml", "era5.zarr")                 # all in one go, or:
    init("era5.yaml", "era5.zarr")                   # validate, probe the first date, make the store
    load("era5.zarr", part="1/4")                    # ... 4/4, in separate processes or jobs
    finalise("era5.zarr")                            # statistics, then complete

The format of the result is specified in ``docs/formats/dataset.md``.
"""

from __future__ import annotations

from fc_datasets.build.create import CreateReport, create
from fc_datasets.build.finalise import FinaliseReport, finalise
from fc_datasets.build.init import init
from fc_datasets.build.load import LoadReport, load
from fc_datasets.build.statistics import (
    PartialStatistics,
    Statistics,
    combine,
    finish,
    partial_stats,
)
from fc_datasets.build.status import BuildStatus, build_status

__all__ = [
    "BuildStatus",
    "CreateReport",
    "FinaliseReport",
    "LoadReport",
    "PartialStatistics",
    "Statistics",
    "build_status",
    "combine",
    "create",
    "finalise",
    "finish",
    "init",
    "load",
    "partial_stats",
]
