r"""Self-attention over mesh nodes: full, or in a sliding window along a space-filling curve.

The transformer processor ignores the mesh edges. Its nodes are put once in the order of a
Morton (Z-order) curve through the unit cube holding the sphere, so that nodes close in the order
are close on the sphere (the converse fails at some curve jumps: a window is a neighbourhood, not
a disc). With a window of size ``w`` node ``i`` (in that order) attends to the nodes ``j`` with
``|i - j| <= w // 2``: a banded attention, computed exactly in blocks of ``L`` queries against the
``L + 2·(w // 2)`` keys around them with a mask, so cost and memory grow as ``n·(L + w)`` instead
of ``n²``. Full attention uses :func:`torch.nn.functional.scaled_dot_product_attention` directly.

One layer, pre-normalised::

    y = x + W_o MHA(norm(x)),   out = y + MLP(norm(y))
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from fc_models.layers.chunking import chunk_bounds, split_rows
from fc_models.layers.mlp import MLP, make_norm

__all__ = ["TransformerLayer", "morton_order", "window_attention"]

_BITS = 10  # bits per axis: 1,024 cells across the cube


def _spread(v: Tensor) -> Tensor:
    """Insert two zero bits between the low ten bits of ``v`` (for 3-D Morton codes)."""
    v = v & 0x3FF
    v = (v | (v << 16)) & 0x030000FF
    v = (v | (v << 8)) & 0x0300F00F
    v = (v | (v << 4)) & 0x030C30C3
    v = (v | (v << 2)) & 0x09249249
    return v


def morton_order(coords: Tensor) -> Tensor:
    """Permutation sorting nodes along a 3-D Morton curve of their unit vectors.

    Parameters
    ----------
    coords
        ``[n, 2]`` latitude and longitude in radians.
    """
    lat, lon = coords[:, 0].double(), coords[:, 1].double()
    xyz = torch.stack([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()], dim=1)
    cells = ((xyz + 1) * 0.5 * (2**_BITS - 1)).round().long().clamp(0, 2**_BITS - 1)
    code = _spread(cells[:, 0]) | (_spread(cells[:, 1]) << 1) | (_spread(cells[:, 2]) << 2)
    return torch.argsort(code, stable=True)


def _band_mask(n: int, block: int, half: int, device: torch.device) -> Tensor:
    """Mask ``[blocks, block, block + 2·half]``: query ``q`` of block ``b`` may see key ``k``."""
    blocks = -(-n // block)
    qi = torch.arange(block, device=device)[:, None]
    ki = torch.arange(block + 2 * half, device=device)[None, :]
    band = (ki >= qi) & (ki <= qi + 2 * half)  # |position difference| <= half
    start = torch.arange(blocks, device=device)[:, None, None] * block - half
    position = start + ki[None]
    valid = (position >= 0) & (position < n)
    own = ki == qi + half  # a padded query sees itself only, so no row is empty
    return (band[None] & valid) | own[None]


def window_attention(
    q: Tensor, k: Tensor, v: Tensor, window: int, *, dropout: float = 0.0, num_chunks: int = 1
) -> Tensor:
    """Banded attention: query ``i`` attends to keys ``j`` with ``|i - j| <= window // 2``.

    ``q``, ``k``, ``v`` are ``[batch, heads, n, d]``; the result has the shape of ``q``.
    """
    batch, heads, n, d = q.shape
    half = window // 2
    block = max(half, 32)
    blocks = -(-n // block)
    pad = blocks * block - n
    q_blocks = F.pad(q, (0, 0, 0, pad)).view(batch, heads, blocks, block, d)
    k_pad = F.pad(k, (0, 0, half, pad + half))
    v_pad = F.pad(v, (0, 0, half, pad + half))
    span = block + 2 * half
    k_blocks = k_pad.unfold(2, span, block).transpose(-1, -2)  # [b, h, blocks, span, d]
    v_blocks = v_pad.unfold(2, span, block).transpose(-1, -2)
    mask = _band_mask(n, block, half, q.device)
    sizes = [stop - start for start, stop in chunk_bounds(blocks, num_chunks)]
    parts = (split_rows(t, sizes, dim=2) for t in (q_blocks, k_blocks, v_blocks))
    outputs = [
        F.scaled_dot_product_attention(qp, kp, vp, attn_mask=mp, dropout_p=dropout)
        for qp, kp, vp, mp in zip(*parts, split_rows(mask, sizes), strict=True)
    ]
    out = outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)
    return out.reshape(batch, heads, blocks * block, d)[:, :, :n]


def _full_attention(q: Tensor, k: Tensor, v: Tensor, dropout: float, num_chunks: int) -> Tensor:
    sizes = [stop - start for start, stop in chunk_bounds(q.shape[2], num_chunks)]
    outputs = [
        F.scaled_dot_product_attention(part, k, v, dropout_p=dropout)
        for part in split_rows(q, sizes, dim=2)
    ]
    return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=2)


class TransformerLayer(nn.Module):
    """Pre-normalised multi-head self-attention and MLP, both residual.

    Parameters
    ----------
    channels, num_heads, mlp_hidden
        Width, heads (dividing ``channels``) and MLP hidden width.
    window
        Sliding-window size, or ``None`` for full attention.
    dropout
        Dropout of the attention weights while training.
    activation, norm
        Names of the MLP activation and of the normalisation layer.
    """

    def __init__(
        self,
        channels: int,
        num_heads: int,
        mlp_hidden: int,
        window: int | None,
        dropout: float,
        activation: str,
        norm: str,
    ) -> None:
        super().__init__()
        self.channels, self.num_heads = channels, num_heads
        self.window, self.dropout = window, dropout
        self.norm_attention = make_norm(norm, channels)
        self.lin_qkv = nn.Linear(channels, 3 * channels)
        self.projection = nn.Linear(channels, channels)
        self.norm_mlp = make_norm(norm, channels)
        self.mlp = MLP(channels, mlp_hidden, channels, activation)

    def forward(self, x: Tensor, num_chunks: int = 1) -> Tensor:
        """Update ``x`` ``[batch, n, C]`` (nodes in curve order)."""
        batch, n, c = x.shape
        h = self.num_heads
        qkv = self.lin_qkv(self.norm_attention(x)).view(batch, n, 3, h, c // h)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each [batch, heads, n, d]
        dropout = self.dropout if self.training else 0.0
        if self.window is None:
            att = _full_attention(q, k, v, dropout, num_chunks)
        else:
            att = window_attention(q, k, v, self.window, dropout=dropout, num_chunks=num_chunks)
        y = x + self.projection(att.transpose(1, 2).reshape(batch, n, c))
        sizes = [stop - start for start, stop in chunk_bounds(n, num_chunks)]
        outputs = [part + self.mlp(self.norm_mlp(part)) for part in split_rows(y, sizes, dim=1)]
        return outputs[0] if len(outputs) == 1 else torch.cat(outputs, dim=1)
