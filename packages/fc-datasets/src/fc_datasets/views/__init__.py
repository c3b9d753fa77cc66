"""Lazy, composable views over fc datasets: :func:`open_dataset` and the views it builds.

Each module holds one kind of view: :mod:`.store` (the leaf, one zarr store), :mod:`.select`
(variables), :mod:`.subset` (dates), :mod:`.combine` (concat, join), :mod:`.ensemble`
(members), :mod:`.grid` (thinning, area), :mod:`.statistics`, :mod:`.missing` (missing-date
policies); :mod:`.open` parses the options and applies them in their documented order.
"""

from __future__ import annotations

from fc_datasets.views.base import Dataset
from fc_datasets.views.errors import MissingDateError, OpenDatasetError
from fc_datasets.views.open import OPTION_ORDER, open_dataset
from fc_datasets.views.store import StoreDataset

__all__ = [
    "OPTION_ORDER",
    "Dataset",
    "MissingDateError",
    "OpenDatasetError",
    "StoreDataset",
    "open_dataset",
]
