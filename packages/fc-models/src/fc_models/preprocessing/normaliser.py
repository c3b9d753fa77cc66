"""Normalisation: physical values to order-one numbers for the network, and back.

Every method is the affine map ``y = (x - offset) / scale`` with ``scale > 0`` (see
:class:`fc_config.model_processing.NormaliserConfig` for the offset and scale of each method).
Keeping every method affine and increasing has two consequences the rest of fc relies on:
:meth:`Normaliser.denormalise` inverts :meth:`Normaliser.normalise` exactly up to float
rounding, and an order between physical values (``x >= 0``) is the same order between
normalised ones, so bounds keep their meaning.

A variable whose scale is zero (a field that is constant over the statistics period, or all
zeros) cannot be divided by it: its scale is replaced by one, so that the network sees the
deviation from the offset in physical units, which is zero for a truly constant field. Scales
smaller than a millionth of the variable's magnitude count as zero, since float32 statistics of
a constant field come out as rounding noise rather than exactly zero; such variables are named
in a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from fc_config.common import Statistics
from fc_config.errors import validate
from fc_config.model_processing import NormaliserConfig
from fc_models.exceptions import VariablesError

__all__ = ["Normaliser", "as_statistics", "normaliser_constants"]

_LOG = logging.getLogger(__name__)

#: A scale below this fraction of the variable's magnitude is treated as zero.
DEGENERATE_SCALE = 1e-6


def as_statistics(statistics: Statistics | Mapping[str, Sequence[float]]) -> Statistics:
    """Return ``statistics`` as a validated :class:`~fc_config.common.Statistics`."""
    if isinstance(statistics, Statistics):
        return statistics
    return validate(Statistics, {k: [float(v) for v in vals] for k, vals in statistics.items()})


def normaliser_constants(
    statistics: Statistics,
    variables: Sequence[str],
    names: Sequence[str],
    config: NormaliserConfig,
) -> tuple[list[float], list[float], list[str]]:
    """Return ``(offsets, scales, methods)`` of ``names``, with degenerate scales set to one.

    Parameters
    ----------
    statistics
        Per-variable statistics aligned with ``variables``.
    variables
        Every variable of the model, in the order of ``statistics``.
    names
        The variables to normalise, in the order of the tensor's last dimension.
    config
        Which method each variable gets.
    """
    if len(statistics.mean) != len(variables):
        raise VariablesError(
            f"the statistics hold {len(statistics.mean)} values per statistic, but the model "
            f"has {len(variables)} variables.",
            hint="Give statistics aligned with the model's variables, in the dataset's order.",
        )
    position = {name: i for i, name in enumerate(variables)}
    offsets: list[float] = []
    scales: list[float] = []
    methods: list[str] = []
    degenerate: list[str] = []
    for name in names:
        i = position[name]
        mean, stdev = statistics.mean[i], statistics.stdev[i]
        low, high = statistics.minimum[i], statistics.maximum[i]
        method = config.method_of(name)
        offset, scale = _offset_scale(method, mean, stdev, low, high)
        magnitude = max(abs(mean), abs(low), abs(high))
        if method != "none" and scale <= DEGENERATE_SCALE * magnitude:
            degenerate.append(name)
            scale = 1.0
        offsets.append(offset)
        scales.append(scale)
        methods.append(method)
    if degenerate:
        _LOG.warning(
            "variable(s) %s are constant in the statistics (zero spread): normalised with "
            "scale 1, i.e. as the deviation from their offset in physical units",
            ", ".join(degenerate),
        )
    return offsets, scales, methods


def _offset_scale(
    method: str, mean: float, stdev: float, low: float, high: float
) -> tuple[float, float]:
    if method == "mean-std":
        return mean, stdev
    if method == "std":
        return 0.0, stdev
    if method == "min-max":
        return low, high - low
    if method == "max":
        return 0.0, max(abs(low), abs(high))
    return 0.0, 1.0  # none


class Normaliser(torch.nn.Module):
    """``(x - offset) / scale`` along the last dimension, one offset and scale per variable.

    Build it with :meth:`from_statistics`. The constants are non-persistent buffers: they move
    with ``.to(device)`` and are rebuilt from the statistics stored in the checkpoint metadata.

    Parameters
    ----------
    offsets, scales
        One value per entry of ``names`` (``scales`` strictly positive).
    names
        The variables along the last dimension of the tensors this normaliser handles.
    methods
        The method of each variable, for ``repr`` and inspection.
    """

    offset: torch.Tensor
    scale: torch.Tensor

    def __init__(
        self,
        offsets: Sequence[float],
        scales: Sequence[float],
        names: Sequence[str],
        methods: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        if not (len(offsets) == len(scales) == len(names)):
            raise VariablesError(
                f"got {len(offsets)} offsets and {len(scales)} scales for {len(names)} variables."
            )
        bad = [n for n, s in zip(names, scales, strict=True) if not s > 0]
        if bad:
            raise VariablesError(f"the scale of {', '.join(bad)} is not positive.")
        self.names = tuple(names)
        self.methods = tuple(methods) if methods is not None else ("custom",) * len(self.names)
        self.register_buffer("offset", torch.tensor(offsets, dtype=torch.float32), False)
        self.register_buffer("scale", torch.tensor(scales, dtype=torch.float32), False)

    @classmethod
    def from_statistics(
        cls,
        statistics: Statistics | Mapping[str, Sequence[float]],
        variables: Sequence[str],
        names: Sequence[str] | None = None,
        config: NormaliserConfig | None = None,
    ) -> Normaliser:
        """Build the normaliser of ``names`` (default: all ``variables``) from statistics.

        Parameters
        ----------
        statistics
            ``mean``, ``stdev``, ``minimum`` and ``maximum`` aligned with ``variables``.
        variables
            Every variable, in the order of the statistics (the dataset's order).
        names
            The variables along the last dimension of the tensors to normalise, e.g. the
            model's input variables.
        config
            The method of each variable; default mean-std for all.
        """
        stats = as_statistics(statistics)
        chosen = list(variables) if names is None else list(names)
        offsets, scales, methods = normaliser_constants(
            stats, list(variables), chosen, config or NormaliserConfig()
        )
        return cls(offsets, scales, chosen, methods)

    def _constants(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[-1] != len(self.names):
            raise VariablesError(
                f"the tensor's last dimension has {x.shape[-1]} variables, but this "
                f"normaliser handles {len(self.names)} ({', '.join(self.names)})."
            )
        return self.offset.to(x.dtype), self.scale.to(x.dtype)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``(x - offset) / scale``; the last dimension of ``x`` follows ``names``."""
        offset, scale = self._constants(x)
        return (x - offset) / scale

    def denormalise(self, y: torch.Tensor) -> torch.Tensor:
        """Return ``y * scale + offset``, the inverse of :meth:`normalise`."""
        offset, scale = self._constants(y)
        return y * scale + offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`normalise`."""
        return self.normalise(x)

    def extra_repr(self) -> str:
        counts: dict[str, int] = {}
        for method in self.methods:
            counts[method] = counts.get(method, 0) + 1
        return ", ".join(f"{m}: {n}" for m, n in counts.items())

    def describe(self) -> list[dict[str, Any]]:
        """Return one ``{name, method, offset, scale}`` entry per variable, for inspection."""
        return [
            {"name": n, "method": m, "offset": float(o), "scale": float(s)}
            for n, m, o, s in zip(
                self.names, self.methods, self.offset.tolist(), self.scale.tolist(), strict=True
            )
        ]
