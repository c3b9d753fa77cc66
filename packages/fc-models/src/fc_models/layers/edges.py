"""An edge set inside a network: sorted once, with its features, learned features and chunks.

Edges are sorted by target node (then source) when the network is built, so that the edges of
every target, and of every chunk of targets, are contiguous. The fixed features (graph attributes)
and the indices are non-persistent buffers — the checkpoint stores the graph itself — while the
learned per-edge features are a parameter, in sorted order.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fc_models.layers.chunking import chunk_bounds
from fc_models.layers.sparse import AttentionPattern, EdgeIndex

__all__ = ["Chunk", "EdgeSet"]


class Chunk:
    """A contiguous range of target nodes and their edges."""

    __slots__ = ("edges", "first_edge", "last_edge", "start", "stop")

    def __init__(self, start: int, stop: int, first_edge: int, last_edge: int, edges: EdgeIndex):
        self.start, self.stop = start, stop
        self.first_edge, self.last_edge = first_edge, last_edge
        self.edges = edges


class EdgeSet(nn.Module):
    """The edges from ``n_src`` to ``n_dst`` nodes, with fixed and learned features.

    Parameters
    ----------
    edge_index
        int64 ``[2, E]``: source and target of each edge.
    features
        Fixed features ``[E, F]`` (may have ``F = 0``).
    n_src, n_dst
        Sizes of the source and target node sets.
    trainable
        Number of learned features per edge (a parameter initialised at zero).
    """

    src: Tensor
    dst: Tensor
    features: Tensor

    def __init__(
        self, edge_index: Tensor, features: Tensor, n_src: int, n_dst: int, trainable: int
    ) -> None:
        super().__init__()
        src, dst = edge_index[0].long(), edge_index[1].long()
        order = torch.argsort(dst * max(n_src, 1) + src, stable=True)
        self.n_src, self.n_dst = n_src, n_dst
        self.register_buffer("src", src[order].contiguous(), persistent=False)
        self.register_buffer("dst", dst[order].contiguous(), persistent=False)
        self.register_buffer(
            "features", features[order].to(torch.get_default_dtype()), persistent=False
        )
        self.trainable = (
            nn.Parameter(torch.zeros(src.shape[0], trainable)) if trainable > 0 else None
        )
        self._chunks: dict[int, list[Chunk]] = {}
        self._patterns: dict[tuple[int, int], AttentionPattern] = {}

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self.src.shape[0])

    @property
    def num_features(self) -> int:
        """Fixed plus learned features per edge."""
        extra = 0 if self.trainable is None else self.trainable.shape[1]
        return int(self.features.shape[1]) + extra

    def edge_features(self, *, with_ones: bool = False) -> Tensor:
        """Fixed and learned features ``[E, F]``, plus a column of ones if asked."""
        parts = [self.features]
        if self.trainable is not None:
            parts.append(self.trainable)
        if with_ones:
            parts.append(self.features.new_ones(self.num_edges, 1))
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    def chunks(self, num_chunks: int) -> list[Chunk]:
        """The target nodes split into ``num_chunks`` ranges with their edges (cached)."""
        found = self._chunks.get(num_chunks)
        if found is None:
            bounds = torch.searchsorted(
                self.dst, torch.arange(self.n_dst + 1, device=self.dst.device)
            )
            found = []
            for start, stop in chunk_bounds(self.n_dst, num_chunks):
                first, last = int(bounds[start]), int(bounds[stop])
                index = EdgeIndex.build(
                    self.src[first:last], self.dst[first:last] - start, self.n_src, stop - start
                )
                found.append(Chunk(start, stop, first, last, index))
            self._chunks[num_chunks] = found
        return found

    def pattern(self, chunk: Chunk, virtual_heads: int) -> AttentionPattern:
        """The attention pattern of ``chunk`` for ``virtual_heads`` (cached)."""
        key = (id(chunk), virtual_heads)
        found = self._patterns.get(key)
        if found is None:
            found = self._patterns[key] = AttentionPattern.build(chunk.edges, virtual_heads)
        return found

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        # the cached indices live on the old device
        self._chunks.clear()
        self._patterns.clear()
        return super()._apply(fn, recurse)

    def extra_repr(self) -> str:
        return f"n_src={self.n_src}, n_dst={self.n_dst}, edges={self.num_edges}"
