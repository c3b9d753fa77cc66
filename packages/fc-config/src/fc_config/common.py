"""Sub-schemas that several documents share: provenance, grids, variables, statistics."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, FiniteFloat, model_validator

from fc_config.base import FcModel
from fc_config.scalars import AwareUtcDatetime, Frequency, GitCommit, Sha256

__all__ = [
    "GitInfo",
    "GridDescription",
    "InputFile",
    "Provenance",
    "Statistics",
    "VariableMetadata",
]


class GitInfo(FcModel):
    """The git checkout the code ran from, so a result can be traced to the exact source."""

    repository: str | None = None
    """URL or path of the repository (its ``origin`` remote); ``None`` when it has none."""

    commit: GitCommit
    """Id of the checked-out commit."""

    branch: str | None = None
    """Checked-out branch; ``None`` on a detached head."""

    dirty: bool = False
    """Whether the checkout had uncommitted changes, in which case ``commit`` is not the whole story."""


class InputFile(FcModel):
    """Identity of one input file, to tell later whether the same data was used."""

    sha256: Sha256
    """SHA-256 digest of the file's content."""

    size: int = Field(ge=0)
    """Size of the file in bytes."""


class Provenance(FcModel):
    """Where an artifact came from: when, with which software, from which inputs.

    fc-utils writes this record into every artifact (dataset, graph, checkpoint, forecast).
    """

    created: AwareUtcDatetime
    """When the artifact was made, in UTC (ISO 8601; a value without time zone is read as UTC)."""

    python: str = Field(pattern=r"^\d+\.\d+(\.\d+)?\S*$")
    """Python version, e.g. ``3.11.7``."""

    platform: str
    """Operating system and machine, e.g. ``Linux-6.5.0-x86_64-with-glibc2.35``."""

    packages: dict[str, str] = Field(default_factory=dict)
    """Installed version of each relevant distribution, by distribution name (``fc-models: 0.1.0``)."""

    git: GitInfo | None = None
    """The git checkout the code ran from; ``None`` when not run from a checkout."""

    inputs: dict[str, InputFile] = Field(default_factory=dict)
    """Digest and size of each input file, by path."""

    command: list[str] | None = None
    """The command line that made the artifact (``sys.argv``); ``None`` when made from Python."""


GridType = Literal["regular_ll", "reduced_gg", "regular_gg", "unstructured"]

_GAUSSIAN_NAME = re.compile(r"^([ONF])(\d+)$")


class GridDescription(FcModel):
    """The horizontal grid of the fields, flattened to one ``cell`` dimension in fc.

    Enough to write a field back to GRIB on its native grid and to check that a dataset, a
    graph and a checkpoint agree on the grid.
    """

    type: GridType
    """Kind of grid: ``regular_ll`` (regular latitude-longitude), ``reduced_gg`` (reduced
    Gaussian, octahedral ``O`` or classic ``N``), ``regular_gg`` (regular Gaussian) or
    ``unstructured`` (any list of points)."""

    name: str | None = None
    """Conventional name: ``O96`` or ``N320`` (reduced Gaussian), ``F80`` (regular Gaussian),
    ``1p0`` or ``0p25`` (regular latitude-longitude spacing in degrees)."""

    number_of_points: int = Field(ge=1)
    """Number of grid points (the length of the ``cell`` dimension)."""

    pl: list[int] | None = None
    """Reduced Gaussian grids: the number of points on each latitude row, north to south."""

    area: tuple[float, float, float, float] | None = None
    """Sub-area as ``[north, west, south, east]`` in degrees; ``None`` for a global grid."""

    @model_validator(mode="after")
    def _consistent(self) -> GridDescription:
        if self.area is not None:
            north, _, south, _ = self.area
            if not (-90 <= south <= north <= 90):
                raise ValueError(
                    f"area {list(self.area)} is not [north, west, south, east] with "
                    "-90 <= south <= north <= 90"
                )
        if self.pl is not None:
            if self.type != "reduced_gg":
                raise ValueError(
                    f"pl (row lengths) only describes reduced_gg grids, not {self.type}"
                )
            if any(n < 1 for n in self.pl):
                raise ValueError("every row length in pl must be at least 1")
            if sum(self.pl) != self.number_of_points:
                raise ValueError(
                    f"the row lengths in pl add up to {sum(self.pl)} points "
                    f"but number_of_points is {self.number_of_points}"
                )
        self._check_gaussian_name()
        return self

    def _check_gaussian_name(self) -> None:
        if self.name is None or self.type not in ("reduced_gg", "regular_gg"):
            return
        found = _GAUSSIAN_NAME.match(self.name)
        prefixes = "ON" if self.type == "reduced_gg" else "F"
        if found is None or found.group(1) not in prefixes:
            example = "'O96' or 'N320'" if self.type == "reduced_gg" else "'F80'"
            raise ValueError(f"a {self.type} grid name looks like {example}, got {self.name!r}")
        letter, n = found.group(1), int(found.group(2))
        # A limited-area reduced grid lists only the rows inside its area, as GRIB does.
        if self.pl is not None and self.area is None and len(self.pl) != 2 * n:
            raise ValueError(
                f"grid {self.name} has {2 * n} latitude rows but pl has {len(self.pl)}"
            )
        expected = {"O": 4 * n * (n + 9), "F": 8 * n * n}.get(letter)
        if expected is not None and self.area is None and self.number_of_points != expected:
            raise ValueError(
                f"the global grid {self.name} has {expected} points, "
                f"but number_of_points is {self.number_of_points}"
            )


LevelType = Literal["sfc", "pl", "ml", "pt", "pv", "sol", "constant", "computed"]
Process = Literal["instantaneous", "accumulation", "average", "minimum", "maximum", "constant"]

_LEVELLED = ("pl", "ml", "pt", "pv", "sol")


class VariableMetadata(FcModel):
    """What one variable is, and how to write it back to GRIB."""

    name: str = Field(min_length=1)
    """Name of the variable in fc (``t_850``, ``2t``, ``cos_latitude``)."""

    units: str
    """Units (``K``, ``m s**-1``; ``1`` for dimensionless)."""

    long_name: str | None = None
    """Human-readable name (``Temperature``)."""

    level_type: LevelType
    """Kind of level: ``sfc`` (surface), ``pl`` (pressure), ``ml`` (model), ``pt`` (potential
    temperature), ``pv`` (potential vorticity), ``sol`` (soil), ``constant`` (a field that does
    not change with time, e.g. orography) or ``computed`` (a forcing computed from date and
    position, e.g. insolation)."""

    level: int | float | None = None
    """The level (hPa for ``pl``, model level number for ``ml``, ...); required for levelled
    types, ``None`` for single-level fields."""

    grib: dict[str, str | int | float] = Field(default_factory=dict)
    """GRIB keys needed to write the field back, e.g. ``{paramId: 130, shortName: t,
    typeOfLevel: isobaricInhPa, level: 850}``; empty when the field cannot be written as GRIB."""

    process: Process = "instantaneous"
    """How the value relates to time: an ``instantaneous`` value, an ``accumulation`` or an
    ``average``/``minimum``/``maximum`` over ``period``, or ``constant`` in time."""

    period: Frequency | None = None
    """Length of the accumulation, averaging, minimum or maximum window (e.g. ``6h``)."""

    @model_validator(mode="after")
    def _consistent(self) -> VariableMetadata:
        if self.level_type in _LEVELLED and self.level is None:
            raise ValueError(
                f"variable {self.name!r} is on {self.level_type} levels but has no level"
            )
        if self.period is not None and self.process in ("instantaneous", "constant"):
            raise ValueError(
                f"variable {self.name!r} is {self.process} and cannot have a period ({self.period})"
            )
        return self


class Statistics(FcModel):
    """Per-variable statistics, each list aligned with the document's ordered ``variables``.

    fc uses them to normalise inputs and outputs; a mismatch in length or order would silently
    scale one variable by another's statistics, so the documents that hold them check both.
    """

    mean: list[FiniteFloat]
    """Mean of each variable."""

    stdev: list[FiniteFloat]
    """Standard deviation of each variable (non-negative)."""

    minimum: list[FiniteFloat]
    """Minimum of each variable."""

    maximum: list[FiniteFloat]
    """Maximum of each variable."""

    @model_validator(mode="after")
    def _consistent(self) -> Statistics:
        lengths = {len(self.mean), len(self.stdev), len(self.minimum), len(self.maximum)}
        if len(lengths) != 1:
            raise ValueError(
                f"mean, stdev, minimum and maximum must have one value per variable, got "
                f"{len(self.mean)}, {len(self.stdev)}, {len(self.minimum)} and {len(self.maximum)} values"
            )
        for i, (mean, stdev, low, high) in enumerate(
            zip(self.mean, self.stdev, self.minimum, self.maximum, strict=True)
        ):
            if stdev < 0:
                raise ValueError(f"stdev[{i}] is negative ({stdev})")
            if low > high:
                raise ValueError(f"minimum[{i}] ({low}) is greater than maximum[{i}] ({high})")
            slack = 1e-5 * max(1.0, abs(low), abs(high))  # float32 sums round
            if not (low - slack <= mean <= high + slack):
                raise ValueError(
                    f"mean[{i}] ({mean}) is outside [minimum, maximum] = [{low}, {high}]"
                )
        return self
