"""Processors: a stack of layers on the mesh (graph transformer, interaction network or transformer).

Each takes and returns the mesh latents ``[n_hidden, batch, C]``. With activation checkpointing
every layer is recomputed in the backward pass, so only the layers' inputs are stored.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from fc_models.layers.attention import TransformerLayer, morton_order
from fc_models.layers.chunking import maybe_checkpoint
from fc_models.layers.edges import EdgeSet
from fc_models.layers.gnn import InteractionBlock
from fc_models.layers.graph_transformer import GraphTransformerBlock
from fc_models.layers.mlp import MLP

__all__ = ["GnnProcessor", "GraphTransformerProcessor", "TransformerProcessor"]


class GraphTransformerProcessor(nn.Module):
    """Graph-transformer layers along the mesh edges; the learned edge features are shared."""

    def __init__(
        self,
        edges: EdgeSet,
        *,
        channels: int,
        num_layers: int,
        num_heads: int,
        mlp_hidden: int,
        activation: str,
        norm: str,
        num_chunks: int,
        checkpoint: bool,
    ) -> None:
        super().__init__()
        self.edges, self.num_chunks, self.checkpoint = edges, num_chunks, checkpoint
        self.layers = nn.ModuleList(
            GraphTransformerBlock(
                channels,
                num_heads,
                mlp_hidden,
                edges.num_features,
                activation,
                norm,
                same_nodes=True,
            )
            for _ in range(num_layers)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Update the mesh latents ``x``."""
        features = self.edges.edge_features(with_ones=True)
        chunks = self.edges.chunks(self.num_chunks)
        for layer in self.layers:
            x = maybe_checkpoint(layer, self.checkpoint, x, x, features, self.edges, chunks)
        return x


class GnnProcessor(nn.Module):
    """Interaction-network layers with edge latents, embedded once from the edge features."""

    def __init__(
        self,
        edges: EdgeSet,
        *,
        channels: int,
        num_layers: int,
        mlp_hidden: int,
        mlp_extra_layers: int,
        activation: str,
        norm: str,
        num_chunks: int,
        checkpoint: bool,
    ) -> None:
        super().__init__()
        self.edges, self.num_chunks, self.checkpoint = edges, num_chunks, checkpoint
        self.emb_edges = MLP(
            edges.num_features, mlp_hidden, channels, activation,
            extra_layers=mlp_extra_layers, norm=norm,
        )  # fmt: skip
        self.layers = nn.ModuleList(
            InteractionBlock(channels, mlp_hidden, mlp_extra_layers, activation, norm)
            for _ in range(num_layers)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Update the mesh latents ``x``."""
        e = self.emb_edges(self.edges.edge_features())[:, None]  # [E, 1, C]
        chunks = self.edges.chunks(self.num_chunks)
        for layer in self.layers:
            x, e = maybe_checkpoint(layer, self.checkpoint, x, x, e, chunks)
        return x


class TransformerProcessor(nn.Module):
    """Self-attention layers over the mesh nodes in Morton order (see :mod:`.attention`)."""

    order: Tensor
    inverse: Tensor

    def __init__(
        self,
        coords: Tensor,
        *,
        channels: int,
        num_layers: int,
        num_heads: int,
        mlp_hidden: int,
        window: int | None,
        dropout: float,
        activation: str,
        norm: str,
        num_chunks: int,
        checkpoint: bool,
    ) -> None:
        super().__init__()
        self.num_chunks, self.checkpoint = num_chunks, checkpoint
        order = morton_order(coords)
        self.register_buffer("order", order, persistent=False)
        self.register_buffer("inverse", torch.argsort(order), persistent=False)
        self.layers = nn.ModuleList(
            TransformerLayer(channels, num_heads, mlp_hidden, window, dropout, activation, norm)
            for _ in range(num_layers)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Update the mesh latents ``x``."""
        if not len(self.layers):
            return x
        y = x.index_select(0, self.order).transpose(0, 1).contiguous()  # [batch, n, C]
        for layer in self.layers:
            y = maybe_checkpoint(layer, self.checkpoint, y, self.num_chunks)
        return y.transpose(0, 1).index_select(0, self.inverse)
