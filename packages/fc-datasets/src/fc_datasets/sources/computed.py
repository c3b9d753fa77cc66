"""The ``forcings`` and ``constants`` sources: fields computed from date and position.

Both compute with :func:`fc_utils.forcings.compute_forcings`, the very function inference uses
for every forecast step, so a model sees the same values in training and in production.

The grid comes from another node of the recipe (``template: ${input.join.0.grib}``, as in
Anemoi), resolved through :attr:`BuildContext.references`, or from a grid name
(``grid: O96``, an fc extension). Only the template's coordinates are needed: they are taken
from the template node's last result when it has one, otherwise by loading one date.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

import numpy as np

from fc_config.exceptions import FcError
from fc_config.recipes.sources import ConstantsSourceConfig, ForcingsSourceConfig
from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import BuildContext, Source

__all__ = ["TIME_INVARIANT", "ConstantsSource", "ForcingsSource", "template_key"]

LOG = logging.getLogger(__name__)

#: Computed fields that do not depend on the date: the only ones ``constants`` accepts.
TIME_INVARIANT = ("cos_latitude", "sin_latitude", "cos_longitude", "sin_longitude")

_REFERENCE = re.compile(r"^\$\{\s*([^}]+?)\s*\}$|^\$([\w.\-\[\]]+)$")


def template_key(template: str) -> str:
    """The dotted key of a ``${input.join.0.grib}`` reference (``input.join.0.grib``).

    ``input.join[0].grib`` is accepted as well, as error messages spell node positions.
    """
    text = template.strip()
    found = _REFERENCE.match(text)
    key = (found.group(1) or found.group(2)) if found else text
    return re.sub(r"\[(\d+)\]", r".\1", key)


class _ComputedSource(Source):
    """Computes ``param`` on the template's (or the named) grid."""

    config: ForcingsSourceConfig | ConstantsSourceConfig
    #: Name of the source in messages.
    kind: ClassVar[str] = "forcings"

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        from fc_utils.forcings import forcing_names

        known = forcing_names()
        for name in self.config.param:
            if name not in known:
                raise SourceError(
                    f"{self.describe()}: unknown computed field '{name}'."
                    f"{did_you_mean(name, known)} Known: {', '.join(known)}."
                )
        self._coordinates: tuple[np.ndarray, np.ndarray, dict[str, Any] | None] | None = None

    def describe(self) -> str:
        """The node's position in the recipe and the source's name."""
        return f"{self.kind} source at {self.context.path}"

    def coordinates(
        self, dates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any] | None]:
        """Latitudes, longitudes and grid description the fields are computed on."""
        if self._coordinates is None:
            if self.config.grid is not None:
                self._coordinates = self._named_grid(self.config.grid)
            else:
                assert self.config.template is not None  # the config checks one is given
                self._coordinates = self._template_grid(self.config.template, dates)
        return self._coordinates

    def _named_grid(self, name: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any] | None]:
        from fc_utils.grids import grid_from_name

        try:
            grid = grid_from_name(name)
        except FcError as exc:
            raise SourceError(f"{self.describe()}: {exc}") from None
        return grid.latitudes, grid.longitudes, grid.description()

    def _template_grid(
        self, template: str, dates: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any] | None]:
        key = template_key(template)
        references = self.context.references
        if key not in references:
            known = sorted(references)
            raise SourceError(
                f"{self.describe()}: the template '{template}' names no node of the recipe."
                f"{did_you_mean(key, known)} Nodes that can be named: {', '.join(known) or 'none'}.",
                hint="Write the position of a source as ${input.join.0.grib} (0 is the first item).",
            )
        node = references[key]
        if node is self or getattr(node, "source", None) is self:
            raise SourceError(
                f"{self.describe()}: the template '{template}' names this very source."
            )
        if isinstance(node, FieldBlock):
            return node.latitudes, node.longitudes, node.grid
        if hasattr(node, "coordinates"):
            lat, lon, grid = node.coordinates(dates[:1])
            return lat, lon, grid
        block = node.load(dates[:1])
        return block.latitudes, block.longitudes, block.grid

    def _metadata(self, name: str) -> dict[str, Any]:
        from fc_utils.forcings import forcing_metadata

        info = forcing_metadata(name)
        meta: dict[str, Any] = {
            "name": name,
            "units": info.get("units", "1"),
            "long_name": info.get("long_name"),
            "level_type": "computed",
            "level": None,
            "grib": {},
            "process": "instantaneous",
        }
        if name == "toa_incident_solar_radiation_accumulated":
            meta["process"], meta["period"] = "accumulation", "1h"
        return meta

    def load(self, dates: np.ndarray) -> FieldBlock:
        """The fields on ``dates``, ensemble size 1 (a join broadcasts them to every member)."""
        from fc_utils.forcings import compute_forcings

        dates = np.asarray(dates, dtype="datetime64[s]").reshape(-1)
        lat, lon, grid = self.coordinates(dates)
        names = list(self.config.param)
        try:
            values = compute_forcings(names, dates, lat, lon, dtype=np.float32)
        except FcError as exc:
            raise SourceError(f"{self.describe()}: {exc}") from None
        return FieldBlock(
            dates=dates,
            variables=names,
            data=values[:, :, np.newaxis, :],
            latitudes=np.asarray(lat, dtype=np.float64),
            longitudes=np.asarray(lon, dtype=np.float64),
            metadata={n: self._metadata(n) for n in names},
            grid=None if grid is None else dict(grid),
        )


class ForcingsSource(_ComputedSource):
    """Anemoi's ``forcings``: ``cos_latitude``, ``cos_julian_day``, ``insolation``, ...

    Example::

        forcings:
          template: ${input.join.0.grib}
          param: [cos_latitude, sin_latitude, cos_local_time, sin_local_time, insolation]
    """

    config_model: ClassVar[type[ForcingsSourceConfig]] = ForcingsSourceConfig
    kind: ClassVar[str] = "forcings"


class ConstantsSource(_ComputedSource):
    """Anemoi's ``constants``: the time-invariant position features only.

    Refuses a time-dependent name (``cos_julian_day``, ``insolation``, ...) at build time,
    because such a field stored as a constant would be wrong on every date but one.
    """

    config_model: ClassVar[type[ConstantsSourceConfig]] = ConstantsSourceConfig
    kind: ClassVar[str] = "constants"

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        varying = [n for n in self.config.param if n not in TIME_INVARIANT]
        if varying:
            raise SourceError(
                f"{self.describe()}: {', '.join(repr(n) for n in varying)} change(s) with the "
                f"date and cannot be a constant; 'constants' computes only "
                f"{', '.join(TIME_INVARIANT)}.",
                hint="Move the time-dependent names to a 'forcings' source.",
            )

    def _metadata(self, name: str) -> dict[str, Any]:
        meta = super()._metadata(name)
        meta["level_type"], meta["process"] = "constant", "constant"
        return meta
