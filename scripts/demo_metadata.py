"""Demo step: write the metadata an O96 forcings dataset for January 2020 would carry.

It is assembled from fc-utils (grid description, dates, forcing units, provenance) and written as
JSON for ``fc-config validate dataset-metadata`` to check. The dataset builder (fc-datasets)
produces this same document when it lands.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

from fc_utils.dates import DateRange, frequency_to_string
from fc_utils.forcings import forcing_metadata
from fc_utils.grids import grid_from_name
from fc_utils.provenance import gather_provenance

VARIABLES = ["cos_latitude", "sin_julian_day", "cos_local_time", "insolation"]


def main(path: str) -> None:
    grid = grid_from_name("O96")
    dates = DateRange("2020-01-01", "2020-01-31", "6h", missing=["2020-01-13T06"])
    metadata = {
        "kind": "dataset",
        "format_version": 1,
        "uuid": str(uuid.uuid4()),
        "variables": VARIABLES,
        "variables_metadata": {
            name: {
                "name": name,
                "units": forcing_metadata(name)["units"],
                "long_name": forcing_metadata(name)["long_name"],
                "level_type": "computed",
            }
            for name in VARIABLES
        },
        "frequency": frequency_to_string(dates.frequency),
        "start_date": str(dates.dates[0]),
        "end_date": str(dates.dates[-1]),
        "missing_dates": [str(d) for d in dates.missing],
        "grid": grid.description(),
        "provenance": gather_provenance(command=sys.argv),
        "licence": "CC-BY-4.0",
        "attribution": "fc demo (computed forcings)",
    }
    Path(path).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(
        f"wrote {path}: {len(VARIABLES)} variables, {len(dates)} dates on {grid.name}\n"
    )


if __name__ == "__main__":
    main(sys.argv[1])
