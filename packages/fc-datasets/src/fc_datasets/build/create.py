"""``create``: init, load and finalise in one go."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fc_config.exceptions import FcError
from fc_datasets.build.finalise import FinaliseReport, finalise
from fc_datasets.build.init import init
from fc_datasets.build.load import LoadReport, load
from fc_datasets.exceptions import BuildError

__all__ = ["CreateReport", "create"]


@dataclass(frozen=True)
class CreateReport:
    """What :func:`create` did: the reports of its load and its finalise."""

    path: Path
    load: LoadReport
    finalise: FinaliseReport


def create(
    recipe: str | Path | Mapping[str, Any],
    path: str | Path,
    *,
    overwrite: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    command: list[str] | None = None,
) -> CreateReport:
    """Build the dataset of ``recipe`` at ``path``: :func:`init`, :func:`load`, :func:`finalise`.

    Parameters are those of the three steps. If loading or finalising fails, the store is kept,
    incomplete (it cannot be opened as a dataset), with every date loaded so far: the error says
    how to resume rather than start again.

    Raises
    ------
    BuildError
        Loading or finalising failed: a :class:`LoadError`, a :class:`StatisticsError`, or a
        plain BuildError for other causes, with the ``exit_code`` of the cause. Errors of
        ``init`` (a bad recipe, an existing path) are raised as they are.
    """
    path = Path(path)
    init(recipe, path, overwrite=overwrite, command=command)
    try:
        loaded = load(path, scheduler=scheduler, workers=workers)
        finalised = finalise(path)
    except FcError as exc:
        # a LoadError stays a LoadError, an IncompleteDatasetError becomes a BuildError
        kind = type(exc) if isinstance(exc, BuildError) else BuildError
        raise kind(
            f"creating {path} stopped: {exc.message}",
            hint=f"The incomplete dataset is kept with every date loaded so far: fix the cause, "
            f"then resume with 'fc-datasets load {path}' and 'fc-datasets finalise {path}' "
            "(or start again with 'fc-datasets create --overwrite').",
            exit_code=exc.exit_code,
        ) from exc
    return CreateReport(path=path, load=loaded, finalise=finalised)
