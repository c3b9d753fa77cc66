"""The imputer: missing values (NaN) filled on the way in, and put back on the way out.

Filling happens in physical units, before normalisation, so that ``fill: 0`` means zero in the
variable's units and ``fill: mean`` becomes exactly zero after mean-std normalisation.

Which outputs get NaN back
--------------------------
A prognostic variable that is imputed gets NaN in the output wherever it was NaN in the
**last** input step (the state the residual prediction starts from). For a fixed mask (sea
surface temperature over land) the mask is therefore the same at every step of a rollout: the
NaN of one prediction becomes the NaN of the next input. Diagnostic variables have no input
and are never masked; forcings are inputs only. Training, which needs gap-free predictions
for its loss, uses :meth:`fc_models.ForecastModel.predict_normalised`, which does not restore
the mask.

A NaN in an input variable that the imputer does not cover reaches the network unchanged;
checking for it would cost a device synchronisation at every step, so list such variables (or
give ``imputer.default``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from fc_config.common import Statistics
from fc_config.model_processing import ImputerConfig
from fc_models.indices import DataIndices

__all__ = ["Imputer"]


class Imputer(torch.nn.Module):
    """Fill NaN in input tensors and restore them in output tensors.

    Build it with :meth:`from_config`. An imputer without rules is a cheap no-op.

    Parameters
    ----------
    fill
        One fill value per input variable, ``NaN`` for the variables that are not imputed.
    restore_input, restore_output
        Aligned positions (input space, output space) of the prognostic variables whose NaN
        mask is put back in the output.
    """

    fill_values: torch.Tensor
    restore_input: torch.Tensor
    restore_output: torch.Tensor

    def __init__(
        self,
        fill: Sequence[float],
        restore_input: Sequence[int] = (),
        restore_output: Sequence[int] = (),
    ) -> None:
        super().__init__()
        values = torch.tensor(list(fill), dtype=torch.float32)
        self.active = bool((~torch.isnan(values)).any())
        self.register_buffer("fill_values", values, False)
        self.register_buffer(
            "restore_input", torch.tensor(list(restore_input), dtype=torch.long), False
        )
        self.register_buffer(
            "restore_output", torch.tensor(list(restore_output), dtype=torch.long), False
        )

    @classmethod
    def from_config(
        cls, config: ImputerConfig | None, indices: DataIndices, statistics: Statistics
    ) -> Imputer:
        """Build the imputer of the model's input variables from its config and statistics."""
        fill: list[float] = []
        restored: list[str] = []
        for name in indices.input:
            rule = config.rule_of(name) if config is not None else None
            if rule is None:
                fill.append(float("nan"))
                continue
            if rule.fill == "mean":
                fill.append(float(statistics.mean[indices.index_of(name)]))
            elif rule.fill == "zero":
                fill.append(0.0)
            else:
                fill.append(float(rule.fill))
            if indices.role_of(name) == "prognostic":
                restored.append(name)
        return cls(
            fill,
            indices.positions(restored, "input"),
            indices.positions(restored, "output"),
        )

    def fill(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return ``x`` with NaN replaced, and the mask to restore in the output.

        Parameters
        ----------
        x
            ``[..., steps, grid, n_input]`` in physical units.

        Returns
        -------
        filled
            ``x`` without NaN in the imputed variables.
        mask
            Boolean ``[..., grid, len(restore_output)]``: where each restored variable was NaN
            in the last input step; ``None`` when nothing is imputed.
        """
        if not self.active:
            return x, None
        missing = torch.isnan(x)
        filled = torch.where(missing, self.fill_values.to(x.dtype), x)
        mask = missing[..., -1, :, :].index_select(-1, self.restore_input)
        return filled, mask

    def restore(self, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Return ``y`` (``[..., grid, n_output]``) with NaN where ``mask`` says."""
        if mask is None or self.restore_output.numel() == 0:
            return y
        full = torch.zeros(y.shape, dtype=torch.bool, device=y.device)
        full = full.index_copy(-1, self.restore_output, mask)
        return torch.where(full, torch.full_like(y, float("nan")), y)

    def extra_repr(self) -> str:
        imputed = int((~torch.isnan(self.fill_values)).sum())
        return f"imputed={imputed}, restored={self.restore_output.numel()}"
