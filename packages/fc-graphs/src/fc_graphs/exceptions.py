"""Exception classes of fc-graphs. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = ["FcError", "GraphBuildError", "GraphError"]


class GraphError(FcError):
    """Base class of the errors raised while building, loading or validating graphs."""


class GraphBuildError(GraphError):
    """A graph recipe cannot be built: empty node sets, unreachable nodes, unknown builders."""

    exit_code = 3
