"""Exception classes of fc-graphs. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = [
    "CorruptGraphError",
    "FcError",
    "GraphBuildError",
    "GraphError",
    "MissingDependencyError",
]


class GraphError(FcError):
    """Base class of the errors raised while building, loading or validating graphs."""


class GraphBuildError(GraphError):
    """A graph recipe cannot be built: empty node sets, unreachable nodes, unknown builders."""

    exit_code = 3


class CorruptGraphError(GraphError):
    """A graph file is damaged or inconsistent: truncated, altered, or its parts disagree."""

    exit_code = 5


class MissingDependencyError(GraphError, ImportError):
    """An optional dependency that a feature needs is not installed (or is too old).

    The message names the extra to install (``pip install "fc-graphs[plots]"``). It is an
    :class:`ImportError` too, so code that guards an optional feature with ``except
    ImportError`` keeps working. Commands exit with status 1: the input is fine, the
    installation is not.
    """
