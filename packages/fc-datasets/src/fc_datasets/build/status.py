"""Where a build stands: which dates are loaded, by which parts, whether it is complete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fc_datasets.build.layout import Layout, date_runs, iso
from fc_datasets.build.load import store_layout
from fc_datasets.store import BUILD_GROUP, open_store

__all__ = ["BuildStatus", "build_status"]


@dataclass(frozen=True)
class BuildStatus:
    """The loading state of a dataset, for ``fc-datasets inspect`` and job scripts.

    Attributes
    ----------
    path
        The dataset.
    complete
        Whether finalise has marked it complete.
    layout
        Its dates and how they are cut into chunks, parts and tasks.
    done
        bool ``[date]``: the date is loaded (missing dates count once their part ran).
    loads
        The loads recorded in ``_build/parts``: name → attributes (``part``, ``first_date``,
        ``last_date``, ``started``, ``finished``).
    """

    path: Path
    complete: bool
    layout: Layout
    done: np.ndarray
    loads: dict[str, dict[str, Any]]

    @property
    def lacking(self) -> np.ndarray:
        """bool ``[date]``: dates that must still be loaded before finalise."""
        return ~self.done & ~self.layout.missing

    def lacking_ranges(self) -> list[tuple[str, str, int]]:
        """Runs of dates still to load, as ``(first, last, count)``."""
        return date_runs(self.layout.dates, self.lacking)

    def parts(self, count: int) -> list[dict[str, Any]]:
        """The state of each of ``count`` parts: ``part`` (``i/N``), dates, loaded, lacking."""
        rows = []
        for index in range(count):
            chunks = self.layout.part_chunks(self.layout.resolve_part((index, count)))
            first = self.layout.chunk_bounds(chunks[0])[0]
            last = self.layout.chunk_bounds(chunks[-1])[1]
            rows.append(
                {
                    "part": f"{index + 1}/{count}",
                    "first_date": iso(self.layout.dates[first]),
                    "last_date": iso(self.layout.dates[last - 1]),
                    "dates": last - first,
                    "loaded": int(self.done[first:last].sum()),
                    "lacking": int(self.lacking[first:last].sum()),
                }
            )
        return rows


def build_status(path: str | Path) -> BuildStatus:
    """Read the loading state of the dataset at ``path`` (complete or not)."""
    path = Path(path)
    root = open_store(path, require_complete=False)
    layout = store_layout(root)
    done = root[f"{BUILD_GROUP}/done"][:]
    loads: dict[str, dict[str, Any]] = {}
    if f"{BUILD_GROUP}/parts" in root:
        for name, group in root[f"{BUILD_GROUP}/parts"].groups():
            loads[name] = dict(group.attrs)
    return BuildStatus(
        path=path,
        complete=bool(root.attrs.get("complete", False)),
        layout=layout,
        done=done,
        loads=loads,
    )
