"""Unit filters: ``convert_units``, ``rescale``, ``orog_to_z`` and ``z_to_orog``.

Values are converted in float64 and stored back in the block's type, so K → °C is exactly
``x - 273.15`` rounded once. Each filter updates the ``units`` metadata; ``convert_units``
also checks the variable's units against the ``from`` it was given, so that a recipe that
converts twice, or converts the wrong variable, fails instead of shifting values silently.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from fc_config.recipes.filters import (
    ConvertUnitsFilterConfig,
    OrogToZFilterConfig,
    RescaleFilterConfig,
    ZToOrogFilterConfig,
)
from fc_config.scalars import duration_seconds
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._select import FilterError, as_float, derive_metadata, matching
from fc_datasets.filters._units_table import STANDARD_GRAVITY, UnitsError, canonical, conversion
from fc_datasets.sources.base import Filter

__all__ = ["ConvertUnitsFilter", "OrogToZFilter", "RescaleFilter", "ZToOrogFilter"]

_UNKNOWN = {"", "unknown", "~"}


def _affine(values: np.ndarray, scale: float, offset: float) -> np.ndarray:
    result = values.astype(np.float64)
    if scale != 1.0:
        result = result * scale
    if offset != 0.0:
        result = result + offset
    return as_float(result, values)


class ConvertUnitsFilter(Filter):
    """Convert variables between common units (``{2t: {from: K, to: degC}}``).

    ``J m**-2`` → ``W m**-2`` divides by the accumulation period (from ``period`` or the
    variable's metadata) and makes the variable an ``average`` over that period.
    """

    config_model: ClassVar[type[ConvertUnitsFilterConfig]] = ConvertUnitsFilterConfig
    config: ConvertUnitsFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with the listed variables converted and their units metadata updated."""
        where = f"convert_units at {self.context.path}"
        data = block.data.copy()
        metadata = {k: dict(v) for k, v in block.metadata.items()}
        for key, spec in self.config.root.items():
            for index in matching(block, [key], where=where):
                name = block.variables[index]
                meta = metadata.setdefault(name, {"name": name})
                current = str(meta.get("units", ""))
                if current not in _UNKNOWN and canonical(current) != canonical(spec.from_):
                    raise FilterError(
                        f"{where}: variable '{name}' is in '{current}', not '{spec.from_}' as "
                        "the conversion says.",
                        hint="Correct 'from', or remove the conversion if it is done already.",
                    )
                period = spec.period or meta.get("period")
                seconds = duration_seconds(period) if period else None
                try:
                    scale, offset = conversion(spec.from_, spec.to, period_seconds=seconds)
                except UnitsError as exc:
                    raise FilterError(f"{where}: variable '{name}': {exc}") from None
                data[:, index] = _affine(block.data[:, index], scale, offset)
                meta["units"] = spec.to
                _update_process(meta, spec.from_, spec.to, period)
        return block.with_variables(list(block.variables), data, metadata)


def _update_process(meta: dict[str, Any], source: str, target: str, period: str | None) -> None:
    """An accumulation divided by its period is a mean flux, and the reverse."""
    pair = (canonical(source), canonical(target))
    if pair == ("j m-2", "w m-2"):
        meta["process"], meta["period"] = "average", period
    elif pair == ("w m-2", "j m-2"):
        meta["process"], meta["period"] = "accumulation", period


class RescaleFilter(Filter):
    """``x * scale + offset`` (Anemoi's ``rescale``) or ``unit_in`` → ``unit_out`` (its
    ``convert``), on the variables of ``param``."""

    config_model: ClassVar[type[RescaleFilterConfig]] = RescaleFilterConfig
    config: RescaleFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with ``param`` rescaled."""
        cfg = self.config
        where = f"rescale at {self.context.path}"
        units = cfg.units
        if cfg.scale is not None:
            scale, offset = cfg.scale, cfg.offset
        else:
            assert cfg.unit_in is not None and cfg.unit_out is not None  # the config checks
            try:
                scale, offset = conversion(cfg.unit_in, cfg.unit_out)
            except UnitsError as exc:
                raise FilterError(f"{where}: {exc}") from None
            units = cfg.unit_out
        data = block.data.copy()
        metadata = {k: dict(v) for k, v in block.metadata.items()}
        for index in matching(block, cfg.param, where=where):
            data[:, index] = _affine(block.data[:, index], scale, offset)
            name = block.variables[index]
            if units is not None:
                metadata.setdefault(name, {"name": name})["units"] = units
        return block.with_variables(list(block.variables), data, metadata)


_GRIB = {"z": {"shortName": "z", "paramId": 129}, "orog": {"shortName": "orog", "paramId": 228002}}


def _swap(
    block: FieldBlock, source: str, target: str, factor: float, units: str, where: str
) -> FieldBlock:
    """Replace variable ``source`` by ``target = source * factor`` at the same position."""
    # the surface field by its exact name, not every level of a parameter of the same name
    index = (
        [block.variables.index(source)]
        if source in block.variables
        else matching(block, [source], where=where)
    )
    if target in block.variables:
        raise FilterError(
            f"{where}: there is already a variable '{target}'; it would be duplicated.",
            hint="Rename one of them first.",
        )
    data = block.data.copy()
    variables = list(block.variables)
    metadata = {k: dict(v) for k, v in block.metadata.items()}
    if len(index) != 1:
        names = ", ".join(block.variables[i] for i in index)
        raise FilterError(f"{where}: '{source}' names several variables ({names}); give one.")
    i = index[0]
    old = variables[i]
    data[:, i] = _affine(block.data[:, i], factor, 0.0)
    variables[i] = target
    meta = derive_metadata(metadata.pop(old, None), target, units=units)
    meta["grib"] = {**meta.get("grib", {}), **_GRIB.get(target, {})}
    metadata[target] = meta
    return block.with_variables(variables, data, metadata)


class OrogToZFilter(Filter):
    """Orography (m) → surface geopotential ``g · h`` (m² s⁻²), g = 9.80665 m s⁻²."""

    config_model: ClassVar[type[OrogToZFilterConfig]] = OrogToZFilterConfig
    config: OrogToZFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with the orography replaced by the geopotential."""
        cfg = self.config
        return _swap(
            block,
            cfg.orography_name,
            cfg.geopotential,
            STANDARD_GRAVITY,
            "m**2 s**-2",
            f"orog_to_z at {self.context.path}",
        )


class ZToOrogFilter(Filter):
    """Surface geopotential (m² s⁻²) → orography ``z / g`` (m)."""

    config_model: ClassVar[type[ZToOrogFilterConfig]] = ZToOrogFilterConfig
    config: ZToOrogFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with the geopotential replaced by the orography."""
        cfg = self.config
        return _swap(
            block,
            cfg.geopotential,
            cfg.orography_name,
            1.0 / STANDARD_GRAVITY,
            "m",
            f"z_to_orog at {self.context.path}",
        )
