"""fc-graphs: Encoder, processor and decoder graphs between the data grid and hidden meshes."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
