"""What eccodes says about a message header and a grid, asked once per distinct signature.

:mod:`fc_datasets.sources._grib_scan` gives every message a header signature and a grid
signature. Here eccodes interprets one message per signature (the parameter's short name,
level, ensemble number, step, units ...; the grid's coordinates and description), and the
answers are cached for the life of the process: every file of an archive shares them.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fc_datasets.exceptions import SourceError

__all__ = ["GridInfo", "MessageKeys", "clear_caches", "grid_info", "message_keys", "read_message"]

# eccodes' typeOfLevel -> MARS levtype, for messages whose 'levtype' key eccodes cannot give
_LEVTYPE = {
    "isobaricInhPa": "pl",
    "isobaricInPa": "pl",
    "hybrid": "ml",
    "theta": "pt",
    "potentialVorticity": "pv",
    "soilLayer": "sol",
    "depthBelowLandLayer": "sol",
}
_LEVELLED = ("pl", "ml", "pt", "pv", "sol")
_STEP_UNIT_SECONDS = {0: 60, 1: 3600, 2: 86400, 10: 10800, 11: 21600, 12: 43200, 13: 1, 254: 1}
_PROCESS = {
    "instant": "instantaneous",
    "accum": "accumulation",
    "avg": "average",
    "min": "minimum",
    "max": "maximum",
}
_MARS = ("class", "stream", "type", "expver")
_MAX_GRIDS = 4  # coordinates of an O1280 grid take 100 MB: keep only a few


@dataclass(frozen=True)
class MessageKeys:
    """The identity of the fields that share a header signature."""

    param: str
    """MARS param: the short name, or the paramId when eccodes has no short name for it."""
    param_id: int
    short_name: str
    name: str
    units: str
    levtype: str
    """MARS level type (``sfc``, ``pl``, ``ml`` ...)."""
    type_of_level: str
    grib_level: int | float
    """The GRIB ``level`` key as eccodes gives it (2 for ``2t``, Pa for ``isobaricInPa``)."""
    level: int | float | None
    """MARS levelist (hPa for pressure levels); ``None`` for single-level fields."""
    number: int
    """Ensemble member (0 for a message that is not part of an ensemble)."""
    step_seconds: int
    """Valid time minus reference time."""
    step_hours: int | float | None
    """End of the step range in hours, as MARS's ``step``."""
    step_type: str
    period_seconds: int | None
    """Length of the accumulation/averaging window, when the field has one."""
    mars: dict[str, str] = field(default_factory=dict)
    """``class``, ``stream``, ``type``, ``expver`` when the message has ECMWF's local section."""

    @property
    def process(self) -> str:
        """fc's ``process`` for the GRIB ``stepType``."""
        return _PROCESS.get(self.step_type, "instantaneous")


@dataclass(frozen=True, eq=False)
class GridInfo:
    """Coordinates and description of a grid, in fc's point order.

    The coordinate arrays are read-only: the blocks of every ``load`` share them.
    ``order`` is the permutation from GRIB scanning order to fc's order (rows north to south,
    each row west to east from 0° on a global grid), or ``None`` when they are the same.
    """

    latitudes: np.ndarray
    longitudes: np.ndarray
    order: np.ndarray | None
    description: dict[str, Any]
    summary: str
    """A short text for error messages (``regular_ll 1p0, 65160 points``)."""

    @property
    def size(self) -> int:
        """Number of grid points."""
        return len(self.latitudes)


_keys_cache: dict[bytes, MessageKeys] = {}
_concept_cache: dict[bytes, _Concept] = {}
_names_cache: dict[tuple[int, int], tuple[str, str, str]] = {}
_grid_cache: OrderedDict[bytes, GridInfo] = OrderedDict()
_lock = threading.Lock()


def read_message(path: str, offset: int, length: int) -> bytes:
    """The bytes of one message (``os.pread``: no shared file position, safe in threads)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    if len(data) != length:
        raise SourceError(f"{path}: the file shrank while reading the message at byte {offset}.")
    return data


def _get(handle: Any, key: str, default: Any = None, ktype: type = str) -> Any:
    """A key's value, or ``default`` when the message does not have it.

    Typed getters only: ``codes_get`` asks for the key's native type first, which makes eccodes
    evaluate a concept (``name``, ``units``) twice or three times.
    """
    import eccodes

    getter = {str: eccodes.codes_get_string, int: eccodes.codes_get_long}.get(
        ktype, eccodes.codes_get_double
    )
    try:
        value = getter(handle, key)
    except eccodes.CodesInternalError:
        return default
    return default if value in ("", "unknown", "~") else value


def _seconds(date: int, time: int) -> int | None:
    """Seconds since 1970 of a GRIB date (YYYYMMDD) and time (HHMM); None if not a date."""
    import calendar

    y, md = divmod(int(date), 10000)
    m, d = divmod(md, 100)
    hh, mm = divmod(int(time), 100)
    if not (1 <= m <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60):
        return None
    return calendar.timegm((y, m, d, hh, mm, 0, 0, 0, 0))


def _whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


@dataclass(frozen=True)
class _Concept:
    """The slow keys, which depend only on a message's concept signature."""

    param_id: int
    short_name: str
    name: str
    units: str
    type_of_level: str
    levtype: str
    grib_level: int | float
    level: int | float | None
    step_type: str


def _concept(handle: Any) -> _Concept:
    param_id = int(_get(handle, "paramId", 0, int))
    # shortName, name and units are each a lookup as slow as paramId's; they follow from it
    names_key = (int(_get(handle, "centre", 0, int)), param_id)
    names = _names_cache.get(names_key)
    if names is None:
        short_name = str(_get(handle, "shortName", "") or "")
        names = (
            short_name,
            str(_get(handle, "name", short_name) or short_name),
            str(_get(handle, "units", "unknown") or "unknown"),
        )
        _names_cache[names_key] = names
    type_of_level = str(_get(handle, "typeOfLevel", "") or "")
    levtype = str(_get(handle, "levtype", "") or _LEVTYPE.get(type_of_level, "sfc"))
    grib_level = _whole(float(_get(handle, "level", 0, float)))
    level: int | float | None = None
    if levtype in _LEVELLED:
        level = grib_level
        if type_of_level == "isobaricInPa":
            level = _whole(float(grib_level) / 100.0)
    return _Concept(
        param_id=param_id,
        short_name=names[0],
        name=names[1],
        units=names[2],
        type_of_level=type_of_level,
        levtype=levtype,
        grib_level=grib_level,
        level=level,
        step_type=str(_get(handle, "stepType", "instant") or "instant"),
    )


def _interpret(handle: Any, concept: _Concept) -> MessageKeys:
    # deterministic fields are member 0, so that `number: [0]` selects them as MARS would
    number = int(_get(handle, "perturbationNumber", None, int) or _get(handle, "number", 0, int))
    unit = _STEP_UNIT_SECONDS.get(int(_get(handle, "stepUnits", 1, int)))
    start, end = _get(handle, "startStep", None, float), _get(handle, "endStep", None, float)
    # valid time - base time as eccodes computes it (months and years of steps included)
    valid = _seconds(_get(handle, "validityDate", 0, int), _get(handle, "validityTime", 0, int))
    base = _seconds(_get(handle, "dataDate", 0, int), _get(handle, "dataTime", 0, int))
    if valid is not None and base is not None:
        step_seconds = valid - base
    else:
        step_seconds = round(end * unit) if unit is not None and end is not None else 0
    step_hours = None if unit is None or end is None else _whole(end * unit / 3600.0)
    period = None
    if unit is not None and start is not None and end is not None and end > start:
        period = round((end - start) * unit)
    return MessageKeys(
        param=concept.short_name or str(concept.param_id),
        param_id=concept.param_id,
        short_name=concept.short_name,
        name=concept.name,
        units=concept.units,
        levtype=concept.levtype,
        type_of_level=concept.type_of_level,
        grib_level=concept.grib_level,
        level=concept.level,
        number=number,
        step_seconds=int(step_seconds),
        step_hours=step_hours,
        step_type=concept.step_type,
        period_seconds=period,
        mars={k: str(v) for k in _MARS if (v := _get(handle, k)) is not None},
    )


def _handle(message: bytes, path: str, offset: int) -> Any:
    import eccodes

    try:
        return eccodes.codes_new_from_message(message)
    except eccodes.CodesInternalError as exc:
        raise SourceError(
            f"{path}: eccodes cannot read the GRIB message at byte offset {offset} ({exc})."
        ) from None


def message_keys(
    signature: bytes, concept: bytes, path: str, offset: int, length: int
) -> MessageKeys:
    """The keys of the messages with ``signature``; reads the message at ``offset`` if new.

    ``concept`` is the message's concept signature: messages that share it share the slow
    keys (parameter, level, units), which are then looked up once.
    """
    found = _keys_cache.get(signature)
    if found is not None:
        return found
    import eccodes

    handle = _handle(read_message(path, offset, length), path, offset)
    try:
        known = _concept_cache.get(concept)
        if known is None:
            known = _concept_cache.setdefault(concept, _concept(handle))
        keys = _interpret(handle, known)
    finally:
        eccodes.codes_release(handle)
    with _lock:
        return _keys_cache.setdefault(signature, keys)


def _grid_facts(handle: Any) -> dict[str, Any]:
    """The keys that describe the grid, read once."""
    facts: dict[str, Any] = {"type": str(_get(handle, "gridType", "unknown"))}
    for key in ("Ni", "Nj", "N", "isOctahedral", "global", "jScansPositively"):
        facts[key] = int(_get(handle, key, 0, int))
    for key in ("iDirectionIncrementInDegrees", "jDirectionIncrementInDegrees"):
        facts[key] = float(_get(handle, key, 0.0, float))
    if facts["type"] == "reduced_gg":
        import eccodes

        facts["pl"] = [int(v) for v in eccodes.codes_get_array(handle, "pl", int) if v > 0]
    return facts


def _spans_all_longitudes(facts: dict[str, Any]) -> bool:
    if facts["type"] == "regular_ll":
        di = facts["iDirectionIncrementInDegrees"]
        return bool(di > 0 and abs(facts["Ni"] * di - 360.0) < 1e-3 * di)
    return bool(facts["global"]) and facts["type"] in ("reduced_gg", "regular_gg")


def _order(lat: np.ndarray, lon: np.ndarray, facts: dict[str, Any]) -> np.ndarray | None:
    """Permutation to rows north to south, each west to east (from 0° on global rows)."""
    if facts["type"] not in ("regular_ll", "reduced_gg", "regular_gg"):
        return None  # unstructured, rotated, projected: keep the file's order
    # rows keep their own order unless they go round the globe: then 0° comes first
    within_row = lon if _spans_all_longitudes(facts) else np.arange(len(lat))
    order = np.lexsort((within_row, -lat))
    return None if np.array_equal(order, np.arange(len(lat))) else order


def _description(facts: dict[str, Any], lat: np.ndarray, lon: np.ndarray) -> dict[str, Any]:
    """GridDescription (as a dict) of a grid whose points are already in fc's order."""
    from fc_utils.grids.latlon import latlon_name

    grid_type, size = facts["type"], len(lat)
    whole_lon = _spans_all_longitudes(facts)
    if grid_type == "regular_ll":
        di, dj = facts["iDirectionIncrementInDegrees"], facts["jDirectionIncrementInDegrees"]
        whole_lat = dj > 0 and abs((facts["Nj"] - 1) * dj - 180.0) < 1e-3 * dj
        area = None
        if not (whole_lon and whole_lat):
            ni = max(facts["Ni"], 1)
            area = [float(lat[0]), float(lon[0]), float(lat[-1]), float(lon[ni - 1])]
        return {
            "type": "regular_ll",
            "name": latlon_name(dj, di) if di > 0 and dj > 0 else None,
            "number_of_points": size,
            "area": area,
        }
    if grid_type in ("reduced_gg", "regular_gg"):
        n = facts["N"]
        letter = "O" if facts["isOctahedral"] else "N"
        desc: dict[str, Any] = {
            "type": grid_type,
            "name": f"{'F' if grid_type == 'regular_gg' else letter}{n}" if n else None,
            "number_of_points": size,
            "area": None
            if facts["global"]
            else [float(lat[0]), float(lon.min()), float(lat[-1]), float(lon.max())],
        }
        if grid_type == "reduced_gg":
            pl = facts["pl"]
            desc["pl"] = pl if facts["jScansPositively"] == 0 else pl[::-1]
        return desc
    return {"type": "unstructured", "name": None, "number_of_points": size}


def grid_info(grid_signature: bytes, path: str, offset: int, length: int) -> GridInfo:
    """The grid of the messages with ``grid_signature`` (computed once per process)."""
    with _lock:
        found = _grid_cache.get(grid_signature)
        if found is not None:
            _grid_cache.move_to_end(grid_signature)
            return found
    import eccodes

    handle = _handle(read_message(path, offset, length), path, offset)
    try:
        facts = _grid_facts(handle)
        if facts["type"] in ("sh", "spherical_harmonics"):
            raise SourceError(
                f"{path}: the message at byte offset {offset} holds spectral coefficients "
                "(gridType sh), not grid-point values.",
                hint="Transform it to a grid first, e.g. with MARS or earthkit-regrid.",
            )
        try:
            lat = np.asarray(eccodes.codes_get_array(handle, "latitudes", float), dtype=np.float64)
            lon = np.asarray(eccodes.codes_get_array(handle, "longitudes", float), dtype=np.float64)
        except eccodes.CodesInternalError as exc:
            raise SourceError(
                f"{path}: eccodes cannot compute the coordinates of the {facts['type']} grid "
                f"of the message at byte offset {offset} ({exc})."
            ) from None
    finally:
        eccodes.codes_release(handle)
    lon = lon % 360.0
    order = _order(lat, lon, facts)
    if order is not None:
        lat, lon = lat[order], lon[order]
    description = _description(facts, lat, lon)
    # every block on this grid shares these arrays: make accidental edits fail loudly
    lat.setflags(write=False)
    lon.setflags(write=False)
    name = description.get("name") or ""
    info = GridInfo(
        latitudes=lat,
        longitudes=lon,
        order=order,
        description=description,
        summary=f"{description['type']} {name} with {len(lat)} points".replace("  ", " "),
    )
    with _lock:
        _grid_cache[grid_signature] = info
        while len(_grid_cache) > _MAX_GRIDS:
            _grid_cache.popitem(last=False)
    return info


def clear_caches() -> None:
    """Forget every interpreted signature and grid (tests; long-running processes)."""
    with _lock:
        _keys_cache.clear()
        _concept_cache.clear()
        _names_cache.clear()
        _grid_cache.clear()
