"""The dataset recipe: what ``fc-datasets create`` builds, written the way Anemoi writes it.

A recipe has metadata (``name``, ``description``, ``licence``, ``attribution``), ``dates``,
an ``input`` tree of sources, operations and filters (:mod:`fc_config.recipes.inputs`),
``output``, ``statistics`` and ``build`` sections. Anemoi's recipes for the common sources and
operations validate unchanged: its older key placements (``dates.group_by``,
``build.additions``, ``output.remapping``, top-level ``env``...) are accepted and moved to
their place in fc, and the keys that fc does not support are errors that say so, rather than
settings silently ignored.

Validation resolves what it can once, so that every later step agrees: dates become exact
grid dates, frequencies their canonical spelling, legacy keys their fc place, ``tendencies:
true`` the list of deltas, and the statistics dates snap to the grid.
"""

from __future__ import annotations

import os
import string
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AliasChoices,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fc_config.base import FcModel
from fc_config.errors import collect_problems, format_problems
from fc_config.exceptions import ConfigError
from fc_config.loading import load_yaml_or_json
from fc_config.recipes.dates import (
    GroupBy,
    RecipeDates,
    RecipeEndDate,
    RecipeFrequency,
    RecipeSection,
    RecipeStartDate,
    default_statistics_period,
    first_on_grid,
    frequency_seconds,
    frequency_string,
    last_on_grid,
    problem,
    raise_problems,
)
from fc_config.recipes.inputs import InputTreeJsonSchema, validate_input

__all__ = [
    "DEFAULT_TENDENCY_HOURS",
    "AdditionsConfig",
    "BuildConfig",
    "ChunkingConfig",
    "DatasetRecipe",
    "OutputConfig",
    "StatisticsConfig",
    "load_recipe",
    "validate_recipe",
]

#: Anemoi's deltas for ``tendencies: true`` (those that are multiples of the frequency apply).
DEFAULT_TENDENCY_HOURS = (1, 3, 6, 12, 24)
_ORDER = [("valid_datetime", "ascending"), ("param_level", "ascending"), ("number", "ascending")]
_NAMINGS = {
    "param": "{param}",
    "param_levelist": "{param}_{levelist}",
    "default": "{param}_{levelist}",
}


class ChunkingConfig(RecipeSection):
    """How the ``data`` array is cut into chunks (Anemoi's ``output.chunking``)."""

    UNSUPPORTED: ClassVar[dict[str, str]] = {
        "variables": "fc keeps every variable of a date in one chunk.",
        "values": "fc keeps every grid cell of a date in one chunk.",
    }

    dates: int = Field(1, ge=1)
    """Dates per chunk. One date per chunk reads fastest for training, which reads whole dates
    in random order."""

    ensembles: int = Field(1, ge=1)
    """Ensemble members per chunk (Anemoi's key; ``1`` is its default)."""


class OutputConfig(RecipeSection):
    """How the dataset is written.

    fc datasets are always ``[date, variable, ensemble, cell]`` zarr v3 stores; the Anemoi keys
    that describe that layout (``flatten_grid``, ``ensemble_dimension``, ``order_by``,
    ``statistics``, ``layout``, ``format``) are accepted with the values that match it.
    """

    UNSUPPORTED: ClassVar[dict[str, str]] = {
        "default_grid_splits": "fc keeps every grid cell of a date in one chunk.",
        "max_chunk_bytes": "fc keeps every grid cell of a date in one chunk.",
        "min_chunk_bytes": "fc keeps every grid cell of a date in one chunk.",
        "sanitise": "fc stores the recipe as validated; remove the key.",
    }

    dtype: Literal["float32", "float64"] = "float32"
    """Type of the stored values."""

    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig)
    """Chunks of the ``data`` array, as Anemoi writes them: ``{dates: 1, ensembles: 1}``."""

    compression: Literal["none", "lz4", "zstd"] = "lz4"
    """Compression of the ``data`` chunks (an fc key). ``lz4`` (Blosc, byte shuffle; the
    default) halves the bytes to read and decodes faster than disks deliver, so it reads fastest
    from disk and nearly as fast as ``none`` from the page cache; ``none`` for the warmest reads
    from memory; ``zstd`` for the smallest files."""

    flatten_grid: bool = True
    """Anemoi's key; fc always flattens the grid into one ``cell`` dimension."""

    ensemble_dimension: int = 2
    """Anemoi's key: the position of the ensemble dimension, always 2 in
    ``[date, variable, ensemble, cell]``."""

    order_by: list[str | dict[str, str]] | dict[str, str] | None = None
    """Anemoi's key; only its default order (``valid_datetime``, ``param_level``, ``number``,
    each ascending) is accepted."""

    statistics: Literal["param_level"] = "param_level"
    """Anemoi's key: statistics are computed per variable (``param_level``)."""

    remapping: dict[str, str] | None = None
    """Anemoi's older spelling of ``build.variable_naming``: ``{param_level: "{param}_{levelist}"}``;
    fc moves it there."""

    statistics_end: RecipeEndDate | None = None
    """Anemoi's older spelling of ``statistics.end``; fc moves it there."""

    layout: Literal["gridded"] = "gridded"
    """Anemoi's key: fc builds ``gridded`` datasets."""

    format: Literal["zarr3"] = "zarr3"
    """Anemoi's key: fc writes zarr v3 stores."""

    @field_validator("flatten_grid")
    @classmethod
    def _flat(cls, value: bool) -> bool:
        if not value:
            raise ValueError("fc always flattens the grid into one cell dimension; set it to true")
        return value

    @field_validator("ensemble_dimension")
    @classmethod
    def _ensemble_axis(cls, value: int) -> int:
        if value != 2:
            raise ValueError(
                "fc datasets are [date, variable, ensemble, cell]: the ensemble dimension is 2"
            )
        return value

    @field_validator("order_by")
    @classmethod
    def _order(cls, value: Any) -> Any:
        if value is not None and _order_pairs(value) != _ORDER:
            raise ValueError(
                "fc orders dates, variables and members in one fixed way, Anemoi's default "
                "[valid_datetime, param_level, number], each ascending; remove the key"
            )
        return value

    @field_validator("remapping")
    @classmethod
    def _remapping(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _check_remapping(value)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: Any) -> Any:
        if value == "zarr2":
            raise ValueError("fc writes zarr v3 stores only; use format: zarr3 or leave it out")
        return value

    @field_validator("layout", mode="before")
    @classmethod
    def _layout(cls, value: Any) -> Any:
        if value in ("tabular", "trajectories"):
            raise ValueError(f"fc builds gridded datasets only, not {value}")
        return value


def _order_pairs(value: Any) -> list[tuple[str, str]]:
    items = list(value.items()) if isinstance(value, dict) else []
    for entry in value if isinstance(value, list) else []:
        items += list(entry.items()) if isinstance(entry, dict) else [(entry, "ascending")]
    return [(str(k), str(v)) for k, v in items]


def _check_remapping(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is not None and set(value) - {"param_level"}:
        others = ", ".join(sorted(set(value) - {"param_level"}))
        raise ValueError(
            f"fc remaps only param_level (the variable naming), not {others}; "
            "use build.variable_naming"
        )
    if value is not None and "param_level" in value:
        _naming(value["param_level"])
    return value


def _naming(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a template such as '{{param}}_{{levelist}}', got {value!r}")
    template = _NAMINGS.get(value, value)
    try:
        keys = [key for _, key, _, _ in string.Formatter().parse(template) if key is not None]
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid template ({exc})") from None
    if "param" not in keys or not all(key.isidentifier() for key in keys):
        raise ValueError(
            f"expected a template of GRIB/MARS keys in braces that includes {{param}}, such as "
            f"'{{param}}_{{levelist}}', or one of {', '.join(_NAMINGS)}; got {value!r}"
        )
    return template


class StatisticsConfig(RecipeSection):
    """The statistics fc-datasets computes (mean, stdev, minimum, maximum per variable)."""

    start: RecipeStartDate | None = None
    """First date of the statistics period (snapped to the first dataset date not before it);
    the dataset's start by default."""

    end: RecipeEndDate | None = None
    """Last date of the statistics period, included (``end: 2018`` means the last date of
    2018). By default the period leaves out the end of the record, by Anemoi's rule: see
    ``default_statistics_period``."""

    allow_nans: bool | list[str] = False
    """Whether variables may hold NaN (e.g. sea-surface temperature over land): ``true`` for
    all, or the names of those that may. Any other NaN is an error at build time."""

    tendencies: bool | list[RecipeFrequency] = Field(default_factory=list)
    """Deltas for tendency statistics (of ``x(t) - x(t - delta)``), each a multiple of the
    frequency, e.g. ``[6h, 12h]``; ``true`` means Anemoi's ``1h, 3h, 6h, 12h, 24h`` (those that
    are multiples of the frequency). Validation turns it into the list."""


class AdditionsConfig(FcModel):
    """Anemoi's older spelling of tendency statistics: ``additions: {delta: [6h, 12h]}``."""

    delta: list[RecipeFrequency] = Field(default_factory=list)
    """The deltas; fc moves them to ``statistics.tendencies``."""


class BuildConfig(RecipeSection):
    """How the build runs and names things."""

    group_by: GroupBy = "monthly"
    """Dates per load task: ``daily``, ``weekly``, ``monthly``, ``yearly`` or a number of
    dates. It sets the unit of work and of resuming; the result does not depend on it."""

    variable_naming: str = "{param}_{levelist}"
    """Template of variable names from GRIB/MARS keys; keys a field does not have are left out
    with their separator, so ``t`` on 850 hPa is ``t_850`` and ``2t`` is ``2t``. Anemoi's
    shortcuts ``default``, ``param_levelist`` and ``param`` are accepted."""

    use_grib_paramid: bool = False
    """Name GRIB fields by their ``paramId`` (``130``) rather than their short name (``t``)."""

    env: dict[str, str] = Field(default_factory=dict)
    """Environment variables to set while building (e.g. ``ECCODES_DEFINITION_PATH``)."""

    additions: bool | AdditionsConfig | None = None
    """Anemoi's older spelling of ``statistics.tendencies``; fc moves it there."""

    allow_nans: bool | list[str] | None = None
    """Anemoi's place for ``statistics.allow_nans``; fc moves it there."""

    remapping: dict[str, str] | None = None
    """Anemoi's ``{param_level: "{param}_{levelist}"}``; fc moves it to ``variable_naming``."""

    @field_validator("variable_naming", mode="before")
    @classmethod
    def _variable_naming(cls, value: Any) -> str:
        return _naming(value)

    @field_validator("remapping")
    @classmethod
    def _remapping(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _check_remapping(value)


class DatasetRecipe(RecipeSection):
    """A dataset recipe: the dates, the input tree, and how to write and describe the dataset.

    Validate one with :func:`validate_recipe` (or :func:`load_recipe` for a file), which also
    accepts the names of plugins that fc-datasets knows. The validated ``input`` keeps the
    shape of the YAML; :func:`fc_config.recipes.inputs.iter_nodes` walks it.
    """

    UNSUPPORTED: ClassVar[dict[str, str]] = {
        "data_sources": "put each source into input, and refer to it where needed with "
        "${input...} (e.g. template: ${input.join.0.grib}).",
        "base_dates": "trajectory datasets are not supported; give dates: {start, end, frequency}.",
        "steps": "trajectory datasets are not supported.",
    }

    name: str | None = None
    """Name of the dataset (free text; Anemoi's naming convention is not enforced)."""

    description: str = ""
    """What the dataset holds and what it is for."""

    licence: str = Field(
        "unknown", min_length=1, validation_alias=AliasChoices("licence", "license")
    )
    """Licence of the data: an SPDX identifier such as ``CC-BY-4.0``, or its text (``license``
    is accepted too). ``unknown`` says nobody has checked."""

    attribution: str = Field("unknown", min_length=1)
    """Attribution the licence requires, e.g. ``Copernicus Climate Change Service (C3S)``."""

    dataset_status: str | None = None
    """Anemoi's free-text status (``experimental``, ``testing``, ``stable``)."""

    config_format_version: int | None = None
    """Version of the recipe format, as older Anemoi recipes give it; recorded, not used."""

    common: Any = None
    """A place for YAML anchors (``&grib_common``) that the rest of the recipe uses with
    ``*grib_common`` or ``<<: *grib_common``; YAML expands them, fc ignores the section."""

    env: dict[str, str] | None = None
    """Anemoi's older place for ``build.env``; fc moves it there."""

    additions: bool | AdditionsConfig | None = None
    """Anemoi's older spelling of ``statistics.tendencies``; fc moves it there."""

    dates: RecipeDates
    """The dates of the dataset: ``{start, end, frequency, missing}``."""

    input: Annotated[dict[str, Any], InputTreeJsonSchema()]
    """The tree of sources, operations (``join``, ``concat``, ``pipe``) and filters that makes
    the fields of every date."""

    output: OutputConfig = Field(default_factory=OutputConfig)
    """How the dataset is written."""

    statistics: StatisticsConfig = Field(default_factory=StatisticsConfig)
    """Which statistics are computed, over which dates."""

    build: BuildConfig = Field(default_factory=BuildConfig)
    """How the build runs and names variables."""

    @field_validator("input")
    @classmethod
    def _input(cls, tree: dict[str, Any], info: ValidationInfo) -> Any:
        context = info.context if isinstance(info.context, dict) else {}
        result: Any = validate_input(
            tree,
            dates=info.data.get("dates"),
            extra_source_names=context.get("extra_source_names", ()),
            extra_filter_names=context.get("extra_filter_names", ()),
        )
        return result

    @model_validator(mode="after")
    def _reconcile(self) -> DatasetRecipe:
        problems: list[Any] = []
        _move_legacy(self, problems)
        raise_problems(type(self).__name__, problems)
        _resolve_tendencies(self, problems)
        _resolve_statistics_dates(self, problems)
        raise_problems(type(self).__name__, problems)
        return self

    def to_document(self) -> dict[str, Any]:
        """The recipe as JSON data (keys as users write them), e.g. for a dataset's metadata.

        Validating it again gives an equal recipe; everything is resolved (exact dates,
        canonical names and frequencies, defaults filled in).
        """
        document: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return document

    def statistics_period(self) -> tuple[datetime, datetime]:
        """First and last dates the statistics cover: the recipe's, else the default period.

        See :func:`~fc_config.recipes.dates.default_statistics_period` for the default.
        """
        start, end = default_statistics_period(
            self.dates.start, self.dates.end, self.dates.frequency
        )
        return self.statistics.start or start, self.statistics.end or end


# --- legacy keys and resolution ---------------------------------------------------------------


def _set(model: FcModel, name: str, value: Any) -> None:
    """Change a validated field without running validation again."""
    model.__dict__[name] = value
    model.__pydantic_fields_set__.add(name)


def _given(model: FcModel, name: str) -> bool:
    return name in model.model_fields_set and getattr(model, name) is not None


def _move(
    problems: list[Any],
    source: tuple[FcModel, str, str],
    target: tuple[FcModel, str, str],
    value: Any,
) -> None:
    """Move an Anemoi key to its fc place, unless the fc place says something else."""
    src_model, src_name, src_path = source
    dst_model, dst_name, dst_path = target
    if _given(dst_model, dst_name) and getattr(dst_model, dst_name) != value:
        problems.append(
            problem(
                tuple(src_path.split(".")),
                f"conflicts with {dst_path} ({getattr(dst_model, dst_name)!r}), which replaces "
                f"it in fc; keep only {dst_path}",
            )
        )
        return
    _set(dst_model, dst_name, value)
    src_model.__dict__[src_name] = None


def _tendencies_of(additions: Any) -> bool | list[str]:
    return list(additions.delta) if isinstance(additions, AdditionsConfig) else additions or []


def _move_legacy(recipe: DatasetRecipe, problems: list[Any]) -> None:
    dates, output, build, stats = recipe.dates, recipe.output, recipe.build, recipe.statistics
    moves: list[tuple[FcModel, str, str, FcModel, str, str]] = [
        (dates, "group_by", "dates.group_by", build, "group_by", "build.group_by"),
        (recipe, "env", "env", build, "env", "build.env"),
        (build, "allow_nans", "build.allow_nans", stats, "allow_nans", "statistics.allow_nans"),
        (output, "statistics_end", "output.statistics_end", stats, "end", "statistics.end"),
    ]
    for src, name, path, dst, dst_name, dst_path in moves:
        if _given(src, name):
            _move(problems, (src, name, path), (dst, dst_name, dst_path), getattr(src, name))
    naming = (build, "variable_naming", "build.variable_naming")
    for section, path in ((output, "output.remapping"), (build, "build.remapping")):
        remapping: dict[str, str] = getattr(section, "remapping", None) or {}
        if _given(section, "remapping") and "param_level" in remapping:
            template = _naming(remapping["param_level"])
            _move(problems, (section, "remapping", path), naming, template)
    tendencies = (stats, "tendencies", "statistics.tendencies")
    for model, path in ((recipe, "additions"), (build, "build.additions")):
        if _given(model, "additions"):
            deltas = _tendencies_of(model.additions)
            _move(problems, (model, "additions", path), tendencies, deltas)


def _resolve_tendencies(recipe: DatasetRecipe, problems: list[Any]) -> None:
    step = recipe.dates.frequency_seconds
    requested = recipe.statistics.tendencies
    if requested is True:
        deltas = [
            frequency_string(h * 3600) for h in DEFAULT_TENDENCY_HOURS if h * 3600 % step == 0
        ]
    elif requested is False:
        deltas = []
    else:
        deltas = list(dict.fromkeys(requested))
        for i, delta in enumerate(requested):
            if frequency_seconds(delta) % step:
                problems.append(
                    problem(
                        ("statistics", "tendencies", i),
                        f"a tendency delta must be a multiple of the dataset's frequency "
                        f"({recipe.dates.frequency})",
                        value=delta,
                    )
                )
    recipe.statistics.__dict__["tendencies"] = deltas


def _resolve_statistics_dates(recipe: DatasetRecipe, problems: list[Any]) -> None:
    dates, stats = recipe.dates, recipe.statistics
    step = dates.frequency_seconds
    period = f"the dataset's dates ({dates.start.isoformat()} to {dates.end.isoformat()})"
    if stats.start is not None:
        if stats.start > dates.end:
            value = stats.start.isoformat()
            problems.append(problem(("statistics", "start"), f"is after {period}", value=value))
            return
        _set(stats, "start", first_on_grid(dates.start, step, stats.start))
    if stats.end is not None:
        if stats.end < dates.start:
            value = stats.end.isoformat()
            problems.append(problem(("statistics", "end"), f"is before {period}", value=value))
            return
        _set(stats, "end", last_on_grid(dates.start, step, min(stats.end, dates.end)))
    start, end = recipe.statistics_period()
    if start > end:
        problems.append(
            problem(
                ("statistics",),
                f"the statistics period starts ({start.isoformat()}) after it ends "
                f"({end.isoformat()}); give both statistics.start and statistics.end",
            )
        )


# --- entry points -----------------------------------------------------------------------------


def validate_recipe(
    data: Any,
    *,
    source: str | None = None,
    extra_source_names: tuple[str, ...] | list[str] = (),
    extra_filter_names: tuple[str, ...] | list[str] = (),
) -> DatasetRecipe:
    """Validate a dataset recipe; on failure raise one readable :class:`~fc_config.ConfigError`.

    Parameters
    ----------
    data
        The recipe, as read from YAML (anchors already expanded by the YAML reader).
    source
        Where it came from (a file name); it starts the error message.
    extra_source_names, extra_filter_names
        Names of plugins known besides the built-in ones and those that installed packages
        declare as entry points (fc-datasets passes those of its registries), so that a
        misspelled name is an error with the closest valid one suggested.

    Raises
    ------
    ConfigError
        Listing every problem with its dotted path (``input.join[1].grib.param``), the bad
        value, what was expected and the closest valid key or name.
    """
    context = {
        "extra_source_names": tuple(extra_source_names),
        "extra_filter_names": tuple(extra_filter_names),
    }
    try:
        return DatasetRecipe.model_validate(data, context=context)
    except ValidationError as exc:
        problems = collect_problems(exc, DatasetRecipe)
        message = format_problems(problems, DatasetRecipe.__name__, source=source)
        raise ConfigError(message, problems=problems) from None


def load_recipe(
    path: str | os.PathLike[str],
    *,
    extra_source_names: tuple[str, ...] | list[str] = (),
    extra_filter_names: tuple[str, ...] | list[str] = (),
) -> DatasetRecipe:
    """Read a YAML or JSON recipe and validate it (see :func:`validate_recipe`).

    Raises
    ------
    ConfigError
        When the file cannot be read or parsed, or the recipe is not valid; the message names
        the file.
    """
    return validate_recipe(
        load_yaml_or_json(path),
        source=str(path),
        extra_source_names=extra_source_names,
        extra_filter_names=extra_filter_names,
    )
