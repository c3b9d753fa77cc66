"""Parameters of the built-in ``grib`` source (Anemoi's ``grib`` source keys).

An Anemoi recipe's ``grib`` node validates unchanged: ``path`` (files, globs and
``{date:strftime(...)}`` patterns), and the MARS selection keys ``param``, ``levtype``,
``level``/``levelist``, ``number``, ``step``, ``time``, ``class``, ``stream``, ``type`` and
``expver``. MARS's list spellings are accepted too (``levelist: 500/850``,
``number: 1/to/10``). Keys that ask for interpolation (``grid``, ``area``, ...) are refused with
a pointer to the ``regrid`` filter, since the source reads fields as they are stored.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator, model_validator

from fc_config.base import FcModel

__all__ = [
    "GRIB_LEVTYPES",
    "GRIB_NAMING_FIELDS",
    "GribSourceConfig",
    "expand_naming",
]

#: MARS level types the source selects on (``sfc`` surface, ``pl`` pressure, ``ml`` model,
#: ``pt`` potential temperature, ``pv`` potential vorticity, ``sol`` soil).
GRIB_LEVTYPES = ("sfc", "pl", "ml", "pt", "pv", "sol")

#: Placeholders a ``variable_naming`` template may use.
GRIB_NAMING_FIELDS = ("param", "levelist", "level", "levtype", "paramId", "shortName")

#: Anemoi's named namings (its ``build.variable_naming``).
_NAMED = {"default": "{param}_{levelist}", "param_levelist": "{param}_{levelist}"}
_NAMED["param"] = "{param}"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# Keys an Anemoi grib node may hold that fc refuses, with what to do instead.
_REFUSED = {
    "grid": "the grib source reads fields on the grid they are stored on; add a 'regrid' "
    "filter after it (pipe: [{grib: ...}, {regrid: {grid: O96}}])",
    "area": "the grib source does not cut areas; open the dataset with area=[N, W, S, E] "
    "or add a 'regrid' filter onto a limited-area grid",
    "rotation": "rotated grids are read as stored; there is no rotation on reading",
    "frame": "MARS interpolation keys are not supported by a file source",
    "resol": "MARS interpolation keys are not supported by a file source",
    "bitmap": "MARS interpolation keys are not supported by a file source",
    "date": "the dates come from the recipe's 'dates' section; to pick files by date, write "
    "a pattern such as path: data/{date:strftime(%Y%m%d)}.grib",
    "flavour": "Anemoi's flavour rules are not supported; rename variables with a 'rename' "
    "filter instead",
    "grid_definition": "fields with unstructured grids need their coordinates in the GRIB "
    "messages; an external grid definition is not supported",
}


def _one_or_many(value: Any) -> Any:
    """One value is a list of one (``param: 2t`` is ``param: [2t]``)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [value]
    return value


def _as_list(value: Any) -> Any:
    """As :func:`_one_or_many`; MARS's ``a/b/c`` and ``a/to/b[/by/c]`` are lists too."""
    if isinstance(value, str) and "/" in value:
        return _mars_list(value)
    return _one_or_many(value)


def _mars_list(text: str) -> list[str]:
    parts = [p.strip() for p in text.split("/") if p.strip()]
    lowered = [p.lower() for p in parts]
    if "to" not in lowered:
        return parts
    # a/to/b or a/to/b/by/c with whole numbers: expand, as MARS does
    if len(parts) not in (3, 5) or lowered[1] != "to" or (len(parts) == 5 and lowered[3] != "by"):
        raise ValueError(f"expected 'a/to/b' or 'a/to/b/by/c', got {text!r}")
    try:
        start, stop = int(parts[0]), int(parts[2])
        step = int(parts[4]) if len(parts) == 5 else 1
    except ValueError:
        raise ValueError(f"'{text}' must use whole numbers with 'to' and 'by'") from None
    if step <= 0 or stop < start:
        raise ValueError(f"'{text}' must count upwards with a positive 'by'")
    return [str(v) for v in range(start, stop + 1, step)]


def _time_of_day(value: Any) -> int:
    """MARS ``time`` as HHMM: ``0``, ``6``, ``12`` (hours), ``0600``, ``"06:00"``."""
    text = str(value).strip()
    if re.fullmatch(r"\d{1,2}:\d{2}", text):
        hours, minutes = text.split(":")
        number = int(hours) * 100 + int(minutes)
    elif re.fullmatch(r"\d{1,4}", text):
        number = int(text)
        # MARS reads 0..23 as hours and three or four digits as HHMM
        if len(text) <= 2:
            number *= 100
    else:
        raise ValueError(f"expected a time of day such as 0, 6, '0600' or '06:00', got {value!r}")
    if number // 100 > 23 or number % 100 > 59:
        raise ValueError(f"{value!r} is not a time of day (HHMM)")
    return number


def expand_naming(naming: str) -> str:
    """The template a ``variable_naming`` value stands for (``param`` → ``{param}``)."""
    return _NAMED.get(naming, naming)


_Values = Annotated[list[str | int], BeforeValidator(_as_list)]
_Numbers = Annotated[list[int], BeforeValidator(_as_list)]
_Levels = Annotated[list[int | float], BeforeValidator(_as_list)]
_Texts = Annotated[list[str], BeforeValidator(_as_list)]


class GribSourceConfig(FcModel):
    """Fields read from GRIB files (Anemoi's ``grib`` source), selected by MARS keys.

    Example::

        grib:
          path: era5/*.grib
          param: [t, z, u, v, q]
          levtype: pl
          level: [250, 500, 700, 850]

    Each selected field becomes a variable named by ``variable_naming`` (``t_850``; ``2t``
    for surface fields); ensemble members go on the ensemble axis.
    """

    path: Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_one_or_many)]
    """File, glob pattern (``data/*.grib``) or list of them, relative to the recipe's
    folder. ``{date:strftime(%Y%m%d)}`` in a path names one file per date, as in Anemoi."""

    param: _Values | None = None
    """Parameters to read, by short name (``2t``, ``t``) or paramId (``167``), in the order
    of the dataset's variables; every parameter in the files when left out."""

    levtype: Literal["sfc", "pl", "ml", "pt", "pv", "sol"] | None = None
    """MARS level type: ``sfc`` (single level: surface, 2 m, 10 m, mean sea level ...),
    ``pl`` (pressure), ``ml`` (model), ``pt`` (potential temperature), ``pv`` (potential
    vorticity), ``sol`` (soil); any when left out."""

    level: _Levels | None = None
    """Levels of the levelled parameters (hPa for ``pl``), in the order of the variables;
    single-level fields ignore it. Every level in the files when left out."""

    levelist: _Levels | None = None
    """Anemoi's (and MARS's) spelling of ``level``; give one or the other."""

    number: _Numbers | None = None
    """Ensemble members, in the order of the dataset's ensemble axis (``[0, 1, 2]``,
    ``1/to/10``); every member in the files, ascending, when left out."""

    step: _Numbers | None = None
    """Forecast steps in hours to keep (the end of the step range for accumulations); needed
    only when fields from several forecasts share a valid time."""

    time: Annotated[list[int], BeforeValidator(_as_list)] | None = None
    """Times of day of the forecasts' base (analysis) time to keep, as MARS writes them
    (``0``, ``12``, ``0600``, ``"18:00"``); stored as HHMM."""

    class_: _Texts | None = Field(default=None, alias="class")
    """MARS ``class`` to keep (``ea`` for ERA5, ``od`` operational); needs the ECMWF local
    section in the messages."""

    stream: _Texts | None = None
    """MARS ``stream`` to keep (``oper``, ``enfo``, ``enda``)."""

    type: _Texts | None = None
    """MARS ``type`` to keep (``an`` analysis, ``fc`` forecast, ``cf``/``pf`` control and
    perturbed ensemble forecasts)."""

    expver: _Texts | None = None
    """MARS experiment version to keep (``0001``)."""

    variable_naming: str = "{param}_{levelist}"
    """How variables are named: a template with ``{param}``, ``{levelist}`` (or
    ``{level}``), ``{levtype}``, ``{paramId}``, ``{shortName}``; a placeholder without a
    value (the level of a surface field) is dropped with the text just before it, so the
    default gives ``t_850`` and ``2t``. Anemoi's names ``default``, ``param_levelist`` and
    ``param`` are accepted."""

    decoder: Literal["auto", "eccodes"] = "auto"
    """fc extension: ``auto`` decodes simple-packed messages with fc's own vectorised
    decoder (several times faster, the same values) and hands every other packing to
    eccodes; ``eccodes`` sends every message to eccodes."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unsupported(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, reason in _REFUSED.items():
                if key in data:
                    raise ValueError(f"'{key}' is not supported by the grib source: {reason}")
        return data

    @field_validator("time", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        if value is None:
            return None
        return [_time_of_day(v) for v in _as_list(value)]

    @field_validator("param")
    @classmethod
    def _params(cls, value: list[str | int] | None) -> list[str | int] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("'param' must name at least one parameter (or be left out)")
        # paramIds written as text ("167") are numbers
        cleaned = [int(v) if isinstance(v, str) and v.isdigit() else v for v in value]
        seen: set[str | int] = set()
        dupes = [v for v in cleaned if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
        if dupes:
            raise ValueError(f"parameter(s) {dupes} are listed twice")
        return cleaned

    @field_validator("variable_naming")
    @classmethod
    def _naming(cls, value: str) -> str:
        template = expand_naming(value)
        names = _PLACEHOLDER.findall(template)
        if not names:
            raise ValueError(
                f"'{value}' has no placeholder: write a template such as '{{param}}_{{levelist}}'"
            )
        unknown = [n for n in names if n not in GRIB_NAMING_FIELDS]
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}} in '{value}'; use "
                + ", ".join(f"{{{n}}}" for n in GRIB_NAMING_FIELDS)
            )
        return template

    @model_validator(mode="after")
    def _one_level_key(self) -> GribSourceConfig:
        if self.level is not None and self.levelist is not None:
            raise ValueError("give the levels as 'level' or as 'levelist', not both")
        if self.levtype == "sfc" and self.levels is not None:
            raise ValueError(
                "levtype 'sfc' has no levels: remove 'level', or read the levelled "
                "parameters in a second grib source with levtype 'pl' (or 'ml')"
            )
        return self

    @property
    def levels(self) -> list[int | float] | None:
        """The selected levels, whichever key named them."""
        return self.level if self.level is not None else self.levelist
