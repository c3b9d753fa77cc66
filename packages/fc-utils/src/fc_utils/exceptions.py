"""Exception classes of fc-utils. All derive from :class:`fc_config.FcError`."""

from __future__ import annotations

from fc_config.exceptions import ConfigError, FcError, FormatVersionError

__all__ = [
    "ArtifactError",
    "ConfigError",
    "DateError",
    "FcError",
    "FcUtilsError",
    "ForcingError",
    "FormatVersionError",
    "GridError",
    "PluginError",
    "ProvenanceError",
]


class FcUtilsError(FcError):
    """Base class of the errors raised by fc-utils."""


class DateError(FcUtilsError, ValueError):
    """A date, frequency or date range could not be understood or is inconsistent."""

    exit_code = 3


class PluginError(FcUtilsError, LookupError):
    """A plugin name is unknown, registered twice, or its entry point failed to load."""

    exit_code = 3


class ArtifactError(FcUtilsError):
    """An artifact file is missing, truncated, corrupt, or not an fc artifact."""

    exit_code = 5


class ProvenanceError(FcUtilsError):
    """Provenance could not be gathered, e.g. an input file to fingerprint does not exist."""

    exit_code = 3


class GridError(FcUtilsError, ValueError):
    """A grid name or grid parameters are invalid."""

    exit_code = 3


class ForcingError(FcUtilsError, ValueError):
    """A computed forcing is unknown, or its dates or coordinates are invalid."""

    exit_code = 3
