"""From a recipe to what the builder needs: the validated recipe, the dates, the input tree.

The recipe schema lives in fc-config (:mod:`fc_config.recipes.dataset`); this module validates
a recipe with it — knowing the names of every registered source and filter plugin, so that a
third-party ``source: mars`` is accepted and a misspelled ``gribb`` gets a suggestion — and
reads off the few settings the builder acts on into a :class:`BuildPlan`. The schema resolves
dates, missing dates, tendencies and the statistics period (its default included), so the
builder and the recipe reference agree by construction. The validated recipe
itself (JSON) is stored in the dataset, and ``load`` rebuilds the input tree from that stored
copy, so a load needs nothing but the store.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fc_datasets.exceptions import BuildError
from fc_datasets.sources.base import FILTERS, SOURCES, BuildContext
from fc_utils.dates import DateRange, frequency_to_string

__all__ = ["BuildPlan", "make_input", "read_recipe", "recipe_environment", "resolve", "validate"]


@dataclass(frozen=True)
class BuildPlan:
    """The settings of a recipe that the builder acts on.

    Attributes
    ----------
    recipe
        The validated recipe as JSON (what the dataset stores under ``recipe``).
    base_dir
        Folder that relative paths in the recipe are resolved against.
    dates
        The dataset's dates, missing ones included.
    group_by
        Dates loaded by one task: a number of dates or ``daily``/``weekly``/``monthly``/``yearly``.
    dates_per_chunk
        Dates per chunk of ``data``.
    compression
        ``none``, ``lz4`` or ``zstd``.
    dtype
        dtype of ``data``.
    statistics_start, statistics_end
        The statistics period (both included).
    allow_nans
        Variables allowed to hold NaN (``True``: every variable).
    tendencies
        Deltas of the tendency statistics, canonical spelling (``6h``, ``1d``).
    licence, attribution
        What the data may be used for, and the credit the licence requires.
    env
        Environment variables to set while building (``build.env``).
    """

    recipe: dict[str, Any]
    base_dir: Path
    dates: DateRange
    group_by: int | str
    dates_per_chunk: int
    compression: str
    dtype: str
    statistics_start: dt.datetime
    statistics_end: dt.datetime
    allow_nans: bool | list[str]
    tendencies: list[str]
    licence: str
    attribution: str
    env: dict[str, str]


def read_recipe(recipe: str | Path | Mapping[str, Any]) -> tuple[dict[str, Any], Path, str]:
    """Read a recipe file (YAML or JSON) or copy a mapping.

    Returns the document, the folder relative paths are resolved against (the file's folder,
    or the current directory for a mapping) and a name for messages.
    """
    if isinstance(recipe, Mapping):
        return copy.deepcopy(dict(recipe)), Path.cwd(), "recipe"
    from fc_config.loading import load_yaml_or_json

    path = Path(recipe).expanduser()
    if not path.is_file():
        raise BuildError(f"recipe {str(path)!r} does not exist or is not a file; check the path.")
    data = load_yaml_or_json(path)
    if not isinstance(data, dict):
        raise BuildError(f"{path}: a recipe is a mapping of keys (dates, input, ...).")
    return data, path.resolve().parent, str(path)


def validate(data: Mapping[str, Any], *, source: str) -> Any:
    """Validate a recipe with fc-config's schema; return the :class:`DatasetRecipe`.

    The names of every registered source and filter (third-party plugins and those registered
    in code included) are passed on, so that they validate and a misspelling gets a
    suggestion.

    Raises
    ------
    fc_config.exceptions.ConfigError
        Naming every problem by its dotted path.
    """
    from fc_config.recipes.dataset import validate_recipe

    return validate_recipe(
        dict(data),
        source=source,
        extra_source_names=SOURCES.names(),
        extra_filter_names=FILTERS.names(),
    )


def resolve(recipe: Any, base_dir: Path) -> BuildPlan:
    """Read the builder's settings off a validated :class:`DatasetRecipe`."""
    stored: dict[str, Any] = recipe.model_dump(mode="json", by_alias=True, exclude_none=True)
    dates = DateRange(
        recipe.dates.start, recipe.dates.end, recipe.dates.frequency, recipe.dates.missing
    )
    start, end = recipe.statistics_period()
    return BuildPlan(
        recipe=stored,
        base_dir=base_dir,
        dates=dates,
        group_by=recipe.build.group_by,
        dates_per_chunk=recipe.output.chunking.dates,
        compression=recipe.output.compression,
        dtype=recipe.output.dtype,
        statistics_start=start,
        statistics_end=end,
        allow_nans=recipe.statistics.allow_nans,
        tendencies=[frequency_to_string(d) for d in recipe.statistics.tendencies],
        licence=recipe.licence,
        attribution=recipe.attribution,
        env=dict(recipe.build.env),
    )


@contextmanager
def recipe_environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set the recipe's ``build.env`` variables (e.g. ``ECCODES_DEFINITION_PATH``) meanwhile."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def make_input(recipe: Mapping[str, Any], base_dir: Path, frequency_seconds: int) -> Any:
    """Build the input tree of a validated recipe (JSON); nothing is read yet.

    The result's ``load(dates)`` returns a :class:`~fc_datasets.fields.FieldBlock`. The
    recipe's dates are passed on so that every ``concat`` is checked to cover them now.
    """
    from fc_datasets.input import build_input

    context = BuildContext(base_dir=base_dir, frequency_seconds=frequency_seconds, path="input")
    dates = recipe["dates"]
    return build_input(
        recipe["input"],
        context,
        recipe_dates=DateRange(
            dates["start"], dates["end"], dates["frequency"], dates.get("missing", ())
        ),
    )
