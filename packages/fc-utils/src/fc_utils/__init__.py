"""fc-utils: dates, provenance, plugin registry, artifact container, CLI helpers, grids and forcings.

The submodules are imported on first use (``fc_utils.grids``, ``fc_utils.dates``, ...), so that
``import fc_utils`` stays cheap for command-line tools.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "artifact",
    "cli_helpers",
    "dates",
    "exceptions",
    "forcings",
    "grids",
    "progress",
    "provenance",
    "registry",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"fc_utils.{name}")
    raise AttributeError(f"module 'fc_utils' has no attribute {name!r}")
