"""Grid names as users write them in recipes and configs: ``O96``, ``N320``, ``F90``, ``0p25``.

Accepted forms (case-insensitive, surrounding blanks ignored):

- ``O<n>`` octahedral, ``N<n>`` classic reduced, ``F<n>`` regular Gaussian;
- a regular lat-lon step in degrees: ``1p0``, ``0p25``, ``1.0``, ``0.25``, ``1``, or two steps
  ``<dlat>x<dlon>`` / ``<dlat>/<dlon>`` such as ``0.25x0.25``, ``1x1``, ``0p25x0p5``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from fc_config.suggest import did_you_mean
from fc_utils.exceptions import GridError
from fc_utils.grids.gaussian import classic_pl, classic_reduced, octahedral, regular_gaussian
from fc_utils.grids.grid import Grid
from fc_utils.grids.latlon import global_latlon_shape, latlon_name, regular_latlon

__all__ = ["grid_from_name", "grid_size"]

_GAUSSIAN = re.compile(r"^([ONF])(\d+)$")
_STEP = r"(\d+(?:[.P]\d*)?|[.P]\d+)"
_LATLON = re.compile(rf"^{_STEP}(?:[X/]{_STEP})?$")

#: Names offered as "did you mean" suggestions.
_EXAMPLES = ("O96", "O320", "O1280", "N320", "N640", "F90", "1p0", "0p25", "0p5", "2p5")

_FORMS = (
    "Grid names look like O96 (octahedral), N320 (classic reduced Gaussian), F90 (regular "
    "Gaussian) or 1p0, 0p25, 0.25x0.25 (regular lat-lon, steps in degrees)."
)


class _Spec(NamedTuple):
    kind: str  # "O", "N", "F" or "LL"
    n: int = 0
    dlat: float = 0.0
    dlon: float = 0.0


def _step(text: str) -> float:
    return float(text.replace("P", "."))


def _parse(name: str) -> _Spec | None:
    text = name.strip().upper()
    if match := _GAUSSIAN.match(text):
        return _Spec(match.group(1), n=int(match.group(2)))
    if match := _LATLON.match(text):
        dlat = _step(match.group(1))
        dlon = dlat if match.group(2) is None else _step(match.group(2))
        return _Spec("LL", dlat=dlat, dlon=dlon)
    return None


def _spec(name: str) -> _Spec:
    if not isinstance(name, str):
        raise GridError(f"A grid name must be a string such as 'O96', got {name!r}.")
    spec = _parse(name)
    if spec is not None:
        return spec
    # Separators and stray words ("O-96", "n 320", "0.25deg") are common slips: say what was meant.
    squeezed = re.sub(r"[\s_\-]+|DEG(REES?)?$", "", name.strip().upper())
    fixed = _parse(squeezed)
    suggestion = (
        f" Did you mean '{_canonical(fixed)}'?"
        if fixed is not None
        else did_you_mean(name, _EXAMPLES)
    )
    raise GridError(f"Unknown grid name {name!r}.{suggestion}", hint=_FORMS)


def _canonical(spec: _Spec) -> str:
    if spec.kind == "LL":
        return latlon_name(spec.dlat, spec.dlon)
    return f"{spec.kind}{spec.n}"


def grid_from_name(name: str) -> Grid:
    """Build the grid a name stands for (computed, never downloaded).

    Parameters
    ----------
    name
        ``O96``, ``o96``, ``N320``, ``F90``, ``1p0``, ``0p25``, ``1.0``, ``0.25x0.25``, ``1x1`` ...
        (see :mod:`fc_utils.grids.names`). Lat-lon names give global grids.

    Raises
    ------
    GridError
        For a name of unknown form (with a suggestion when one is close), an N grid ECMWF does
        not define, or a lat-lon step that does not divide 180° / 360°.
    """
    spec = _spec(name)
    if spec.kind == "O":
        return octahedral(spec.n)
    if spec.kind == "N":
        return classic_reduced(spec.n)
    if spec.kind == "F":
        return regular_gaussian(spec.n)
    return regular_latlon(spec.dlat, spec.dlon)


def grid_size(name: str) -> int:
    """Return the number of points of the grid ``name`` without computing its coordinates.

    Cheap for any resolution (O1280: 6,599,680), so that tools can size arrays and estimate
    disk use up front. Raises :class:`~fc_utils.exceptions.GridError` as :func:`grid_from_name`.
    """
    spec = _spec(name)
    if spec.kind in ("O", "N", "F") and spec.n == 0:
        raise GridError(f"The Gaussian grid number in {name!r} must be a positive integer.")
    if spec.kind == "O":
        return 4 * spec.n * spec.n + 36 * spec.n
    if spec.kind == "N":
        return int(classic_pl(spec.n).sum())
    if spec.kind == "F":
        return 8 * spec.n * spec.n
    rows, columns = global_latlon_shape(spec.dlat, spec.dlon)
    return rows * columns
