"""The encoder-processor-decoder network, built from its config section, the graph and two sizes.

::

    x [batch, multistep, grid, num_inputs]          normalised inputs, no NaN
      │  time steps flattened into features, + sin/cos of latitude and longitude,
      │  + data-node attributes, + learned per-point features
      ▼
    encoder  (grid → mesh, along the encoder edges)
    processor (mesh → mesh: graph transformer / interaction networks / transformer)
    decoder  (mesh → grid, along the decoder edges; the grid's embedded inputs are the targets)
      ▼
    y [batch, grid, num_outputs]                    normalised, before any residual is added

The network holds the graph's tensors as non-persistent buffers: they are not in the
``state_dict``, because a checkpoint stores the graph once, by itself (:meth:`GraphTensors.to_flat`).
Rebuilding is ``build_network(config, GraphTensors.from_flat(...), ...)`` then
``load_state_dict``; parameter names depend on the config only.
"""

from __future__ import annotations

import logging
import math

import torch
from torch import Tensor, nn

from fc_config.model import ModelConfig
from fc_models.exceptions import ModelError
from fc_models.graph import GraphTensors
from fc_models.layers.edges import EdgeSet
from fc_models.layers.mappers import Mapper
from fc_models.layers.processors import (
    GnnProcessor,
    GraphTransformerProcessor,
    TransformerProcessor,
)

__all__ = ["EncoderProcessorDecoder", "build_network", "count_parameters"]

_LOG = logging.getLogger(__name__)


def build_network(
    config: ModelConfig,
    graph: GraphTensors,
    *,
    num_inputs: int,
    num_outputs: int,
    multistep: int = 1,
) -> EncoderProcessorDecoder:
    """Build the network that ``config`` describes on ``graph``.

    Parameters
    ----------
    config
        The model section of the config.
    graph
        The graph: the data and hidden node sets and the encoder, processor (not needed by a
        transformer processor) and decoder edge sets that ``config`` names.
    num_inputs
        Variables per grid point and time step in the input (prognostic and forcing).
    num_outputs
        Variables per grid point in the output (prognostic and diagnostic).
    multistep
        Number of input time steps.

    Raises
    ------
    ModelError
        If the graph lacks a node set, edge set or attribute the config names (the message
        lists what the graph has), or a size is not positive.
    """
    return EncoderProcessorDecoder(
        config, graph, num_inputs=num_inputs, num_outputs=num_outputs, multistep=multistep
    )


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _sin_cos(coords: Tensor) -> Tensor:
    """``[sin lat, sin lon, cos lat, cos lon]`` per node: position without a seam at ±180°."""
    coords = coords.to(torch.float64)
    return torch.cat([coords.sin(), coords.cos()], dim=1).to(torch.get_default_dtype())


def _as_columns(tensor: Tensor) -> Tensor:
    """An attribute as ``[n, k]`` floats (a vector becomes one column)."""
    return tensor.reshape(tensor.shape[0], -1).to(torch.get_default_dtype())


class EncoderProcessorDecoder(nn.Module):
    """The network; build it with :func:`build_network`.

    ``forward(x)`` maps ``[batch, multistep, grid, num_inputs]`` to
    ``[batch, grid, num_outputs]``.
    """

    data_features: Tensor
    hidden_features: Tensor

    def __init__(
        self,
        config: ModelConfig,
        graph: GraphTensors,
        *,
        num_inputs: int,
        num_outputs: int,
        multistep: int,
    ) -> None:
        super().__init__()
        for name, value in (
            ("num_inputs", num_inputs),
            ("num_outputs", num_outputs),
            ("multistep", multistep),
        ):
            if value < 1:
                raise ModelError(f"{name} must be at least 1, got {value}")
        self.num_inputs, self.num_outputs, self.multistep = num_inputs, num_outputs, multistep
        cfg = config
        data_set = graph.node_set(cfg.data_nodes)
        hidden_set = graph.node_set(cfg.hidden_nodes)
        self.num_data, self.num_hidden = (
            graph.num_nodes(cfg.data_nodes),
            graph.num_nodes(cfg.hidden_nodes),
        )
        data_static = [_sin_cos(data_set["coords"])] + [
            _as_columns(graph.attribute(data_set, a, f"node set {cfg.data_nodes!r}"))
            for a in cfg.attributes.nodes
        ]
        self.register_buffer("data_features", torch.cat(data_static, dim=1), persistent=False)
        self.register_buffer("hidden_features", _sin_cos(hidden_set["coords"]), persistent=False)
        sizes = cfg.trainable_parameters
        self.data_embedding = self._embedding(self.num_data, sizes.data)
        self.hidden_embedding = self._embedding(self.num_hidden, sizes.hidden)
        data_width = multistep * num_inputs + self.data_features.shape[1] + sizes.data
        hidden_width = self.hidden_features.shape[1] + sizes.hidden

        c = cfg.num_channels
        ckpt_mappers = cfg.activation_checkpointing == "all"
        ckpt_processor = cfg.activation_checkpointing != "none"
        common = {"channels": c, "activation": cfg.activation, "norm": cfg.norm}
        enc, dec, proc = cfg.encoder, cfg.decoder, cfg.processor
        self.encoder = Mapper(
            enc.kind,
            self._edges(graph, cfg, cfg.data_nodes, cfg.hidden_nodes, sizes.data2hidden),
            src_features=data_width,
            dst_features=hidden_width,
            outputs=None,
            num_heads=getattr(enc, "num_heads", 1),
            mlp_hidden=_hidden(c, enc.mlp_hidden_ratio),
            mlp_extra_layers=getattr(enc, "mlp_extra_layers", 0),
            num_chunks=enc.num_chunks,
            checkpoint=ckpt_mappers,
            **common,  # type: ignore[arg-type]
        )
        self.processor: nn.Module
        if proc.kind == "transformer":
            self.processor = TransformerProcessor(
                hidden_set["coords"],
                num_layers=proc.num_layers,
                num_heads=proc.num_heads,
                mlp_hidden=_hidden(c, proc.mlp_hidden_ratio),
                window=proc.window,
                dropout=proc.dropout,
                num_chunks=proc.num_chunks,
                checkpoint=ckpt_processor,
                **common,  # type: ignore[arg-type]
            )
        else:
            edges = self._edges(graph, cfg, cfg.hidden_nodes, cfg.hidden_nodes, sizes.hidden2hidden)
            if proc.kind == "gnn":
                self.processor = GnnProcessor(
                    edges,
                    num_layers=proc.num_layers,
                    mlp_hidden=_hidden(c, proc.mlp_hidden_ratio),
                    mlp_extra_layers=proc.mlp_extra_layers,
                    num_chunks=proc.num_chunks,
                    checkpoint=ckpt_processor,
                    **common,  # type: ignore[arg-type]
                )
            else:
                self.processor = GraphTransformerProcessor(
                    edges,
                    num_layers=proc.num_layers,
                    num_heads=proc.num_heads,
                    mlp_hidden=_hidden(c, proc.mlp_hidden_ratio),
                    num_chunks=proc.num_chunks,
                    checkpoint=ckpt_processor,
                    **common,  # type: ignore[arg-type]
                )
        self.decoder = Mapper(
            dec.kind,
            self._edges(graph, cfg, cfg.hidden_nodes, cfg.data_nodes, sizes.hidden2data),
            src_features=None,
            dst_features=data_width,
            outputs=num_outputs,
            num_heads=getattr(dec, "num_heads", 1),
            mlp_hidden=_hidden(c, dec.mlp_hidden_ratio),
            mlp_extra_layers=getattr(dec, "mlp_extra_layers", 0),
            num_chunks=dec.num_chunks,
            checkpoint=ckpt_mappers,
            zero_init=dec.initialise_data_extractor_zero,
            **common,  # type: ignore[arg-type]
        )
        _LOG.debug("built a %s network: %d parameters", proc.kind, count_parameters(self))

    @staticmethod
    def _embedding(rows: int, size: int) -> nn.Parameter | None:
        return nn.Parameter(torch.zeros(rows, size)) if size > 0 else None

    @staticmethod
    def _edges(
        graph: GraphTensors, cfg: ModelConfig, source: str, target: str, trainable: int
    ) -> EdgeSet:
        arrays = graph.edge_set(source, cfg.edge_name, target)
        what = f"edge set {source} -{cfg.edge_name}-> {target}"
        index = arrays["edge_index"]
        features = [_as_columns(graph.attribute(arrays, a, what)) for a in cfg.attributes.edges]
        fixed = (
            torch.cat(features, dim=1)
            if features
            else torch.zeros(index.shape[1], 0, dtype=torch.get_default_dtype())
        )
        if fixed.shape[1] + trainable == 0:
            raise ModelError(
                f"{what} would have no edge features",
                hint="List edge attributes under attributes.edges or give the edges learned "
                "features under trainable_parameters.",
            )
        return EdgeSet(index, fixed, graph.num_nodes(source), graph.num_nodes(target), trainable)

    def forward(self, x: Tensor) -> Tensor:
        """Map ``x`` ``[batch, multistep, grid, num_inputs]`` to ``[batch, grid, num_outputs]``."""
        expected = (self.multistep, self.num_data, self.num_inputs)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ModelError(
                f"expected input [batch, {expected[0]}, {expected[1]}, {expected[2]}] "
                f"(batch, multistep, grid, num_inputs), got {list(x.shape)}"
            )
        batch = x.shape[0]
        # node-major layout [nodes, batch, features]: see fc_models.layers.sparse
        inputs = x.permute(2, 0, 1, 3).reshape(self.num_data, batch, -1)
        static = self._static(self.data_features, self.data_embedding)
        data_in = torch.cat([inputs, static[:, None].expand(-1, batch, -1)], dim=-1)
        hidden = self._static(self.hidden_features, self.hidden_embedding)
        hidden_in = hidden[:, None].expand(-1, batch, -1)
        latent = self.encoder(data_in, hidden_in)
        latent = self.processor(latent)
        out = self.decoder(latent, data_in)
        return out.transpose(0, 1).contiguous()

    @staticmethod
    def _static(fixed: Tensor, learned: Tensor | None) -> Tensor:
        return fixed if learned is None else torch.cat([fixed, learned], dim=1)


def _hidden(channels: int, ratio: float) -> int:
    """Hidden width of an MLP: ``ratio × channels``, at least one."""
    return max(1, math.floor(channels * ratio + 0.5))
