"""Demo step: store four dates of O96 forcings in an fc artifact file (JSON + safetensors)."""

from __future__ import annotations

import sys

import numpy as np

from fc_utils.artifact import write_artifact
from fc_utils.dates import DateRange
from fc_utils.forcings import compute_forcings
from fc_utils.grids import grid_from_name
from fc_utils.provenance import gather_provenance

NAMES = ["cos_latitude", "sin_julian_day", "cos_local_time", "toa_incident_solar_radiation"]


def main(path: str) -> None:
    grid = grid_from_name("O96")
    dates = DateRange("2020-06-21T00", "2020-06-21T18", "6h").dates
    values = compute_forcings(NAMES, dates, grid.latitudes, grid.longitudes)
    write_artifact(
        path,
        kind="demo-forcings",
        metadata={
            "variables": NAMES,
            "dates": [str(d) for d in dates],
            "grid": grid.description(),
            "provenance": gather_provenance(),
        },
        tensors={
            "forcings": values,
            "latitudes": grid.latitudes,
            "longitudes": grid.longitudes,
        },
    )
    sys.stdout.write(
        f"wrote {path}: forcings {values.shape} {values.dtype}, all finite: {bool(np.isfinite(values).all())}\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
