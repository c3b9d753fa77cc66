"""Helpers the filters share: telling a variable's parameter from its level, choosing
variables by name, and deriving the metadata of a new variable from an old one.

Anemoi's filters select fields by ``param`` (``t`` means every level of temperature); an fc
block holds composed names (``t_850``), so a name given to a filter matches a variable when it
is the variable's full name or its parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import DatasetError
from fc_datasets.fields import FieldBlock

__all__ = [
    "FilterError",
    "as_float",
    "derive_metadata",
    "level_label",
    "matching",
    "split_name",
]

#: GRIB keys that say *which* parameter a field is; dropped when a filter makes a new one.
_PARAM_KEYS = ("paramId", "shortName", "param", "cfName", "cfVarName", "name", "units")


class FilterError(DatasetError):
    """A filter cannot apply to the fields it was given (a variable missing, wrong units, ...)."""


def level_label(level: Any) -> str:
    """A level as written in names: ``850``, not ``850.0``."""
    number = float(level)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def split_name(name: str, metadata: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """``(param, level)`` of a variable: ``("t", "850")`` for ``t_850``, ``("2t", None)``.

    The level comes from the metadata, so that a name such as ``snow_depth`` is never split.
    """
    level = (metadata or {}).get("level")
    if level is not None:
        label = level_label(level)
        if name.endswith(f"_{label}") and len(name) > len(label) + 1:
            return name[: -len(label) - 1], label
    return name, None


def matching(block: FieldBlock, names: Iterable[str], *, where: str) -> list[int]:
    """Indices of the variables selected by ``names`` (full names or parameters).

    Raises
    ------
    FilterError
        When a name selects nothing; the message suggests the closest variable.
    """
    selected: list[int] = []
    for name in names:
        found = [
            i
            for i, var in enumerate(block.variables)
            if var == name or split_name(var, block.metadata.get(var))[0] == name
        ]
        if not found:
            raise FilterError(
                f"{where}: no variable '{name}' among {', '.join(block.variables)}."
                + did_you_mean(name, block.variables)
            )
        selected.extend(i for i in found if i not in selected)
    return selected


def derive_metadata(
    metadata: Mapping[str, Any] | None, name: str, *, param_changed: bool = True, **changes: Any
) -> dict[str, Any]:
    """Metadata of a variable made from another: the name and ``changes`` replaced.

    When the parameter changes, the GRIB keys that identify the old parameter are dropped
    (the level keys stay), so the field is never written back under the wrong parameter.
    """
    meta = dict(metadata or {})
    meta["name"] = name
    meta.setdefault("units", "unknown")
    meta.setdefault("level_type", "sfc")
    if param_changed:
        meta["grib"] = {
            k: v for k, v in dict(meta.get("grib") or {}).items() if k not in _PARAM_KEYS
        }
        meta.pop("long_name", None)
    meta.update(changes)
    return meta


def as_float(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``values`` in the floating type of ``like`` (float32 stays float32)."""
    dtype = like.dtype if np.issubdtype(like.dtype, np.floating) else np.dtype(np.float32)
    return np.asarray(values, dtype=dtype)
