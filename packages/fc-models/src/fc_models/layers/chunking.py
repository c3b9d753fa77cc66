"""Splitting work along target nodes into chunks, and checkpointing them.

Chunks (``num_chunks`` in the config) bound memory: the transient tensors of one chunk exist at
a time, and with activation checkpointing only one chunk's activations exist at a time in the
backward pass too. Tensors are split with :func:`torch.split`, whose gradient is one
concatenation, rather than by slicing: the gradient of each slice is a zero-filled tensor of the
full size, which would make ``n`` chunks cost ``n`` times the memory traffic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

__all__ = ["chunk_bounds", "maybe_checkpoint", "split_rows"]


def chunk_bounds(n: int, num_chunks: int) -> list[tuple[int, int]]:
    """Split ``range(n)`` into ``num_chunks`` contiguous ranges of near-equal size (none empty)."""
    parts = max(1, min(num_chunks, n))
    edges = [round(i * n / parts) for i in range(parts + 1)]
    return list(itertools.pairwise(edges))


def split_rows(x: Tensor, sizes: Sequence[int], dim: int = 0) -> list[Tensor]:
    """``x`` split into consecutive parts of ``sizes`` along ``dim`` (itself when one part)."""
    if len(sizes) == 1:
        return [x]
    return list(torch.split(x, list(sizes), dim=dim))


def maybe_checkpoint(fn: Callable[..., Any], enabled: bool, *args: Any) -> Any:
    """``fn(*args)``, recomputed in the backward pass if ``enabled`` and gradients are on."""
    if enabled and torch.is_grad_enabled():
        return torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False)
    return fn(*args)
