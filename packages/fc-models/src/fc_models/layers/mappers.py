"""Encoders (grid → mesh) and decoders (mesh → grid), graph-transformer or interaction-network.

An encoder embeds the grid's input features and the mesh nodes' features to the network width
with linear maps and runs one block from grid to mesh along the encoder edges. A decoder embeds
the grid's input features again as the targets' starting point, runs one block from mesh to grid
along the decoder edges and maps the result to the outputs with a normalisation and a linear
layer (Anemoi's *data extractor*). With activation checkpointing ``all`` the whole mapper is
recomputed in the backward pass, chunk by chunk when it has several.
"""

from __future__ import annotations

from torch import Tensor, nn

from fc_models.layers.chunking import maybe_checkpoint
from fc_models.layers.edges import EdgeSet
from fc_models.layers.gnn import InteractionBlock
from fc_models.layers.graph_transformer import GraphTransformerBlock
from fc_models.layers.mlp import MLP, make_norm

__all__ = ["DataExtractor", "Mapper"]


class DataExtractor(nn.Module):
    """Normalisation then a linear map from the network width to the outputs."""

    def __init__(self, channels: int, outputs: int, norm: str, *, zero_init: bool) -> None:
        super().__init__()
        self.norm = make_norm(norm, channels)
        self.linear = nn.Linear(channels, outputs)
        if zero_init:
            nn.init.zeros_(self.linear.weight)
            nn.init.zeros_(self.linear.bias)

    def forward(self, x: Tensor) -> Tensor:
        """Map ``[..., channels]`` to ``[..., outputs]``."""
        return self.linear(self.norm(x))


class Mapper(nn.Module):
    """One block from a source node set to a target node set, with embeddings around it.

    Parameters
    ----------
    kind
        ``graph_transformer`` or ``gnn``.
    edges
        The edge set from sources to targets.
    src_features
        Input width of the sources, or ``None`` when they already have the network width
        (the decoder's mesh latents).
    dst_features
        Input width of the targets.
    channels
        Network width.
    outputs
        Number of outputs of a decoder (a :class:`DataExtractor` is added), ``None`` for an
        encoder.
    num_heads, mlp_hidden, mlp_extra_layers
        Block hyper-parameters (heads only for graph transformers, extra layers only for gnn).
    activation, norm
        Names of the activation and normalisation.
    num_chunks
        Chunks of target nodes.
    checkpoint
        Recompute the mapper (and each chunk) in the backward pass.
    zero_init
        Start the decoder's output layer at zero.
    """

    def __init__(
        self,
        kind: str,
        edges: EdgeSet,
        *,
        src_features: int | None,
        dst_features: int,
        channels: int,
        outputs: int | None,
        num_heads: int,
        mlp_hidden: int,
        mlp_extra_layers: int,
        activation: str,
        norm: str,
        num_chunks: int,
        checkpoint: bool,
        zero_init: bool = False,
    ) -> None:
        super().__init__()
        self.kind, self.num_chunks, self.checkpoint = kind, num_chunks, checkpoint
        self.edges = edges
        self.emb_src = nn.Linear(src_features, channels) if src_features is not None else None
        self.emb_dst = nn.Linear(dst_features, channels)
        self.block: nn.Module
        if kind == "gnn":
            self.emb_edges = MLP(
                edges.num_features, mlp_hidden, channels, activation,
                extra_layers=mlp_extra_layers, norm=norm,
            )  # fmt: skip
            self.block = InteractionBlock(channels, mlp_hidden, mlp_extra_layers, activation, norm)
        else:
            self.block = GraphTransformerBlock(
                channels, num_heads, mlp_hidden, edges.num_features, activation, norm,
                same_nodes=False,
            )  # fmt: skip
        self.extractor = (
            DataExtractor(channels, outputs, norm, zero_init=zero_init)
            if outputs is not None
            else None
        )

    def forward(self, x_src: Tensor, x_dst: Tensor) -> Tensor:
        """Map sources ``[n_src, batch, ·]`` onto targets ``[n_dst, batch, ·]``."""
        out: Tensor = maybe_checkpoint(self._forward, self.checkpoint, x_src, x_dst)
        return out

    def _forward(self, x_src: Tensor, x_dst: Tensor) -> Tensor:
        src = self.emb_src(x_src) if self.emb_src is not None else x_src
        dst = self.emb_dst(x_dst)
        chunks = self.edges.chunks(self.num_chunks)
        inner = self.checkpoint and len(chunks) > 1
        if self.kind == "gnn":
            e = self.emb_edges(self.edges.edge_features())[:, None]  # [E, 1, C]: same per batch
            out, _ = self.block(src, dst, e, chunks, inner)
        else:
            features = self.edges.edge_features(with_ones=True)
            out = self.block(src, dst, features, self.edges, chunks, inner)
        return self.extractor(out) if self.extractor is not None else out
