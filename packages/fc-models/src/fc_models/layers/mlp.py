"""Multi-layer perceptrons, activations and normalisation layers, chosen by config names."""

from __future__ import annotations

import itertools

import torch
from torch import Tensor, nn

__all__ = ["MLP", "make_activation", "make_norm"]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
}


def make_activation(name: str) -> nn.Module:
    """The activation named ``name`` (``gelu``, ``silu``, ``relu`` or ``tanh``)."""
    return _ACTIVATIONS[name]()


def make_norm(name: str, channels: int) -> nn.Module:
    """A ``layer_norm`` or ``rms_norm`` layer over the last dimension of size ``channels``."""
    if name == "rms_norm":
        return nn.RMSNorm(channels)
    return nn.LayerNorm(channels)


class MLP(nn.Module):
    """``Linear → act → (Linear → act)·extra → Linear``, optionally followed by a norm.

    The first layer is exposed (``linears[0]``) so that a caller whose input is a concatenation
    can apply its blocks to each part separately and sum them — cheaper when the parts live on
    different node sets (see :mod:`fc_models.layers.gnn`) — and then call :meth:`tail`.

    Parameters
    ----------
    in_features, hidden, out_features
        Sizes of the input, hidden and output layers.
    activation
        Name of the activation (see :func:`make_activation`).
    extra_layers
        Hidden layers beyond the first.
    norm
        Name of a normalisation applied to the output, or ``None``.
    """

    def __init__(
        self,
        in_features: int,
        hidden: int,
        out_features: int,
        activation: str,
        *,
        extra_layers: int = 0,
        norm: str | None = None,
    ) -> None:
        super().__init__()
        sizes = [in_features, *([hidden] * (extra_layers + 1)), out_features]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.activation = make_activation(activation)
        self.norm = make_norm(norm, out_features) if norm is not None else None

    def forward(self, x: Tensor) -> Tensor:
        """Apply the MLP to the last dimension of ``x``."""
        return self.tail(self.linears[0](x))

    def tail(self, h: Tensor) -> Tensor:
        """The MLP after its first linear layer, given that layer's output ``h``."""
        for linear in self.linears[1:]:
            h = linear(self.activation(h))
        return self.norm(h) if self.norm is not None else h

    def first_blocks(self, sizes: list[int]) -> list[tuple[Tensor, Tensor | None]]:
        """The first layer's weight split by input columns of the given sizes.

        Returns ``(weight_block, bias)`` pairs with the bias on the first block only, so that
        ``Σ F.linear(part_i, *block_i)`` equals ``linears[0](cat(parts))``.
        """
        first = self.linears[0]
        assert isinstance(first, nn.Linear)
        blocks = torch.split(first.weight, sizes, dim=1)
        return [(block, first.bias if i == 0 else None) for i, block in enumerate(blocks)]
