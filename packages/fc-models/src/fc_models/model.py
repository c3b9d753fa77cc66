"""The forecast model: a network wrapped in its pre- and post-processing, shared by training
and inference.

:class:`ForecastModel` takes physical fields in and gives physical fields out::

    x (physical, full or input variables)
      → select the input variables → imputer (NaN → fill) → normaliser
      → network → + last input state (residual, prognostic variables, normalised units)
      → denormaliser → bounding (physical units) → NaN mask restored
      → next state (physical, output variables)

The network (:func:`fc_models.network.build_network`) only ever sees normalised, gap-free
tensors and knows nothing of variables or units; everything about them lives in the wrappers,
which are built from the model's variables (:class:`~fc_models.indices.DataIndices`), the
dataset statistics and the :class:`~fc_config.model_processing.ProcessingConfig`. The
constants of the wrappers are rebuilt from the checkpoint's metadata; only the network's
tensors are stored.

Residual prediction: for each prognostic variable the network predicts the change over one
timestep in normalised units, which is added to the last input state in normalised units. A
network whose output is zero therefore predicts persistence. Diagnostic variables are
predicted directly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from fc_config.common import Statistics
from fc_config.model_processing import ProcessingConfig
from fc_models.exceptions import ModelInputError, VariablesError
from fc_models.indices import DataIndices
from fc_models.preprocessing.bounding import Bounding
from fc_models.preprocessing.imputer import Imputer
from fc_models.preprocessing.normaliser import Normaliser, as_statistics
from fc_utils.dates import frequency_to_string, parse_frequency

if TYPE_CHECKING:
    from fc_config.metadata.checkpoint import CheckpointMetadata
    from fc_config.model import ModelConfig
    from fc_models.graph import GraphTensors

__all__ = ["Forcings", "ForecastModel"]

_LOG = logging.getLogger(__name__)

#: Forcings of a rollout: a tensor ``[steps, batch, grid, n_forcing]``, or a function of the
#: step index returning ``[batch, grid, n_forcing]``.
Forcings = torch.Tensor | Callable[[int], torch.Tensor] | None


def _build_network(
    config: ModelConfig, graph: GraphTensors, num_inputs: int, num_outputs: int, multistep: int
) -> torch.nn.Module:
    from fc_models.network import build_network

    return build_network(
        config, graph, num_inputs=num_inputs, num_outputs=num_outputs, multistep=multistep
    )


class ForecastModel(torch.nn.Module):
    """A network and the wrappers that make it a forecast model in physical units.

    Parameters
    ----------
    config
        The model's own config section (architecture and hyper-parameters).
    graph
        The graph the network runs on.
    indices
        The variables, their roles and order.
    statistics
        ``mean``, ``stdev``, ``minimum`` and ``maximum`` per variable, aligned with
        ``indices.variables`` (the dataset's statistics).
    timestep
        Time the model advances in one step (``"6h"``, a timedelta...).
    multistep
        Number of past states the model reads.
    processing
        Normaliser, imputer and bounding; by default ``config.processing`` when the config
        has one, else :class:`~fc_config.model_processing.ProcessingConfig` defaults.
    network
        A network to wrap instead of building one from ``config`` (it must follow the
        contract of :func:`fc_models.network.build_network`: ``[batch, multistep, grid,
        n_input]`` normalised in, ``[batch, grid, n_output]`` normalised increments out).

    Raises
    ------
    ConfigError
        When the processing config names unknown variables or bounds a forcing.
    VariablesError
        When the statistics do not match the variables.
    """

    _full_to_input: torch.Tensor
    _prognostic_input: torch.Tensor
    _prognostic_output: torch.Tensor
    _forcing_input: torch.Tensor

    def __init__(
        self,
        config: ModelConfig,
        *,
        graph: GraphTensors,
        indices: DataIndices,
        statistics: Statistics | Mapping[str, Sequence[float]],
        timestep: str | dt.timedelta = "6h",
        multistep: int = 1,
        processing: ProcessingConfig | None = None,
        network: torch.nn.Module | None = None,
    ) -> None:
        super().__init__()
        if multistep < 1:
            raise ModelInputError(f"multistep is {multistep}; it must be at least 1.")
        stats = as_statistics(statistics)
        if len(stats.mean) != len(indices.variables):
            raise VariablesError(
                f"the statistics hold {len(stats.mean)} values per statistic, but the model "
                f"has {len(indices.variables)} variables ({', '.join(indices.variables)}).",
                hint="Give statistics aligned with the variables, in the dataset's order.",
            )
        if processing is None:
            processing = getattr(config, "processing", None) or ProcessingConfig()
        processing.check_variables(
            indices.variables,
            prognostic=indices.prognostic,
            forcing=indices.forcing,
            diagnostic=indices.diagnostic,
        )
        self.config = config
        self.processing = processing
        self.graph = graph
        self.indices = indices
        self.statistics = stats
        self.timestep = frequency_to_string(timestep)
        self.multistep = int(multistep)
        #: The checkpoint metadata the model was loaded from, if any (set by load_checkpoint).
        self.metadata: CheckpointMetadata | None = None

        self.input_normaliser = Normaliser.from_statistics(
            stats, indices.variables, indices.input, processing.normaliser
        )
        self.output_normaliser = Normaliser.from_statistics(
            stats, indices.variables, indices.output, processing.normaliser
        )
        self.imputer = Imputer.from_config(processing.imputer, indices, stats)
        self.bounding = Bounding(processing.bounding, indices.output)
        if network is None:
            network = _build_network(
                config, graph, len(indices.input), len(indices.output), self.multistep
            )
        self.network = network
        self.register_buffer("_full_to_input", indices.full_to_input, False)
        self.register_buffer("_prognostic_input", indices.prognostic_input, False)
        self.register_buffer("_prognostic_output", indices.prognostic_output, False)
        self.register_buffer("_forcing_input", indices.forcing_input, False)

    # --- sizes ----------------------------------------------------------------------------------

    @property
    def num_inputs(self) -> int:
        """Number of input variables (prognostic and forcing)."""
        return len(self.indices.input)

    @property
    def num_outputs(self) -> int:
        """Number of output variables (prognostic and diagnostic)."""
        return len(self.indices.output)

    @property
    def timedelta(self) -> dt.timedelta:
        """The timestep as a :class:`datetime.timedelta`."""
        return parse_frequency(self.timestep)

    # --- the layers of a step -------------------------------------------------------------------

    def select_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """Return the input variables of ``x``, whose last dimension holds the full or input variables.

        Raises
        ------
        ModelInputError
            When ``x`` is not ``[batch, multistep, grid, variables]`` with ``multistep`` steps
            and the full or input number of variables.
        """
        if x.ndim != 4:
            raise ModelInputError(
                f"the input has shape {tuple(x.shape)}; expected 4 dimensions "
                "[batch, multistep, grid, variables]."
            )
        if x.shape[1] != self.multistep:
            raise ModelInputError(
                f"the input has {x.shape[1]} time steps; this model reads {self.multistep}."
            )
        if x.shape[-1] == len(self.indices.variables):
            return x.index_select(-1, self._full_to_input)
        if x.shape[-1] == self.num_inputs:
            return x
        raise ModelInputError(
            f"the input has {x.shape[-1]} variables; expected all {len(self.indices.variables)} "
            f"({', '.join(self.indices.variables)}) or the {self.num_inputs} input variables "
            f"({', '.join(self.indices.input)})."
        )

    def prepare_input(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Impute and normalise a physical input: what the network reads.

        Parameters
        ----------
        x
            ``[batch, multistep, grid, n]`` in physical units, ``n`` the full or input
            number of variables in dataset order.

        Returns
        -------
        x_norm
            ``[batch, multistep, grid, n_input]``, normalised, without NaN in imputed variables.
        mask
            The NaN mask to restore in the output (see :mod:`fc_models.preprocessing.imputer`),
            or ``None``.
        """
        filled, mask = self.imputer.fill(self.select_inputs(x))
        return self.input_normaliser.normalise(filled), mask

    def predict_raw(self, x_norm: torch.Tensor) -> torch.Tensor:
        """Network plus residual: the next state in normalised units, before bounding.

        ``x_norm`` is ``[batch, multistep, grid, n_input]`` as :meth:`prepare_input` returns it.
        """
        increment = self.network(x_norm)
        last = x_norm[:, -1].index_select(-1, self._prognostic_input)
        return increment.index_add(-1, self._prognostic_output, last)

    def predict_physical(self, x_norm: torch.Tensor) -> torch.Tensor:
        """The next state in physical units, bounded, without the NaN mask restored."""
        y_norm = self.predict_raw(x_norm)
        return self.bounding(self.output_normaliser.denormalise(y_norm), y_norm)

    def predict_normalised(self, x_norm: torch.Tensor) -> torch.Tensor:
        """The next state in normalised units, bounded: what a training loss compares.

        Parameters
        ----------
        x_norm
            ``[batch, multistep, grid, n_input]``, normalised and imputed (see
            :meth:`prepare_input`).

        Returns
        -------
        torch.Tensor
            ``[batch, grid, n_output]``; bounds hold in physical units after denormalisation.
        """
        return self.output_normaliser.normalise(self.predict_physical(x_norm))

    # --- one step and a rollout -----------------------------------------------------------------

    def step(self, x: torch.Tensor) -> torch.Tensor:
        """Predict the state one timestep after the last input state.

        Parameters
        ----------
        x
            ``[batch, multistep, grid, n]`` in physical units, oldest step first; ``n`` is the
            full number of variables (diagnostic ones are ignored and may be NaN) or the input
            number, in dataset order. Each step holds the forcings valid at its time.

        Returns
        -------
        torch.Tensor
            ``[batch, grid, n_output]`` in physical units, output variables in dataset order
            (:attr:`DataIndices.output`), bounded, NaN where the imputer's mask says.
        """
        x_norm, mask = self.prepare_input(x)
        return self.imputer.restore(self.predict_physical(x_norm), mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same as :meth:`step`."""
        return self.step(x)

    def advance(
        self, x: torch.Tensor, y: torch.Tensor, forcing: torch.Tensor | None
    ) -> torch.Tensor:
        """Shift the input window by one step: drop the oldest state, append the prediction.

        Parameters
        ----------
        x
            ``[batch, multistep, grid, n_input]``, the current input window.
        y
            ``[batch, grid, n_output]``, the prediction for the next time (same units as ``x``).
        forcing
            ``[batch, grid, n_forcing]``, the forcings valid at the prediction's time, in the
            order of :attr:`DataIndices.forcing`; ``None`` only for a model without forcings.

        Returns
        -------
        torch.Tensor
            ``[batch, multistep, grid, n_input]``, the window for the next step.
        """
        n_forcing = len(self.indices.forcing)
        batch, _, grid, _ = x.shape
        new = x.new_zeros((batch, grid, self.num_inputs))
        new = new.index_copy(
            -1, self._prognostic_input, y.index_select(-1, self._prognostic_output)
        )
        if n_forcing:
            if forcing is None:
                raise ModelInputError(
                    f"the model has {n_forcing} forcing(s) ({', '.join(self.indices.forcing)}), "
                    "but no forcing was given for the next step."
                )
            expected = (batch, grid, n_forcing)
            if tuple(forcing.shape) != expected:
                raise ModelInputError(
                    f"the forcing has shape {tuple(forcing.shape)}; expected {expected} "
                    f"[batch, grid, forcings ({', '.join(self.indices.forcing)})]."
                )
            new = new.index_copy(-1, self._forcing_input, forcing.to(new.dtype))
        return torch.cat([x[:, 1:], new.unsqueeze(1)], dim=1)

    def rollout(self, x: torch.Tensor, forcings: Forcings, steps: int) -> Iterator[torch.Tensor]:
        """Forecast ``steps`` timesteps autoregressively, yielding each predicted state.

        Each new input is the previous window shifted by one step, its newest state made of
        the prediction's prognostic variables and the forcings valid at the prediction's time.
        Gradients flow through the whole rollout (for training); wrap the loop in
        ``torch.no_grad()`` or ``torch.inference_mode()`` for inference.

        Parameters
        ----------
        x
            The initial window, as for :meth:`step`.
        forcings
            The forcings at the valid time of each prediction, in the order of
            :attr:`DataIndices.forcing`: a tensor ``[steps, batch, grid, n_forcing]`` whose entry
            ``i`` is valid at lead time ``(i + 1) * timestep``, or a function that returns that
            entry for ``i``. Entry ``steps - 1`` is never needed (no step follows the last), so a
            tensor of ``steps - 1`` entries is enough. ``None`` for a model without forcings.
        steps
            Number of timesteps.

        Yields
        ------
        torch.Tensor
            ``[batch, grid, n_output]`` in physical units, one per step (see :meth:`step`).

        Examples
        --------
        >>> with torch.inference_mode():                                   # doctest: +SKIP
        ...     states = torch.stack(list(model.rollout(x0, forcings, steps=8)))
        """
        if steps < 0:
            raise ModelInputError(f"steps is {steps}; it must be zero or more.")
        if isinstance(forcings, torch.Tensor) and steps > 1 and forcings.shape[0] < steps - 1:
            raise ModelInputError(
                f"forcings has {forcings.shape[0]} entries along its first dimension; "
                f"a rollout of {steps} steps needs at least {steps - 1}."
            )
        window = self.select_inputs(x)
        for i in range(steps):
            y = self.step(window)
            yield y
            if i + 1 < steps:
                window = self.advance(window, y, self._forcing_at(forcings, i))

    def _forcing_at(self, forcings: Forcings, i: int) -> torch.Tensor | None:
        if forcings is None:
            return None
        if isinstance(forcings, torch.Tensor):
            return forcings[i]
        return forcings(i)

    # --- description ----------------------------------------------------------------------------

    def parameter_count(self, trainable_only: bool = False) -> int:
        """Number of parameters of the network (all, or the trainable ones)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    def extra_repr(self) -> str:
        return (
            f"inputs={self.num_inputs}, outputs={self.num_outputs}, multistep={self.multistep}, "
            f"timestep={self.timestep}"
        )

    def describe(self) -> dict[str, Any]:
        """Return a JSON-ready summary: variables by role, timestep, input steps, parameters."""
        return {
            **self.indices.to_dict(),
            "timestep": self.timestep,
            "multistep_input": self.multistep,
            "parameters": self.parameter_count(),
            "processing": self.processing.model_dump(mode="json"),
        }
