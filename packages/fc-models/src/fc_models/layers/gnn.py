r"""The interaction-network block of GraphCast: edge latents updated, summed, nodes updated.

For an edge :math:`j \to i` with latent :math:`e_{ij}` between source :math:`x_j` and target
:math:`x_i`::

    e'_ij = e_ij + norm(MLP_e([e_ij, x_j, x_i]))
    x'_i  = x_i  + norm(MLP_n([x_i, Σ_j e'_ij]))

The first layer of ``MLP_e`` acts on a concatenation, so it is applied to each part where the
part lives — ``W_x x`` once per *node*, then gathered to the edges — instead of on an
``[E, 3C]`` concatenation: the same numbers with a third of the per-edge matrix work.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from fc_models.layers.chunking import maybe_checkpoint, split_rows
from fc_models.layers.edges import Chunk
from fc_models.layers.mlp import MLP
from fc_models.layers.sparse import gather_rows, sum_at_targets

__all__ = ["InteractionBlock"]


class InteractionBlock(nn.Module):
    """One message-passing step with edge latents (see the module doc).

    Parameters
    ----------
    channels
        Width of node and edge latents.
    mlp_hidden
        Width of the MLPs' hidden layers.
    extra_layers
        Hidden layers beyond the first in each MLP.
    activation, norm
        Names of the activation and of the normalisation ending each MLP.
    """

    def __init__(
        self, channels: int, mlp_hidden: int, extra_layers: int, activation: str, norm: str
    ) -> None:
        super().__init__()
        self.channels = channels
        self.edge_mlp = MLP(
            3 * channels, mlp_hidden, channels, activation, extra_layers=extra_layers, norm=norm
        )
        self.node_mlp = MLP(
            2 * channels, mlp_hidden, channels, activation, extra_layers=extra_layers, norm=norm
        )

    def forward(
        self,
        x_src: Tensor,
        x_dst: Tensor,
        e: Tensor,
        chunks: list[Chunk],
        checkpoint_chunks: bool = False,
    ) -> tuple[Tensor, Tensor]:
        """Return the updated targets ``[n_dst, batch, C]`` and edge latents ``[E, batch, C]``.

        The targets and their edges are processed chunk by chunk (each chunk checkpointed if
        asked); for a processor layer pass the same tensor as ``x_src`` and ``x_dst``.
        """
        c = self.channels
        (w_e, b_e), (w_s, _), (w_d, _) = self.edge_mlp.first_blocks([c, c, c])
        src_part = F.linear(x_src, w_s)  # once per source node, gathered per chunk
        sizes = [chunk.stop - chunk.start for chunk in chunks]
        edge_sizes = [chunk.last_edge - chunk.first_edge for chunk in chunks]
        nodes, edges = [], []
        for chunk, x, e_chunk in zip(
            chunks, split_rows(x_dst, sizes), split_rows(e, edge_sizes), strict=True
        ):
            out = maybe_checkpoint(
                self._chunk, checkpoint_chunks, x, e_chunk, src_part, w_e, b_e, w_d, chunk
            )
            nodes.append(out[0])
            edges.append(out[1])
        if len(chunks) == 1:
            return nodes[0], edges[0]
        return torch.cat(nodes, dim=0), torch.cat(edges, dim=0)

    def _chunk(
        self,
        x: Tensor,
        e: Tensor,
        src_part: Tensor,
        w_e: Tensor,
        b_e: Tensor | None,
        w_d: Tensor,
        chunk: Chunk,
    ) -> tuple[Tensor, Tensor]:
        """The step for the targets ``x`` of one chunk and their edge latents ``e``."""
        index = chunk.edges
        hidden = (
            F.linear(e, w_e, b_e)
            + gather_rows(src_part, index, "src")
            + gather_rows(F.linear(x, w_d), index, "dst")
        )
        e_new = e + self.edge_mlp.tail(hidden)
        aggregated = sum_at_targets(e_new, index)
        (w_x, b_x), (w_a, _) = self.node_mlp.first_blocks([self.channels, self.channels])
        x_new = x + self.node_mlp.tail(F.linear(x, w_x, b_x) + F.linear(aggregated, w_a))
        return x_new, e_new
