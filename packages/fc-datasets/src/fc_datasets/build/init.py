"""``init``: validate a recipe, learn the fields from its first date, create the empty store.

Everything that can be known before loading is decided here, once, so that any number of
``load`` processes agree: the dates, the variables and their order, the ensemble size, the grid,
the chunking and compression, the statistics period. They are learnt by loading the first valid
date (the *probe*); every later load is checked against it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fc_config.exceptions import FcError
from fc_datasets.build.layout import iso
from fc_datasets.build.recipe import (
    BuildPlan,
    make_input,
    read_recipe,
    recipe_environment,
    resolve,
    validate,
)
from fc_datasets.exceptions import BuildError, LoadError
from fc_datasets.fields import FieldBlock
from fc_datasets.store import (
    BUILD_GROUP,
    DATASET_FORMAT_VERSION,
    check_can_create,
    compressors_for,
    create_store,
)
from fc_utils.dates import frequency_to_string

__all__ = ["init", "metadata_document"]

_LOG = logging.getLogger(__name__)

#: Input files are fingerprinted in the provenance only up to this total size (hashing a
#: multi-gigabyte archive would cost as much as the build).
_MAX_HASHED_BYTES = 256 * 2**20


def init(
    recipe: str | Path | Mapping[str, Any],
    path: str | Path,
    *,
    overwrite: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Create the empty dataset at ``path`` from ``recipe``, ready for ``load``.

    Parameters
    ----------
    recipe
        A recipe file (YAML or JSON) or the recipe as a mapping. Relative paths in it are
        resolved against the file's folder (the current directory for a mapping).
    path
        The dataset to create (a ``.zarr`` folder).
    overwrite
        Replace an existing dataset at ``path``. Anything at ``path`` that is not an fc
        dataset is never replaced.
    command
        The command line, recorded in the provenance (the CLI passes ``sys.argv``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    fc_config.exceptions.ConfigError
        The recipe does not follow the schema — dates off the frequency, a statistics period
        outside the dates, a misspelled source... — every problem named by its dotted path.
    DatasetError
        ``path`` exists (and ``overwrite`` is false, or it is not an fc dataset).
    BuildError
        ``allow_nans`` names a variable the input does not give; every date is missing.
    SourceError, LoadError
        The first date cannot be loaded; nothing is created.
    """
    path = Path(path)
    data, base_dir, source = read_recipe(recipe)
    check_can_create(path, overwrite=overwrite)  # before the probe, which may take a while
    plan = resolve(validate(data, source=source), base_dir)
    with recipe_environment(plan.env):
        node = make_input(plan.recipe, base_dir, int(plan.dates.frequency.total_seconds()))
        block = _probe(node, plan)
    allowed = _allowed(plan.allow_nans, block.variables)
    recipe_file = None if isinstance(recipe, Mapping) else Path(recipe)
    document = metadata_document(plan, block, _input_files(node, recipe_file), command)
    root = create_store(
        path,
        attributes=document,
        dates=plan.dates.dates,
        variables=block.variables,
        latitudes=np.asarray(block.latitudes, dtype=np.float64),
        longitudes=np.asarray(block.longitudes, dtype=np.float64),
        ensemble_size=block.ensemble_size,
        dates_per_chunk=plan.dates_per_chunk,
        compressors=compressors_for(plan.compression),
        dtype=plan.dtype,
        overwrite=overwrite,
    )
    from fc_datasets import __version__

    # written last: a store without it was killed during init and must be made again
    root[BUILD_GROUP].update_attributes(
        {
            "base_dir": str(base_dir),
            "dates_per_chunk": plan.dates_per_chunk,
            "group_by": plan.group_by,
            "compression": plan.compression,
            "allow_nans": allowed,
            "fc_datasets_version": __version__,
            "initialised": True,
        }
    )
    _LOG.info(
        "initialised %s: %d dates, %d variables, %d members, %d points",
        path,
        len(plan.dates),
        len(block.variables),
        block.ensemble_size,
        block.number_of_points,
    )
    return path


def _probe(node: Any, plan: BuildPlan) -> FieldBlock:
    valid = plan.dates.valid_dates
    if valid.size == 0:
        raise BuildError("every date of the recipe is listed as missing; there is nothing to load.")
    first = valid[:1]
    try:
        block = node.load(first)
    except FcError:
        raise
    except Exception as exc:
        raise LoadError(
            f"init could not load the first date {iso(first[0])} to learn the variables and "
            f"the grid: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(block, FieldBlock):
        raise LoadError(f"the input tree returned a {type(block).__name__}, not a FieldBlock.")
    if not np.array_equal(np.asarray(block.dates, dtype="datetime64[s]"), first):
        raise LoadError(
            f"asked for {iso(first[0])}, the input returned dates "
            f"{', '.join(iso(d) for d in block.dates[:3])}."
        )
    return block


def _allowed(allow: bool | list[str], variables: list[str]) -> list[str]:
    """The variables allowed to hold NaN, each checked against the dataset's variables."""
    if allow is True:
        return list(variables)
    if allow is False:
        return []
    from fc_config.suggest import did_you_mean

    for name in allow:
        if name not in variables:
            raise BuildError(
                f"allow_nans names {name!r}, which is not a variable of the dataset "
                f"({', '.join(variables)})." + did_you_mean(name, variables)
            )
    return [v for v in variables if v in allow]


def _variable_metadata(name: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    if not given:
        _LOG.warning("the input gives no metadata for %r; units and level are unknown", name)
        return {"name": name, "units": "unknown", "level_type": "sfc"}
    return {**dict(given), "name": name}


def _grid(block: FieldBlock) -> dict[str, Any]:
    if block.grid:
        grid = dict(block.grid)
        if grid.get("number_of_points", block.number_of_points) != block.number_of_points:
            raise LoadError(
                f"the input's grid description has {grid['number_of_points']} points but its "
                f"fields have {block.number_of_points}."
            )
        return {**grid, "number_of_points": block.number_of_points}
    return {"type": "unstructured", "number_of_points": block.number_of_points}


def _input_files(node: Any, recipe_file: Path | None) -> list[Path]:
    """Files to fingerprint in the provenance: the recipe, and the inputs when small enough."""
    files = [recipe_file] if recipe_file is not None else []
    listed = getattr(node, "input_files", None)
    if callable(listed):
        try:
            inputs = [Path(p) for p in listed()]
        except Exception:  # provenance must never be the reason a build fails
            inputs = []
        if sum(p.stat().st_size for p in inputs if p.is_file()) <= _MAX_HASHED_BYTES:
            files += [p for p in inputs if p.is_file()]
    return files


def metadata_document(
    plan: BuildPlan,
    block: FieldBlock,
    input_files: list[Path],
    command: list[str] | None = None,
) -> dict[str, Any]:
    """The dataset's metadata document (``complete`` false), validated by DatasetMetadata."""
    from fc_config.errors import validate as validate_document
    from fc_config.metadata import DatasetMetadata
    from fc_utils.provenance import gather_provenance

    document = {
        "format_version": DATASET_FORMAT_VERSION,
        "kind": "dataset",
        "uuid": str(uuid.uuid4()),
        "variables": list(block.variables),
        "variables_metadata": {
            v: _variable_metadata(v, block.metadata.get(v)) for v in block.variables
        },
        "frequency": frequency_to_string(plan.dates.frequency),
        "start_date": plan.dates.start.isoformat(),
        "end_date": plan.dates.end.isoformat(),
        "missing_dates": [iso(d) for d in plan.dates.missing],
        "ensemble_size": block.ensemble_size,
        "grid": _grid(block),
        "recipe": plan.recipe,
        "provenance": gather_provenance(input_files=input_files, command=command),
        "licence": plan.licence,
        "attribution": plan.attribution,
        "statistics_start_date": plan.statistics_start.isoformat(),
        "statistics_end_date": plan.statistics_end.isoformat(),
        "tendency_statistics": list(plan.tendencies),
        "complete": False,
    }
    # checked now, so that a recipe that cannot make a valid dataset fails before any load
    validate_document(DatasetMetadata, document, source="the dataset metadata")
    return document
