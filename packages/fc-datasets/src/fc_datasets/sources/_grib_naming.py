"""Variable names from GRIB keys: ``{param}_{levelist}`` gives ``t_850`` and ``2t``.

As in Anemoi, a placeholder that has no value (the level of a single-level field) is left
out together with the literal text just before it, so one template names surface and
levelled fields alike.
"""

from __future__ import annotations

import re

from fc_datasets.sources._grib_keys import MessageKeys

__all__ = ["format_name"]

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _level_text(level: int | float | None) -> str | None:
    if level is None:
        return None
    return str(int(level)) if float(level).is_integer() else f"{float(level):g}"


def _value(field: str, keys: MessageKeys) -> str | None:
    if field in ("levelist", "level"):
        return _level_text(keys.level)
    if field == "param":
        return keys.param
    if field == "levtype":
        return keys.levtype
    if field == "paramId":
        return str(keys.param_id)
    if field == "shortName":
        return keys.short_name or None
    raise KeyError(field)  # the config's validator lets no other placeholder through


def format_name(template: str, keys: MessageKeys) -> str:
    """The variable name of the fields described by ``keys`` under ``template``."""
    pieces = _PLACEHOLDER.split(template)  # literal, field, literal, field, ..., literal
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(piece)
            continue
        value = _value(piece, keys)
        if value is None:
            if out:
                out.pop()  # the separator before a missing value goes with it
        else:
            out.append(value)
    return "".join(out)
