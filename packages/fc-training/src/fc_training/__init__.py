"""fc-training: Training of fc models with PyTorch Lightning, Hydra-composed configs and MLflow tracking."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
