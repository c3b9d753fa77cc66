"""Migrations of checkpoints written in older formats, one format version at a time.

A checkpoint records its ``format_version``. When the format changes, the version goes up and a
function ``migrate_vN_to_vN1(document, tensors)`` is added here that turns a version-``N``
checkpoint into a version-``N+1`` one. Loading an older checkpoint runs the chain of
migrations in memory; ``fc-models migrate`` writes the result back to disk. The functions
work on the plain JSON document and numpy arrays, never on model classes, so that a migration
keeps working whatever later happens to the code that builds models.

Policy (``docs/formats/checkpoint.md``): every format change ships with its migration and a
fixture of the old format that the tests load; migrations are never removed, so a checkpoint of
any older format loads in the newest fc-models.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fc_config.versioning import CHECKPOINT_FORMAT_VERSION, check_format_version
from fc_models.exceptions import CheckpointError

__all__ = ["MIGRATIONS", "Migration", "MigrationResult", "migrate", "migrate_v1_to_v2"]

Document = dict[str, Any]
Tensors = dict[str, np.ndarray]
#: ``(document, tensors) -> (document, tensors)`` from one format version to the next.
Migration = Callable[[Document, Tensors], tuple[Document, Tensors]]


def migrate_v1_to_v2(document: Document, tensors: Tensors) -> tuple[Document, Tensors]:
    """Format 1 → 2: add ``processing``, the tensor inventory and ``parameter_count``.

    Format 1 had no processing section: every model was normalised mean-std, without imputer
    or bounding, which is what the migrated ``processing`` says. The inventory is read from the
    stored arrays. Format 1 did not record which model tensors are parameters, so
    ``parameter_count`` counts every floating-point value under ``model/`` (persistent float
    buffers included). The tensors themselves are unchanged.
    """
    migrated = copy.deepcopy(document)
    migrated["processing"] = {
        "normaliser": {"default": "mean-std", "per_variable": {}},
        "imputer": None,
        "bounding": [],
    }
    migrated["tensors"] = {
        name: {"shape": [int(n) for n in array.shape], "dtype": _dtype_name(array)}
        for name, array in sorted(tensors.items())
    }
    migrated["parameter_count"] = int(
        sum(
            array.size
            for name, array in tensors.items()
            if name.startswith("model/") and array.dtype.kind == "f"
        )
    )
    migrated["format_version"] = 2
    return migrated, dict(tensors)


#: Migration from each format version to the next, by the version it starts from.
MIGRATIONS: dict[int, Migration] = {1: migrate_v1_to_v2}


@dataclass
class MigrationResult:
    """A checkpoint brought to the current format.

    Attributes
    ----------
    document
        The metadata, in the current format (not yet validated).
    tensors
        The tensors by name.
    from_version
        The format version the checkpoint was in.
    applied
        Names of the migrations that ran, in order (empty when it was current).
    """

    document: Document
    tensors: Tensors
    from_version: int
    applied: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any migration ran."""
        return bool(self.applied)


def migrate(
    document: Mapping[str, Any],
    tensors: Mapping[str, np.ndarray],
    *,
    source: str | None = None,
    target: int = CHECKPOINT_FORMAT_VERSION,
) -> MigrationResult:
    """Bring a checkpoint's metadata and tensors to format ``target`` (default: the current one).

    The inputs are not modified.

    Raises
    ------
    FormatVersionError
        When the checkpoint is newer than this fc-models reads.
    ConfigError
        When ``format_version`` is missing or invalid, or the document is not a checkpoint's.
    CheckpointError
        When no migration exists for a version on the way (a bug in fc-models).
    """
    start = check_format_version(document, "checkpoint", target, source=source)
    current: Document = dict(document)
    arrays: Tensors = dict(tensors)
    applied: list[str] = []
    version = start
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:
            raise CheckpointError(
                f"{source + ': ' if source else ''}no migration from checkpoint format "
                f"{version} to {version + 1}; this is a bug in fc-models, please report it."
            )
        current, arrays = step(current, arrays)
        applied.append(step.__name__)
        version += 1
    return MigrationResult(current, arrays, start, applied)


def _dtype_name(array: np.ndarray) -> str:
    """The torch name of a numpy array's dtype (the names agree for every type stored here)."""
    return str(array.dtype.name)
