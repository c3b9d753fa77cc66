r"""The graph-transformer block: attention along edges with edge features, then an MLP.

For a target node :math:`i` with incoming edges :math:`j \to i` carrying features
:math:`f_{ij}`, per head (Shi et al. 2021, "Masked label prediction", as in Anemoi)::

    x̂_i = norm(x_i),  ŝ_j = norm_src(x_j)             (one norm when sources are targets)
    q_i = W_q x̂_i,  k_j = W_k ŝ_j,  v_j = W_v ŝ_j,  ε_ij = W_ε f_ij + b_ε
    α_ij = softmax_j( q_i · (k_j + ε_ij) / √d )
    a_i  = Σ_j α_ij (v_j + ε_ij)
    y_i  = x_i + W_o (a_i + W_s x̂_i)
    out_i = y_i + MLP(norm(y_i))

The edge projection :math:`ε_{ij}` is never formed per edge: :math:`q_i · ε_{ij} = (W_ε^T q_i)
· f_{ij} + q_i · b_ε`, whose second term is the same for all edges of :math:`i` and cancels in
the softmax, and :math:`Σ_j α_{ij} ε_{ij} = W_ε (Σ_j α_{ij} f_{ij}) + b_ε` because the weights sum
to one (zero for a node without edges, hence the column of ones appended to the features). The
per-edge work is then that of :func:`fc_models.layers.sparse.edge_attention`.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from fc_models.layers.chunking import maybe_checkpoint, split_rows
from fc_models.layers.edges import Chunk, EdgeSet
from fc_models.layers.mlp import MLP, make_norm
from fc_models.layers.sparse import edge_attention

__all__ = ["GraphTransformerBlock"]


class GraphTransformerBlock(nn.Module):
    """Attention from source nodes along an edge set, then an MLP, both residual.

    Parameters
    ----------
    channels
        Width of the node features (sources and targets alike).
    num_heads
        Attention heads; ``channels`` must be a multiple.
    mlp_hidden
        Width of the MLP's hidden layer.
    edge_features
        Number of features per edge (fixed and learned).
    activation, norm
        Names of the MLP activation and of the normalisation layer.
    same_nodes
        Sources and targets are the same nodes (a processor layer): one normalisation and one
        fused ``q|k|v|self`` projection instead of separate source and target ones.
    """

    def __init__(
        self,
        channels: int,
        num_heads: int,
        mlp_hidden: int,
        edge_features: int,
        activation: str,
        norm: str,
        *,
        same_nodes: bool,
    ) -> None:
        super().__init__()
        self.channels, self.num_heads = channels, num_heads
        self.head_dim = channels // num_heads
        self.same_nodes = same_nodes
        self.norm_dst = make_norm(norm, channels)
        self.norm_src = None if same_nodes else make_norm(norm, channels)
        # separate projections: each output is contiguous, ready to be viewed per head (slices
        # of one fused output would need copies, and zero-filled gradients in the backward)
        self.lin_query = nn.Linear(channels, channels)
        self.lin_key = nn.Linear(channels, channels)
        self.lin_value = nn.Linear(channels, channels)
        self.lin_self = nn.Linear(channels, channels)
        self.lin_edge = nn.Linear(edge_features, channels)
        self.projection = nn.Linear(channels, channels)
        self.norm_mlp = make_norm(norm, channels)
        self.mlp = MLP(channels, mlp_hidden, channels, activation)

    def forward(
        self,
        x_src: Tensor,
        x_dst: Tensor,
        features: Tensor,
        edges: EdgeSet,
        chunks: list[Chunk],
        checkpoint_chunks: bool = False,
    ) -> Tensor:
        """Update the targets ``x_dst`` ``[n_dst, batch, C]`` from the sources ``x_src``.

        ``features`` are the edge features with a trailing column of ones ``[E, F + 1]``;
        the targets are processed chunk by chunk (each chunk checkpointed if asked). For a
        processor layer pass the same tensor as ``x_src`` and ``x_dst``.
        """
        x_norm = self.norm_dst(x_dst)
        src_norm = x_norm if self.norm_src is None else self.norm_src(x_src)
        k, v = self.lin_key(src_norm), self.lin_value(src_norm)
        sizes = [chunk.stop - chunk.start for chunk in chunks]
        edge_sizes = [chunk.last_edge - chunk.first_edge for chunk in chunks]
        parts = zip(
            chunks,
            split_rows(x_dst, sizes),
            split_rows(x_norm, sizes),
            split_rows(features, edge_sizes),
            strict=True,
        )
        outputs = [
            maybe_checkpoint(self._chunk, checkpoint_chunks, x, x_n, k, v, f, edges, chunk)
            for chunk, x, x_n, f in parts
        ]
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=0)

    def _chunk(
        self,
        x: Tensor,
        x_n: Tensor,
        k: Tensor,
        v: Tensor,
        f: Tensor,
        edges: EdgeSet,
        chunk: Chunk,
    ) -> Tensor:
        """The block for the targets ``x`` of one chunk (``x_n`` normalised, ``f`` their edges)."""
        c, h, d = self.channels, self.num_heads, self.head_dim
        n, batch = x.shape[0], x.shape[1]
        scale = 1.0 / math.sqrt(d)
        q = F.linear(x_n, self.lin_query.weight * scale, self.lin_query.bias * scale)
        # W_ε with its bias as a last column, as a block-diagonal matrix over heads
        # [h·d, h·(F + 1)]: one matmul gives every head's projection, already in row order
        w_edge = torch.cat([self.lin_edge.weight, self.lin_edge.bias[:, None]], dim=1)
        w_blocks = torch.block_diag(*w_edge.view(h, d, -1))
        g = torch.matmul(q, w_blocks)  # [n, batch, h·(F + 1)]
        pattern = edges.pattern(chunk, batch * h)
        att, feats = edge_attention(
            q.view(n * batch * h, d),
            k.view(-1, d),
            v.view(-1, d),
            g.view(n * batch * h, -1),
            f,
            pattern,
        )
        att = att.view(n, batch, c) + torch.matmul(feats.view(n, batch, -1), w_blocks.t())
        y = x + self.projection(att + self.lin_self(x_n))
        return y + self.mlp(self.norm_mlp(y))
