"""Format versions of fc artifacts, and the check that refuses a document from a newer fc.

Every artifact's metadata carries ``kind`` and ``format_version``. A reader calls
:func:`check_format_version` before anything else, so that a file written by a newer fc fails
with "upgrade fc-..." instead of a confusing list of unknown keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fc_config.exceptions import ConfigError, FormatVersionError
from fc_config.suggest import did_you_mean

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "DATASET_FORMAT_VERSION",
    "FORECAST_FORMAT_VERSION",
    "FORMAT_VERSIONS",
    "GRAPH_FORMAT_VERSION",
    "check_format_version",
]

#: Current format of the zarr dataset attributes (:class:`~fc_config.DatasetMetadata`).
DATASET_FORMAT_VERSION = 1
#: Current format of graph files (:class:`~fc_config.GraphMetadata`).
GRAPH_FORMAT_VERSION = 1
#: Current format of inference checkpoints (:class:`~fc_config.CheckpointMetadata`).
#: History (``docs/formats/checkpoint.md``): 1, the first format; 2 adds ``processing``
#: (normaliser, imputer, bounding), ``tensors`` (name, shape and dtype of every stored
#: tensor) and ``parameter_count``. fc-models migrates older checkpoints (``fc-models migrate``).
CHECKPOINT_FORMAT_VERSION = 2
#: Current format of forecast outputs (:class:`~fc_config.ForecastMetadata`).
FORECAST_FORMAT_VERSION = 1

#: The format version this installation writes and reads, by artifact kind.
FORMAT_VERSIONS: dict[str, int] = {
    "dataset": DATASET_FORMAT_VERSION,
    "graph": GRAPH_FORMAT_VERSION,
    "checkpoint": CHECKPOINT_FORMAT_VERSION,
    "forecast": FORECAST_FORMAT_VERSION,
}

# the package whose upgrade brings support for a newer format of each kind
_READERS = {
    "dataset": "fc-datasets",
    "graph": "fc-graphs",
    "checkpoint": "fc-models",
    "forecast": "fc-inference",
}


def check_format_version(
    document: Mapping[str, Any],
    kind: str,
    supported: int,
    *,
    package: str | None = None,
    source: str | None = None,
) -> int:
    """Return the document's format version after checking that this installation reads it.

    Parameters
    ----------
    document
        The metadata mapping, as read from the artifact.
    kind
        The artifact kind the caller expects (``dataset``, ``graph``, ``checkpoint``,
        ``forecast``); a document whose ``kind`` differs is refused.
    supported
        The newest format version the caller reads.
    package
        The distribution to upgrade to read newer formats; by default the one that handles
        ``kind`` (``fc-datasets`` for datasets, ...).
    source
        Where the document came from (a file name), to start the messages with.

    Returns
    -------
    int
        The format version; one older than ``supported`` is returned as well, for the caller
        to migrate.

    Raises
    ------
    FormatVersionError
        When the document was written in a newer format than ``supported``.
    ConfigError
        When ``format_version`` is missing or not a positive integer, or ``kind`` differs.
    """
    where = f"{source}: " if source else ""
    found_kind = document.get("kind")
    if found_kind is not None and found_kind != kind:
        known = did_you_mean(str(found_kind), _READERS) if found_kind not in _READERS else ""
        raise ConfigError(
            f"{where}this is {found_kind!r} metadata, not {kind} metadata.{known}",
            hint=f"Pass a {kind} to this command.",
        )
    if "format_version" not in document:
        raise ConfigError(
            f"{where}the {kind} metadata has no 'format_version', so it was not written by fc "
            "or was damaged.",
            hint="Rebuild the artifact with fc.",
        )
    version = document["format_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(
            f"{where}the {kind} metadata has format_version {version!r}; expected a positive integer."
        )
    if version > supported:
        upgrade = package or _READERS.get(kind, "fc-config")
        raise FormatVersionError(
            f"{where}this {kind} was written by a newer fc (format {version}, this installation "
            f"reads up to {supported}): upgrade {upgrade}.",
            hint=f"For example: pip install --upgrade {upgrade} fc-config",
        )
    return version
