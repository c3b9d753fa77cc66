"""Wind filters: ``uv_to_ddff`` (components → speed and direction) and ``ddff_to_uv``.

Pairs are matched level by level, as Anemoi does: with the default names, ``u_850`` and
``v_850`` become ``ws_850`` and ``wdir_850``; for the 10 m wind give
``u_component: 10u, v_component: 10v, wind_speed: 10si, wind_direction: 10wdir``. The new
variables take the places of the old ones (speed where u was, direction where v was).

Conventions
-----------
``meteo`` (the default): the direction the wind blows **from**, clockwise from north, in
[0, 360): a westerly (u > 0, v = 0) is 270°, a southerly (v > 0) 180°::

    speed = hypot(u, v)        direction = (180° + atan2(u, v)) mod 360°
    u = -speed · sin(direction)    v = -speed · cos(direction)

``polar``: the direction the wind blows **to**, counter-clockwise from east:
``direction = atan2(v, u) mod 360°``, ``u = speed · cos``, ``v = speed · sin``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from fc_config.recipes.filters import DDFFToUVFilterConfig, UVToDDFFFilterConfig
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._select import FilterError, as_float, derive_metadata, split_name
from fc_datasets.sources.base import Filter

__all__ = ["DDFFToUVFilter", "UVToDDFFFilter", "ddff_to_uv", "uv_to_ddff"]

_GRIB = {
    "ws": {"shortName": "ws", "paramId": 10},
    "wdir": {"shortName": "wdir", "paramId": 3031},
    "10si": {"shortName": "10si", "paramId": 207},
    "10wdir": {"shortName": "10wdir", "paramId": 260260},
    "u": {"shortName": "u", "paramId": 131},
    "v": {"shortName": "v", "paramId": 132},
    "10u": {"shortName": "10u", "paramId": 165},
    "10v": {"shortName": "10v", "paramId": 166},
}


def uv_to_ddff(
    u: np.ndarray, v: np.ndarray, *, convention: str = "meteo", radians: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Wind speed and direction from components (see the module's conventions)."""
    u64, v64 = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    speed = np.hypot(u64, v64)
    if convention == "meteo":
        direction = np.mod(180.0 + np.degrees(np.arctan2(u64, v64)), 360.0)
    else:
        direction = np.mod(np.degrees(np.arctan2(v64, u64)), 360.0)
    direction = np.where(direction >= 360.0, 0.0, direction)
    return speed, (np.radians(direction) if radians else direction)


def ddff_to_uv(
    speed: np.ndarray, direction: np.ndarray, *, convention: str = "meteo", radians: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Wind components from speed and direction (see the module's conventions)."""
    s = np.asarray(speed, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    angle = d if radians else np.radians(d)
    if convention == "meteo":
        return -s * np.sin(angle), -s * np.cos(angle)
    return s * np.cos(angle), s * np.sin(angle)


def _pairs(
    block: FieldBlock, first: str, second: str, where: str
) -> list[tuple[int, int, str | None]]:
    """``(index of first, index of second, level)`` for each level where both exist."""
    by_level: dict[str | None, dict[str, int]] = {}
    for i, name in enumerate(block.variables):
        param, level = split_name(name, block.metadata.get(name))
        for wanted in (first, second):
            if name == wanted or param == wanted:
                by_level.setdefault(level if param == wanted else None, {})[wanted] = i
    if not by_level:
        raise FilterError(
            f"{where}: no variable '{first}' or '{second}' among {', '.join(block.variables)}.",
            hint="Name the components with the filter's parameters (e.g. u_component: 10u).",
        )
    pairs = []
    for level, found in by_level.items():
        missing = [w for w in (first, second) if w not in found]
        if missing:
            present = block.variables[next(iter(found.values()))]
            raise FilterError(
                f"{where}: '{present}' has no matching '{missing[0]}'"
                f"{f' at level {level}' if level is not None else ''}."
            )
        pairs.append((found[first], found[second], level))
    return pairs


def _convert(
    block: FieldBlock,
    names_in: tuple[str, str],
    names_out: tuple[str, str],
    units_out: tuple[str | None, str | None],
    function: Any,
    config: Any,
    where: str,
) -> FieldBlock:
    data = block.data.copy()
    variables = list(block.variables)
    metadata = {k: dict(v) for k, v in block.metadata.items()}
    for i, j, level in _pairs(block, names_in[0], names_in[1], where):
        a, b = function(
            block.data[:, i], block.data[:, j], convention=config.convention, radians=config.radians
        )
        data[:, i], data[:, j] = as_float(a, block.data), as_float(b, block.data)
        # the speed (or a component) keeps its units; a direction has its own
        speed_units = str(block.metadata.get(block.variables[i], {}).get("units", "m s**-1"))
        for index, param, units in (
            (i, names_out[0], units_out[0]),
            (j, names_out[1], units_out[1]),
        ):
            old = variables[index]
            new = param if level is None else f"{param}_{level}"
            old_meta = metadata.pop(old, None) or {"name": old}
            meta = derive_metadata(old_meta, new, units=units or speed_units)
            meta["grib"] = {**meta.get("grib", {}), **_GRIB.get(param, {})}
            metadata[new] = meta
            variables[index] = new
    return block.with_variables(variables, data, metadata)


class UVToDDFFFilter(Filter):
    """u, v → wind speed and direction, level by level (Anemoi's ``uv_to_ddff``)."""

    config_model: ClassVar[type[UVToDDFFFilterConfig]] = UVToDDFFFilterConfig
    config: UVToDDFFFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with each (u, v) pair replaced by (speed, direction)."""
        cfg = self.config
        return _convert(
            block,
            (cfg.u_component, cfg.v_component),
            (cfg.wind_speed, cfg.wind_direction),
            (None, "radian" if cfg.radians else "degree"),
            uv_to_ddff,
            cfg,
            f"uv_to_ddff at {self.context.path}",
        )


class DDFFToUVFilter(Filter):
    """Wind speed and direction → u, v, level by level (Anemoi's ``ddff_to_uv``)."""

    config_model: ClassVar[type[DDFFToUVFilterConfig]] = DDFFToUVFilterConfig
    config: DDFFToUVFilterConfig

    def apply(self, block: FieldBlock) -> FieldBlock:
        """The block with each (speed, direction) pair replaced by (u, v)."""
        cfg = self.config
        return _convert(
            block,
            (cfg.wind_speed, cfg.wind_direction),
            (cfg.u_component, cfg.v_component),
            (None, None),
            ddff_to_uv,
            cfg,
            f"ddff_to_uv at {self.context.path}",
        )
