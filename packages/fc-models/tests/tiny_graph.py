"""A small encoder-processor-decoder graph and model configs for the network tests.

The graph imitates what fc-graphs builds (a grid, a coarser mesh, nearest-neighbour edges with
``edge_length`` and ``edge_dirs``) with plain torch, so the tests need neither fc-graphs nor
torch_geometric and each builds in milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from fc_config.model import ModelConfig
from fc_models.graph import GraphTensors

NUM_DATA, NUM_HIDDEN = 160, 48
KINDS = ["graph_transformer", "gnn", "transformer"]


def sphere_points(n: int, seed: int) -> torch.Tensor:
    """``n`` random (latitude, longitude) pairs in radians, uniform on the sphere."""
    generator = torch.Generator().manual_seed(seed)
    lat = torch.asin(2 * torch.rand(n, generator=generator, dtype=torch.float64) - 1)
    lon = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    return torch.stack([lat, lon], dim=1)


def _xyz(coords: torch.Tensor) -> torch.Tensor:
    lat, lon = coords[:, 0], coords[:, 1]
    return torch.stack([lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()], dim=1)


def knn_edges(source: torch.Tensor, target: torch.Tensor, k: int) -> dict[str, torch.Tensor]:
    """Each target joined to its ``k`` nearest sources, with length and direction attributes."""
    src_xyz, dst_xyz = _xyz(source), _xyz(target)
    nearest = torch.cdist(dst_xyz, src_xyz).topk(k, largest=False).indices
    src = nearest.flatten()
    dst = torch.arange(target.shape[0]).repeat_interleave(k)
    offset = src_xyz[src] - dst_xyz[dst]
    return {
        "edge_index": torch.stack([src, dst]),
        "edge_length": offset.norm(dim=1),
        "edge_dirs": offset,
    }


def make_graph(num_data: int = NUM_DATA, num_hidden: int = NUM_HIDDEN) -> GraphTensors:
    """Data and hidden node sets with encoder (k=5), processor (k=6) and decoder (k=3) edges."""
    data, hidden = sphere_points(num_data, 1), sphere_points(num_hidden, 2)
    return GraphTensors(
        nodes={"data": {"coords": data}, "hidden": {"coords": hidden}},
        edges={
            ("data", "to", "hidden"): knn_edges(data, hidden, 5),
            ("hidden", "to", "hidden"): knn_edges(hidden, hidden, 6),
            ("hidden", "to", "data"): knn_edges(hidden, data, 3),
        },
    )


def make_config(kind: str, **changes: Any) -> ModelConfig:
    """A small model of processor ``kind``: 16 channels, 2 layers, 4 heads, window 8."""
    processor: dict[str, Any] = {"kind": kind, "num_layers": 2}
    mapper: dict[str, Any] = {}
    if kind != "gnn":
        processor["num_heads"] = mapper["num_heads"] = 4
    if kind == "transformer":
        processor["window"] = 8
    document: dict[str, Any] = {
        "num_channels": 16,
        "processor": processor,
        "encoder": mapper,
        "decoder": dict(mapper),
        "trainable_parameters": {
            "data": 2,
            "hidden": 2,
            "data2hidden": 2,
            "hidden2hidden": 2,
            "hidden2data": 2,
        },
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(document.get(key), dict):
            document[key] = {**document[key], **value}
        else:
            document[key] = value
    return ModelConfig.model_validate(document)
