"""Building blocks of the fc networks: sparse message passing, MLPs, graph and attention layers."""

from __future__ import annotations

__all__: list[str] = []
