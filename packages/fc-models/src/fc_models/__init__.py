"""fc-models: Encoder-processor-decoder networks for weather forecasting and the portable fc model checkpoint."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
