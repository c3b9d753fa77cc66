"""fc-models: Encoder-processor-decoder networks for weather forecasting and the portable fc model checkpoint.

``import fc_models`` is cheap: the public names below load their modules (and torch) on first
use, so that ``fc-models --help`` answers at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fc_models.checkpoint import (
        load_checkpoint,
        migrate_checkpoint,
        read_checkpoint,
        read_checkpoint_metadata,
        save_checkpoint,
    )
    from fc_models.graph import GraphTensors
    from fc_models.indices import DataIndices
    from fc_models.model import ForecastModel
    from fc_models.network import build_network

__version__ = "0.1.0"

# public name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "DataIndices": "fc_models.indices",
    "ForecastModel": "fc_models.model",
    "GraphTensors": "fc_models.graph",
    "build_network": "fc_models.network",
    "load_checkpoint": "fc_models.checkpoint",
    "migrate_checkpoint": "fc_models.checkpoint",
    "read_checkpoint": "fc_models.checkpoint",
    "read_checkpoint_metadata": "fc_models.checkpoint",
    "save_checkpoint": "fc_models.checkpoint",
}

__all__ = [
    "DataIndices",
    "ForecastModel",
    "GraphTensors",
    "__version__",
    "build_network",
    "load_checkpoint",
    "migrate_checkpoint",
    "read_checkpoint",
    "read_checkpoint_metadata",
    "save_checkpoint",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fc_models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
