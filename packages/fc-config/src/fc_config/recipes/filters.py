"""Parameters of the built-in filters of a dataset recipe's ``pipe``.

Where Anemoi has a filter of the same name, the keys are Anemoi's (``rename``, ``rescale``,
``orog_to_z``, ``uv_to_ddff``, ``regrid``, ``apply_mask``, ``remove_nans``), so that its
recipes validate unchanged; fc's additions are marked as such in their descriptions.

In every filter, ``param`` selects variables either by their full name (``t_850``) or by
their parameter (``t`` selects ``t_500`` and ``t_850``), as Anemoi's ``param`` does.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, RootModel, model_validator

from fc_config.base import FcModel
from fc_config.recipes.sources import NameList
from fc_config.scalars import Frequency

__all__ = [
    "ApplyMaskFilterConfig",
    "ConvertUnitsFilterConfig",
    "DDFFToUVFilterConfig",
    "OrogToZFilterConfig",
    "RegridFilterConfig",
    "RemoveNansFilterConfig",
    "RenameFilterConfig",
    "RescaleFilterConfig",
    "UVToDDFFFilterConfig",
    "UnitConversion",
    "ZToOrogFilterConfig",
]

_RENAME_KEYS = ("param", "levelist", "variables")


def _str_keys(value: Any) -> Any:
    """YAML reads ``850: 850hPa`` with an integer key; levels are compared as text."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return value


class RenameFilterConfig(FcModel):
    """Rename variables (Anemoi's ``rename``).

    Examples::

        rename: {param: {t: temperature}}         # t_850 -> temperature_850, t -> temperature
        rename: {levelist: {850: 850hPa}}          # t_850 -> t_850hPa
        rename: {param: "{param}_{levelist}hPa"}   # a pattern of the variable's keys
        rename: {2t: t2m, t_850: temp850}          # fc: whole variable names
    """

    param: dict[str, str] | str | None = None
    """Either a mapping from old to new parameter names, applied to the parameter part of
    each name (``t`` renames ``t_850`` to ``{new}_850``) and to whole names, or a pattern such
    as ``"{param}_{levelist}"`` built from the keys ``param``, ``levelist`` (alias ``level``),
    ``levtype``, ``units`` and ``name``."""

    levelist: Annotated[dict[str, str], BeforeValidator(_str_keys)] | None = None
    """Mapping from old to new level labels (``850: 850hPa``) for levelled variables."""

    variables: dict[str, str] = Field(default_factory=dict)
    """fc: mapping from old to new whole variable names; the keys of a plain mapping
    (``rename: {2t: t2m}``) land here."""

    @model_validator(mode="before")
    @classmethod
    def _plain_mapping(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        plain = {
            k: v
            for k, v in data.items()
            if k not in _RENAME_KEYS
            and isinstance(v, str | int | float)
            and not isinstance(v, bool)
        }
        if not plain:
            return data
        rest = {k: v for k, v in data.items() if k not in plain}
        variables = dict(rest.get("variables") or {})
        variables.update({str(k): str(v) for k, v in plain.items()})
        return {**rest, "variables": variables}

    @model_validator(mode="after")
    def _something(self) -> RenameFilterConfig:
        if self.param is None and self.levelist is None and not self.variables:
            raise ValueError(
                "nothing to rename: give 'param' (a mapping or a pattern), 'levelist', "
                "or a mapping of variable names such as {2t: t2m}"
            )
        return self


class UnitConversion(FcModel):
    """One conversion of ``convert_units``."""

    from_: str = Field(alias="from", min_length=1)
    """Units of the variable as read (``K``, ``Pa``, ``m**2 s**-2``, ``J m**-2``, ...)."""

    to: str = Field(min_length=1)
    """Units wanted (``degC``, ``hPa``, ``m``, ``W m**-2``, ...); the variable's units
    metadata becomes this text."""

    period: Frequency | None = None
    """Accumulation period for ``J m**-2`` ↔ ``W m**-2`` when the variable's metadata does
    not give it (``1h`` for ERA5's hourly accumulations)."""


class ConvertUnitsFilterConfig(RootModel[dict[str, UnitConversion]]):
    """Convert variables between common units (fc's ``convert_units``).

    A mapping from variable (full name, or parameter for every level) to a conversion::

        convert_units:
          2t: {from: K, to: degC}
          msl: {from: Pa, to: hPa}
          z: {from: m**2 s**-2, to: m}       # geopotential to geopotential height
          ssrd: {from: J m**-2, to: W m**-2, period: 1h}

    Anemoi's ``convert`` filter (``{param: 2t, unit_in: K, unit_out: degC}``) is accepted too.
    """

    @model_validator(mode="before")
    @classmethod
    def _anemoi_convert(cls, data: Any) -> Any:
        # Anemoi's `convert` filter: {param: [t2m], unit_in: K, unit_out: degC}
        if isinstance(data, dict) and {"unit_in", "unit_out"} <= set(data) <= {
            "param",
            "unit_in",
            "unit_out",
        }:
            params = data.get("param")
            names = [params] if isinstance(params, str) else list(params or [])
            return {str(n): {"from": data["unit_in"], "to": data["unit_out"]} for n in names}
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> ConvertUnitsFilterConfig:
        if not self.root:
            raise ValueError(
                "give at least one variable to convert, e.g. {2t: {from: K, to: degC}}"
            )
        return self


class RescaleFilterConfig(FcModel):
    """``x * scale + offset``, or a conversion from ``unit_in`` to ``unit_out`` (Anemoi's
    ``rescale`` and ``convert`` filters in one).

    Examples::

        rescale: {param: tp, scale: 1000}                   # m -> mm
        rescale: {param: 2t, unit_in: K, unit_out: degC}
    """

    param: NameList = Field(min_length=1)
    """Variables to rescale (full names or parameters)."""

    scale: float | None = None
    """Factor to multiply by."""

    offset: float = 0.0
    """Value added after scaling."""

    unit_in: str | None = None
    """Units of the variable as read, for a conversion by units instead of scale/offset."""

    unit_out: str | None = None
    """Units wanted, for a conversion by units; the units metadata becomes this text."""

    units: str | None = None
    """fc: units metadata to set after a scale/offset rescaling (left unchanged otherwise)."""

    @model_validator(mode="after")
    def _one_way(self) -> RescaleFilterConfig:
        by_units = self.unit_in is not None or self.unit_out is not None
        if by_units and (self.unit_in is None or self.unit_out is None):
            raise ValueError("a conversion by units needs both 'unit_in' and 'unit_out'")
        if by_units == (self.scale is not None):
            raise ValueError(
                "give either 'scale' (and 'offset') or 'unit_in' and 'unit_out', exactly one way"
            )
        return self


class _OrographyConfig(FcModel):
    """Names of the orography and surface geopotential variables."""

    orography: str | None = None
    """Name of the orography (height in m) variable; ``orog`` by default."""

    height: str | None = None
    """Anemoi's other spelling of ``orography``; give one or the other."""

    geopotential: str = "z"
    """Name of the surface geopotential (m² s⁻²) variable."""

    @model_validator(mode="after")
    def _one_name(self) -> _OrographyConfig:
        if self.orography is not None and self.height is not None:
            raise ValueError("give the orography's name as 'orography' or 'height', not both")
        return self

    @property
    def orography_name(self) -> str:
        """The orography variable's name, whichever key gave it."""
        return self.orography or self.height or "orog"


class OrogToZFilterConfig(_OrographyConfig):
    """Replace orography (m) by surface geopotential ``g · h`` (m² s⁻²), g = 9.80665 m s⁻²."""


class ZToOrogFilterConfig(_OrographyConfig):
    """Replace surface geopotential (m² s⁻²) by orography ``z / g`` (m), g = 9.80665 m s⁻²."""


class _WindConfig(FcModel):
    """Names of the wind variables, as Anemoi's ``uv_to_ddff``/``ddff_to_uv`` spell them."""

    u_component: str = "u"
    """Parameter of the eastward component (``u``, or ``10u`` for the 10 m wind)."""

    v_component: str = "v"
    """Parameter of the northward component (``v``, or ``10v``)."""

    wind_speed: str = "ws"
    """Parameter of the wind speed (``ws``, or ``10si``)."""

    wind_direction: str = "wdir"
    """Parameter of the wind direction (``wdir``, or ``10wdir``)."""

    convention: Literal["meteo", "polar"] = "meteo"
    """``meteo``: the direction the wind blows **from**, clockwise from north (a westerly
    is 270°); ``polar``: the direction it blows **to**, counter-clockwise from east."""

    radians: bool = False
    """Directions in radians instead of degrees."""


class UVToDDFFFilterConfig(_WindConfig):
    """Replace wind components u, v by speed and direction, level by level."""


class DDFFToUVFilterConfig(_WindConfig):
    """Replace wind speed and direction by components u, v, level by level."""


class RegridFilterConfig(FcModel):
    """Interpolate every variable onto another grid (Anemoi's ``regrid`` keys).

    Example::

        regrid: {out_grid: 1p0, method: linear}
    """

    out_grid: str = Field(min_length=1)
    """Target grid: a name (``O96``, ``N320``, ``1p0``, ``0p25``) or an ``.npz`` file with
    ``latitudes`` and ``longitudes`` arrays in degrees (relative to the recipe's folder)."""

    in_grid: str | None = None
    """Expected source grid (a name); checked against the fields' number of points."""

    method: Literal["nearest", "linear"] = "linear"
    """``nearest``: the value of the closest source point; ``linear``: barycentric
    interpolation in the triangle of the three closest source points (inverse-distance
    weights where they do not enclose the target)."""


_OPERATORS = Literal[">", "<", "==", "!=", ">=", "<=", "gt", "lt", "eq", "ne", "ge", "le"]


class ApplyMaskFilterConfig(FcModel):
    """Set values to NaN where a mask matches (Anemoi's ``apply_mask`` keys).

    Examples::

        apply_mask: {mask_param: lsm, mask_value: 0}            # NaN over the sea
        apply_mask: {path: lsm.nc, threshold: 0.5, threshold_operator: "<", param: sst}
        apply_mask: {self_mask: true, param: cin, threshold: -999, threshold_operator: "<="}
    """

    path: str | None = None
    """File holding the mask on the fields' grid: ``.npy``/``.npz`` (an array per point) or a
    NetCDF/zarr file read like the ``netcdf`` source."""

    mask_variable: str | None = None
    """fc: variable to read from a NetCDF/zarr or ``.npz`` ``path`` holding several."""

    mask_param: str | None = None
    """Variable of the pipe to use as the mask; it is dropped unless ``return_mask``."""

    self_mask: bool = False
    """Mask each variable of ``param`` by its own values."""

    mask_value: float | None = None
    """Mask where the mask equals this value."""

    threshold: float | None = None
    """Mask where ``mask <threshold_operator> threshold`` holds."""

    threshold_operator: _OPERATORS = ">"
    """Comparison with ``threshold``."""

    param: NameList | None = None
    """Variables to mask (full names or parameters); all but the mask when left out."""

    rename: str | None = None
    """Suffix appended to masked variables' names (``sd`` becomes ``sd_{rename}``)."""

    return_mask: bool = False
    """Keep the ``mask_param`` variable in the output."""

    @model_validator(mode="after")
    def _consistent(self) -> ApplyMaskFilterConfig:
        given = [self.path is not None, self.mask_param is not None, self.self_mask]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'path', 'mask_param' or 'self_mask: true'")
        if (self.mask_value is None) == (self.threshold is None):
            raise ValueError("give exactly one of 'mask_value' or 'threshold'")
        if self.self_mask and self.param is None:
            raise ValueError("'self_mask' needs 'param': the variables to mask by their own values")
        if self.return_mask and self.mask_param is None:
            raise ValueError("'return_mask' only applies with 'mask_param'")
        return self


class RemoveNansFilterConfig(FcModel):
    """Deal with NaNs: drop the points where they are (Anemoi's ``remove_nans``) or fill them.

    Examples::

        remove_nans: {}                          # drop points where the first variable is NaN
        remove_nans: {param: sst, value: 271.46} # fill sst's NaNs with a value
        remove_nans: {value: mean}               # fill each field's NaNs with its mean
    """

    method: Literal["mask", "fill"] | None = None
    """``mask``: remove the grid points where ``param`` (or the first variable) is NaN,
    from every variable; ``fill``: replace NaNs by ``value``. By default ``fill`` when a
    ``value`` is given, ``mask`` otherwise."""

    param: NameList | None = None
    """``mask``: the one variable whose NaNs define the points to remove (the first by
    default); ``fill``: the variables to fill (all by default)."""

    value: float | Literal["mean"] | None = None
    """``fill``: the replacement, a number or ``mean`` (each field's mean over its valid
    points)."""

    check: bool = False
    """``mask``: check that every date has its NaNs at the same points as the first one,
    instead of assuming it."""

    @model_validator(mode="after")
    def _consistent(self) -> RemoveNansFilterConfig:
        method = self.resolved_method
        if method == "fill" and self.value is None:
            raise ValueError("method 'fill' needs a 'value' (a number or 'mean')")
        if method == "mask" and self.value is not None:
            raise ValueError("'value' only applies to method 'fill'")
        if method == "mask" and self.param is not None and len(self.param) != 1:
            raise ValueError("method 'mask' takes one variable in 'param' to find the NaNs in")
        return self

    @property
    def resolved_method(self) -> Literal["mask", "fill"]:
        """The method, with its default worked out."""
        if self.method is not None:
            return self.method
        return "fill" if self.value is not None else "mask"
