"""Tiny variables, statistics and networks for the tests of the wrappers around the network.

The networks follow the contract of :func:`fc_models.network.build_network` (normalised
``[batch, multistep, grid, n_input]`` in, normalised increments ``[batch, grid, n_output]``
out) while being small and transparent enough to reason about exactly.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from fc_config.model import ModelConfig
from fc_config.model_processing import ProcessingConfig
from fc_models.graph import GraphTensors
from fc_models.indices import DataIndices
from fc_models.model import ForecastModel

#: Geopotential, 2 m temperature, sea-surface temperature (NaN over land), land-sea mask,
#: total and convective precipitation.
VARIABLES = ["z", "2t", "sst", "lsm", "tp", "cp"]
PROGNOSTIC = ["z", "2t", "sst"]
FORCING = ["lsm"]
DIAGNOSTIC = ["tp", "cp"]

STATISTICS: dict[str, list[float]] = {
    "mean": [50000.0, 280.0, 290.0, 0.3, 0.001, 0.0004],
    "stdev": [3000.0, 15.0, 8.0, 0.45, 0.002, 0.001],
    "minimum": [40000.0, 200.0, 270.0, 0.0, 0.0, 0.0],
    "maximum": [60000.0, 330.0, 310.0, 1.0, 0.1, 0.05],
}

GRID = 6


def indices() -> DataIndices:
    """The roles of :data:`VARIABLES`."""
    return DataIndices(VARIABLES, prognostic=PROGNOSTIC, forcing=FORCING, diagnostic=DIAGNOSTIC)


class ZeroNetwork(torch.nn.Module):
    """Predicts no change at all: the model must then give persistence."""

    def __init__(self, num_outputs: int) -> None:
        super().__init__()
        self.num_outputs = num_outputs
        self.weight = torch.nn.Parameter(torch.zeros(()))  # something for gradients to reach

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, grid, _ = x.shape
        return x.new_zeros((batch, grid, self.num_outputs)) * self.weight


class LinearNetwork(torch.nn.Module):
    """A per-grid-point linear map of the whole input window (every input visibly matters)."""

    def __init__(self, num_inputs: int, num_outputs: int, multistep: int, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.linear = torch.nn.Linear(num_inputs * multistep, num_outputs)
        with torch.no_grad():
            self.linear.weight.copy_(
                0.3 * torch.randn(self.linear.weight.shape, generator=generator)
            )
            self.linear.bias.copy_(0.1 * torch.randn(self.linear.bias.shape, generator=generator))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, grid, channels = x.shape
        flat = x.permute(0, 2, 1, 3).reshape(batch, grid, steps * channels)
        return self.linear(flat)


class ConstantNetwork(torch.nn.Module):
    """Outputs the same normalised value everywhere (to push outputs past their bounds)."""

    def __init__(self, num_outputs: int, value: float) -> None:
        super().__init__()
        self.num_outputs = num_outputs
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, grid, _ = x.shape
        return x.new_full((batch, grid, self.num_outputs), self.value)


def make_model(
    network: str | torch.nn.Module = "linear",
    *,
    multistep: int = 2,
    processing: ProcessingConfig | dict[str, Any] | None = None,
) -> ForecastModel:
    """A :class:`ForecastModel` on :data:`VARIABLES` around a test network."""
    idx = indices()
    if network == "linear":
        network = LinearNetwork(len(idx.input), len(idx.output), multistep)
    elif network == "zero":
        network = ZeroNetwork(len(idx.output))
    if isinstance(processing, dict):
        processing = ProcessingConfig.model_validate(processing)
    assert isinstance(network, torch.nn.Module)
    return ForecastModel(
        None,  # type: ignore[arg-type]  # the test networks need no config
        graph=None,  # type: ignore[arg-type]
        indices=idx,
        statistics=STATISTICS,
        timestep="6h",
        multistep=multistep,
        processing=processing,
        network=network,
    )


def physical_state(batch: int = 2, steps: int = 2, seed: int = 1) -> torch.Tensor:
    """A plausible physical input ``[batch, steps, GRID, len(VARIABLES)]`` without NaN."""
    generator = torch.Generator().manual_seed(seed)
    mean = torch.tensor(STATISTICS["mean"])
    stdev = torch.tensor(STATISTICS["stdev"])
    x = mean + stdev * torch.randn((batch, steps, GRID, len(VARIABLES)), generator=generator)
    x[..., VARIABLES.index("lsm")] = (x[..., VARIABLES.index("lsm")] > 0.3).float()
    for name in ("tp", "cp"):
        x[..., VARIABLES.index(name)] = x[..., VARIABLES.index(name)].abs()
    return x


# --- the real network on a tiny graph -------------------------------------------------------

#: A tiny network with every component (encoder, processor, decoder): a few hundred parameters.
TINY_CONFIG: dict[str, Any] = {
    "num_channels": 4,
    "processor": {"kind": "gnn", "num_layers": 1, "mlp_hidden_ratio": 1.0},
    "trainable_parameters": {
        "data": 0,
        "hidden": 0,
        "data2hidden": 1,
        "hidden2hidden": 1,
        "hidden2data": 1,
    },
    "attributes": {"edges": [], "nodes": []},
}


def tiny_graph() -> GraphTensors:
    """:data:`GRID` points on the equator, 3 mesh nodes; each point linked to its nearest."""
    data_lon = torch.arange(GRID, dtype=torch.float64) * (2 * math.pi / GRID)
    hidden_lon = torch.arange(3, dtype=torch.float64) * (2 * math.pi / 3)
    data = torch.stack([torch.zeros(GRID, dtype=torch.float64), data_lon], 1)
    hidden = torch.stack([torch.zeros(3, dtype=torch.float64), hidden_lon], 1)
    nearest = torch.arange(GRID) // (GRID // 3)
    ring = torch.arange(3)
    return GraphTensors(
        nodes={"data": {"coords": data}, "hidden": {"coords": hidden}},
        edges={
            ("data", "to", "hidden"): {"edge_index": torch.stack([torch.arange(GRID), nearest])},
            ("hidden", "to", "hidden"): {
                "edge_index": torch.stack(
                    [torch.cat([ring, (ring + 1) % 3]), torch.cat([(ring + 1) % 3, ring])]
                )
            },
            ("hidden", "to", "data"): {"edge_index": torch.stack([nearest, torch.arange(GRID)])},
        },
    )


def make_real_model(multistep: int = 2, seed: int = 0, **processing: Any) -> ForecastModel:
    """A ForecastModel around the real network (:func:`fc_models.network.build_network`)."""
    torch.manual_seed(seed)
    return ForecastModel(
        ModelConfig.model_validate(TINY_CONFIG),
        graph=tiny_graph(),
        indices=indices(),
        statistics=STATISTICS,
        timestep="6h",
        multistep=multistep,
        processing=ProcessingConfig.model_validate(processing),
    )
