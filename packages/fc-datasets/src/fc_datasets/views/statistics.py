"""``statistics=other``: normalise with the statistics of another dataset.

Fine-tuning on a recent period, or training on a subset, should usually keep the
normalisation of the model's original training data; this view swaps the statistics (and,
with ``statistics_tendencies=``, the tendency statistics) for those of another dataset,
matched by variable name. The data is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fc_datasets.views.base import Dataset, ForwardingView
from fc_datasets.views.errors import OpenDatasetError

__all__ = ["StatisticsView"]


def _positions(view: Dataset, other: Dataset, option: str) -> np.ndarray:
    from fc_config.suggest import did_you_mean

    index = other.name_to_index
    absent = [v for v in view.variables if v not in index]
    if absent:
        name = absent[0]
        raise OpenDatasetError(
            f"{option}: the dataset the statistics come from has no variable {name!r}"
            f"{' (and ' + str(len(absent) - 1) + ' more)' if len(absent) > 1 else ''}."
            f"{did_you_mean(name, other.variables)}",
            hint="Statistics are matched by name, after select and rename: rename the "
            "variables of one of them so that the names agree.",
        )
    return np.array([index[v] for v in view.variables], dtype=np.int64)


class StatisticsView(ForwardingView):
    """The parent with its statistics (and/or tendency statistics) taken from other datasets."""

    view = "statistics"

    def __init__(
        self,
        forward: Dataset,
        statistics: Dataset | None = None,
        tendencies: Dataset | None = None,
    ) -> None:
        super().__init__(forward)
        if statistics is None and tendencies is None:
            raise OpenDatasetError("statistics needs a dataset to take the statistics from.")
        self._statistics_source = statistics
        self._tendencies_source = tendencies
        self._statistics_positions = (
            None if statistics is None else _positions(forward, statistics, "statistics")
        )
        self._tendencies_positions = (
            None if tendencies is None else _positions(forward, tendencies, "statistics_tendencies")
        )

    @property
    def statistics(self) -> dict[str, np.ndarray]:
        if self._statistics_source is None or self._statistics_positions is None:
            return self.forward.statistics
        positions = self._statistics_positions
        return {k: v[positions] for k, v in self._statistics_source.statistics.items()}

    def statistics_tendencies(self, delta: Any = None) -> dict[str, np.ndarray]:
        delta = self.frequency if delta is None else delta
        source, positions = self._tendencies_source, self._tendencies_positions
        if source is None or positions is None:
            source, positions = self._statistics_source, self._statistics_positions
        if source is None or positions is None:
            return self.forward.statistics_tendencies(delta)
        return {k: v[positions] for k, v in source.statistics_tendencies(delta).items()}

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self._statistics_source is not None:
            options["statistics"] = self._statistics_source.tree()
        if self._tendencies_source is not None:
            options["statistics_tendencies"] = self._tendencies_source.tree()
        return options
