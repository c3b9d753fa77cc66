"""The ``rename`` filter: give variables the names the dataset should have.

Sources name variables as their files do (``t2m`` in ERA5 NetCDF, ``2t`` in GRIB); a dataset
joined from several needs one naming. As in Anemoi, ``param: {t: temperature}`` renames the
parameter whatever the level (``t_850`` → ``temperature_850``), ``levelist: {850: 850hPa}``
renames level labels, and ``param: "{param}_{levelist}"`` builds names from a pattern; fc adds
plain whole-name mappings (``rename: {t2m: 2t}``). The GRIB keys of a variable are kept, so a
renamed field is still written back to GRIB as the parameter it is.
"""

from __future__ import annotations

import string
from typing import Any, ClassVar

from fc_config.recipes.filters import RenameFilterConfig
from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import DatasetError
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._select import FilterError, split_name
from fc_datasets.sources.base import BuildContext, Filter

__all__ = ["RenameFilter"]


class RenameFilter(Filter):
    """Rename variables by whole name, parameter, level label or pattern."""

    config_model: ClassVar[type[RenameFilterConfig]] = RenameFilterConfig
    config: RenameFilterConfig

    def __init__(self, config: Any, context: BuildContext) -> None:
        super().__init__(config, context)
        pattern = self.config.param
        if isinstance(pattern, str):
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
            except ValueError as exc:
                raise FilterError(
                    f"rename at {context.path}: bad pattern {pattern!r}: {exc}"
                ) from None
            unknown = [f for f in fields if f not in _PATTERN_KEYS]
            if unknown:
                raise FilterError(
                    f"rename at {context.path}: the pattern {pattern!r} uses unknown key(s) "
                    f"{', '.join(unknown)}.{did_you_mean(unknown[0], _PATTERN_KEYS)}",
                    hint=f"Keys available: {', '.join(_PATTERN_KEYS)}.",
                )

    def _new_name(self, name: str, meta: dict[str, Any], used: set[str]) -> str:
        cfg = self.config
        if name in cfg.variables:
            used.add(name)
            return cfg.variables[name]
        param, level = split_name(name, meta)
        if isinstance(cfg.param, str):
            keys = _pattern_keys(name, param, level, meta)
            try:
                return cfg.param.format(**keys)
            except (KeyError, IndexError):
                return name  # a key this variable lacks (no level on a surface field)
        if isinstance(cfg.param, dict) and name in cfg.param:
            used.add(name)
            return cfg.param[name]
        new_param = param
        if isinstance(cfg.param, dict) and param in cfg.param:
            used.add(param)
            new_param = cfg.param[param]
        new_level = level
        if level is not None and cfg.levelist and level in cfg.levelist:
            used.add(f"level {level}")
            new_level = cfg.levelist[level]
        if new_param == param and new_level == level:
            return name
        return new_param if new_level is None else f"{new_param}_{new_level}"

    def apply(self, block: FieldBlock) -> FieldBlock:
        """A block with the new names and the metadata ``name`` updated."""
        used: set[str] = set()
        names = [self._new_name(v, block.metadata.get(v, {}), used) for v in block.variables]
        asked = [*self.config.variables]
        if isinstance(self.config.param, dict):
            asked += list(self.config.param)
        asked += [f"level {k}" for k in self.config.levelist or {}]
        unused = [a for a in asked if a not in used]
        if unused:
            first = unused[0].removeprefix("level ")
            raise FilterError(
                f"rename at {self.context.path}: nothing is named {', '.join(unused)} among "
                f"{', '.join(block.variables)}.{did_you_mean(first, block.variables)}",
                hint="Rename only variables the previous step produces.",
            )
        metadata = {}
        for old, new in zip(block.variables, names, strict=True):
            meta = dict(block.metadata.get(old, {}))
            if meta:
                meta["name"] = new
                metadata[new] = meta
        try:
            return block.with_variables(names, block.data, metadata)
        except DatasetError as exc:
            raise FilterError(f"rename at {self.context.path}: {exc}") from None


_PATTERN_KEYS = ("param", "levelist", "level", "levtype", "units", "name")


def _pattern_keys(name: str, param: str, level: str | None, meta: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {"param": param, "name": name}
    if level is not None:
        keys["levelist"] = keys["level"] = level
    if meta.get("level_type"):
        keys["levtype"] = meta["level_type"]
    if meta.get("units"):
        keys["units"] = meta["units"]
    return keys
