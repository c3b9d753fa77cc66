"""Output bounding: rules that keep predictions physical, applied in physical units.

Why physical units
------------------
A bound is a statement about the physical quantity: precipitation is never negative. After
mean-std normalisation, zero precipitation is ``-mean/stdev``, not zero, so a ReLU on the
normalised output would clamp precipitation at its *mean* and forbid every dry grid point.
fc therefore denormalises first and bounds afterwards: ``relu`` clamps at zero and
``hardtanh`` at ``[min_val, max_val]`` in the variables' own units, and the bound holds exactly
in the values the user receives (the clamp is the last arithmetic applied to them). Because
every normaliser is increasing and affine, the bounded values normalised again (for a training
loss) satisfy the same bounds expressed in normalised units.

``fraction`` makes one variable a share of another (convective of total precipitation): the
network's *normalised* output for the variable, an order-one number, is squashed to [0, 1] by a
sigmoid (or a clamp) and multiplied by the total's bounded physical value, so that
``0 <= part <= total`` whenever ``total >= 0``. Rules run in the order listed; bound the total
before the fractions of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fc_config.model_processing import (
    BoundingRule,
    FractionBounding,
    HardtanhBounding,
    ReluBounding,
)
from fc_models.exceptions import VariablesError

__all__ = ["Bounding"]


class _Clamp(torch.nn.Module):
    lower: torch.Tensor
    upper: torch.Tensor

    def __init__(self, size: int, positions: Sequence[int], low: float, high: float) -> None:
        super().__init__()
        lower = torch.full((size,), float("-inf"))
        upper = torch.full((size,), float("inf"))
        lower[list(positions)] = low
        upper[list(positions)] = high
        self.register_buffer("lower", lower, False)
        self.register_buffer("upper", upper, False)

    def forward(self, y: torch.Tensor, y_norm: torch.Tensor) -> torch.Tensor:
        # maximum/minimum with +-inf leave the other variables as they are (NaN included)
        return torch.maximum(torch.minimum(y, self.upper.to(y.dtype)), self.lower.to(y.dtype))


class _Fraction(torch.nn.Module):
    positions: torch.Tensor

    def __init__(self, positions: Sequence[int], total: int, activation: str) -> None:
        super().__init__()
        self.register_buffer("positions", torch.tensor(list(positions), dtype=torch.long), False)
        self.total = total
        self.activation = activation

    def forward(self, y: torch.Tensor, y_norm: torch.Tensor) -> torch.Tensor:
        raw = y_norm.index_select(-1, self.positions)
        share = torch.sigmoid(raw) if self.activation == "sigmoid" else raw.clamp(0.0, 1.0)
        part = share * y[..., self.total : self.total + 1]
        return y.index_copy(-1, self.positions, part)


class Bounding(torch.nn.Module):
    """The bounding rules of a model, compiled for its output variables.

    Parameters
    ----------
    rules
        The rules, in the order they are applied.
    outputs
        The output variables, in the order of the tensors' last dimension.

    Raises
    ------
    VariablesError
        When a rule names a variable that is not an output.
    """

    def __init__(self, rules: Sequence[BoundingRule], outputs: Sequence[str]) -> None:
        super().__init__()
        self.outputs = tuple(outputs)
        self.rules = list(rules)
        self.steps = torch.nn.ModuleList()
        for rule in self.rules:
            positions = [self._position(name) for name in rule.variables]
            if isinstance(rule, ReluBounding):
                self.steps.append(_Clamp(len(self.outputs), positions, 0.0, float("inf")))
            elif isinstance(rule, HardtanhBounding):
                self.steps.append(_Clamp(len(self.outputs), positions, rule.min_val, rule.max_val))
            elif isinstance(rule, FractionBounding):
                total = self._position(rule.total_variable)
                self.steps.append(_Fraction(positions, total, rule.activation))
            else:  # pragma: no cover - the config's union has only these kinds
                raise VariablesError(f"unknown bounding rule {rule!r}.")

    def _position(self, name: str) -> int:
        try:
            return self.outputs.index(name)
        except ValueError:
            raise VariablesError(
                f"bounding names {name!r}, which is not an output of the model "
                f"({', '.join(self.outputs)})."
            ) from None

    def forward(self, y: torch.Tensor, y_norm: torch.Tensor) -> torch.Tensor:
        """Return ``y`` (physical units, ``[..., n_output]``) with every rule applied.

        ``y_norm`` is the same prediction in normalised units, read by ``fraction`` rules.
        """
        for step in self.steps:
            y = step(y, y_norm)
        return y

    def extra_repr(self) -> str:
        return ", ".join(f"{r.kind}({', '.join(r.variables)})" for r in self.rules)
