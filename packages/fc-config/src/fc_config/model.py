"""The model config: the architecture and hyper-parameters of an encoder-processor-decoder network.

An fc network maps the fields on the data grid to a latent mesh (the *encoder*), updates the
latent mesh several times (the *processor*) and maps it back to the grid (the *decoder*), as
GraphCast and Anemoi do::

    num_channels: 512
    processor: {kind: graph_transformer, num_layers: 16, num_heads: 16, mlp_hidden_ratio: 4}
    encoder: {num_heads: 16}          # the kind follows the processor's unless given
    decoder: {num_heads: 16}
    trainable_parameters: {data: 8, hidden: 8, data2hidden: 8, hidden2hidden: 8, hidden2data: 8}
    attributes: {edges: [edge_length, edge_dirs], nodes: []}
    activation_checkpointing: none

``ModelConfig()`` with no arguments is a GraphCast-sized graph-transformer model. Three processors
are chosen by ``kind``: ``gnn`` (interaction networks with edge latents, as GraphCast),
``graph_transformer`` (attention along the mesh edges with edge features, Anemoi's default) and
``transformer`` (full or sliding-window attention over the mesh nodes). The encoder and decoder are
``gnn`` or ``graph_transformer`` mappers; left without a ``kind`` they match the processor
(``transformer`` processors get graph-transformer mappers, as in Anemoi).

Anemoi's spellings
------------------
Keys keep Anemoi's names where the meaning is the same (``num_channels``, ``num_layers``,
``num_chunks``, ``num_heads``, ``mlp_hidden_ratio``, ``trainable_parameters``, ``attributes``,
``initialise_data_extractor_zero``; ``window_size``, ``dropout_p`` and ``hidden_nodes_name`` are
accepted for ``window``, ``dropout`` and ``hidden_nodes``). What Anemoi writes per component but fc
sets once for the model (``num_channels``, ``trainable_size``, ``sub_graph_edge_attributes``,
``gradient_checkpointing``) and ``_target_`` class paths are errors that say which key to write
instead, so that a converted config is never silently different.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, BeforeValidator, Field, model_validator

from fc_config.base import FcModel
from fc_config.recipes.dates import problem, raise_problems

__all__ = [
    "ANEMOI_COMPONENTS",
    "Activation",
    "Attributes",
    "Decoder",
    "Encoder",
    "GnnDecoder",
    "GnnMapper",
    "GnnProcessor",
    "GraphTransformerDecoder",
    "GraphTransformerMapper",
    "GraphTransformerProcessor",
    "ModelConfig",
    "Norm",
    "Processor",
    "TrainableParameters",
    "TransformerProcessor",
]

#: Activation function of every MLP.
Activation = Literal["gelu", "silu", "relu", "tanh"]
#: Normalisation layer used throughout the network.
Norm = Literal["layer_norm", "rms_norm"]

#: Anemoi class names (last part of ``_target_``) -> the fc ``kind`` to write instead.
ANEMOI_COMPONENTS: dict[str, str] = {
    "GNNProcessor": "gnn",
    "GraphTransformerProcessor": "graph_transformer",
    "TransformerProcessor": "transformer",
    "GNNForwardMapper": "gnn",
    "GNNBackwardMapper": "gnn",
    "GraphTransformerForwardMapper": "graph_transformer",
    "GraphTransformerBackwardMapper": "graph_transformer",
    "TransformerForwardMapper": "graph_transformer (fc has no transformer mapper)",
    "TransformerBackwardMapper": "graph_transformer (fc has no transformer mapper)",
}

# Keys Anemoi sets per component that fc sets once, or does not have -> what to write instead.
_COMPONENT_KEYS: dict[str, str] = {
    "num_channels": "fc sets the width once for the whole network: write num_channels at the "
    "model level",
    "trainable_size": "fc sets trainable edge features under trainable_parameters "
    "(data2hidden, hidden2hidden, hidden2data)",
    "sub_graph_edge_attributes": "fc takes the edge attributes from attributes.edges, for "
    "every edge set",
    "gradient_checkpointing": "fc sets activation checkpointing once: "
    "activation_checkpointing: none | processor | all",
    "cpu_offload": "fc does not offload layers to the CPU; leave the key out",
    "layer_kernels": "fc chooses layers with activation and norm at the model level",
    "attention_implementation": "fc always uses torch's scaled_dot_product_attention; leave "
    "the key out",
}

# Keys of Anemoi's model section that are not model-architecture settings in fc.
_MODEL_KEYS: dict[str, str] = {
    "_target_": "fc has one network class; choose the processor with processor.kind",
    "_convert_": "fc configs are not instantiated by Hydra; leave the key out",
    "model": "Anemoi's model.model._target_ is not needed: fc has one network class",
    "bounding": "output bounding is a post-processing step, configured with the model's "
    "processing settings",
    "output_mask": "fc has no output mask; restrict the data nodes in the graph instead",
    "residual": "the residual connection of prognostic variables is always on in fc",
    "latent_skip": "fc has no latent skip connection; leave the key out",
    "node_loss_weight": "loss weights are part of the training config",
    "cpu_offload": "fc does not offload layers to the CPU; leave the key out",
    "keep_batch_sharded": "fc shards nothing inside the model; leave the key out",
    "layer_kernels": "fc chooses layers with activation and norm",
}


def _explain_anemoi(value: Any, keys: dict[str, str], where: str) -> Any:
    """Raise one error naming every Anemoi-only key in ``value``, with what to write instead."""
    if not isinstance(value, dict):
        return value
    found = [key for key in keys if key in value]
    if not found:
        return value
    messages = []
    for key in found:
        if key == "_target_":
            target = str(value["_target_"])
            name = target.rpartition(".")[2]
            kind = ANEMOI_COMPONENTS.get(name)
            messages.append(
                f"_target_ {target!r} is Anemoi's way to select a class; fc selects by kind: "
                + (f"write kind: {kind}" if kind else keys["_target_"])
            )
        else:
            messages.append(f"{key!r} is an Anemoi key of the {where}: {keys[key]}")
    raise ValueError("; ".join(messages))


def _component_keys(where: str) -> Any:
    """A validator explaining Anemoi-only keys of a processor, encoder or decoder."""

    def check(value: Any) -> Any:
        return _explain_anemoi(value, {**_COMPONENT_KEYS, "_target_": "see the kinds"}, where)

    return check


class _Component(FcModel):
    """Base of processors and mappers: turns Anemoi-only keys into explained errors."""

    WHERE: ClassVar[str] = "component"

    @model_validator(mode="before")
    @classmethod
    def _anemoi_keys(cls, value: Any) -> Any:
        return _component_keys(cls.WHERE)(value)


# --- processors -------------------------------------------------------------------------------


class GnnProcessor(_Component):
    """Interaction networks on the mesh edges, as in GraphCast.

    Each layer updates every edge latent from itself and its two end nodes with an MLP, sums the
    new edge latents at each target node and updates the node with a second MLP; both updates
    are residual and end with a normalisation layer.
    """

    WHERE: ClassVar[str] = "processor"

    kind: Literal["gnn"]
    """Selects interaction networks (Anemoi's ``GNNProcessor``)."""

    num_layers: int = Field(16, ge=0)
    """Number of message-passing layers (GraphCast uses 16)."""

    mlp_hidden_ratio: float = Field(1.0, gt=0)
    """Width of the MLPs' hidden layers as a multiple of ``num_channels``."""

    mlp_extra_layers: int = Field(0, ge=0)
    """Hidden layers added to each MLP beyond the first (Anemoi's ``mlp_extra_layers``)."""

    num_chunks: int = Field(1, ge=1)
    """Split each layer's edges and target nodes into this many chunks, computed one after the
    other, to bound peak memory; the result is the same up to rounding."""


class GraphTransformerProcessor(_Component):
    """Attention along the mesh edges, with edge features (Anemoi's ``GraphTransformerProcessor``).

    Each node attends to the nodes with an edge to it (Shi et al. 2021, "Masked label
    prediction"): queries come from the target node, keys and values from the source node plus
    a projection of the edge's features; a softmax over each node's incoming edges weighs the
    values. An MLP block follows; both blocks are residual with normalisation first.
    """

    WHERE: ClassVar[str] = "processor"

    kind: Literal["graph_transformer"]
    """Selects the graph transformer."""

    num_layers: int = Field(16, ge=0)
    """Number of layers."""

    num_heads: int = Field(16, ge=1)
    """Number of attention heads; ``num_channels`` must be a multiple of it."""

    mlp_hidden_ratio: float = Field(4.0, gt=0)
    """Width of the MLP's hidden layer as a multiple of ``num_channels``."""

    num_chunks: int = Field(1, ge=1)
    """Split each layer's target nodes into this many chunks, computed one after the other, to
    bound peak memory; the result is the same up to rounding."""


class TransformerProcessor(_Component):
    """Multi-head self-attention over the mesh nodes, full or in a sliding window.

    The mesh nodes are put in a space-filling-curve order once (so that nodes close in the order
    are close on the sphere); with a ``window`` each node attends to the nodes within
    ``window // 2`` places of it in that order, otherwise to every node. Mesh edges are not used.
    """

    WHERE: ClassVar[str] = "processor"

    kind: Literal["transformer"]
    """Selects the transformer (Anemoi's ``TransformerProcessor``)."""

    num_layers: int = Field(16, ge=0)
    """Number of layers."""

    num_heads: int = Field(16, ge=1)
    """Number of attention heads; ``num_channels`` must be a multiple of it."""

    mlp_hidden_ratio: float = Field(4.0, gt=0)
    """Width of the MLP's hidden layer as a multiple of ``num_channels``."""

    window: int | None = Field(512, ge=1, validation_alias=AliasChoices("window", "window_size"))
    """Sliding-window size: each node attends to the nodes within ``window // 2`` places of it
    along the space-filling curve; ``null`` for full attention (cost grows with the square of
    the number of mesh nodes). Anemoi's ``window_size`` is accepted."""

    dropout: float = Field(0.0, ge=0, lt=1, validation_alias=AliasChoices("dropout", "dropout_p"))
    """Dropout probability of the attention weights during training (Anemoi's ``dropout_p``)."""

    num_chunks: int = Field(1, ge=1)
    """Split each layer's queries into this many chunks, computed one after the other, to bound
    peak memory; the result is the same up to rounding."""


#: The processors, chosen by ``kind``.
Processor = Annotated[
    GnnProcessor | GraphTransformerProcessor | TransformerProcessor,
    Field(discriminator="kind"),
    BeforeValidator(_component_keys("processor")),
]


# --- mappers -----------------------------------------------------------------------------------


class GnnMapper(_Component):
    """An interaction network from one node set to another (GraphCast's encoder and decoder)."""

    WHERE: ClassVar[str] = "encoder"

    kind: Literal["gnn"]
    """Selects an interaction network."""

    mlp_hidden_ratio: float = Field(1.0, gt=0)
    """Width of the MLPs' hidden layers as a multiple of ``num_channels``."""

    mlp_extra_layers: int = Field(0, ge=0)
    """Hidden layers added to each MLP beyond the first."""

    num_chunks: int = Field(1, ge=1)
    """Split the target nodes (and their edges) into this many chunks to bound peak memory."""


class GraphTransformerMapper(_Component):
    """Attention along the edges from one node set to another (Anemoi's graph-transformer mappers)."""

    WHERE: ClassVar[str] = "encoder"

    kind: Literal["graph_transformer"]
    """Selects a graph transformer."""

    num_heads: int = Field(16, ge=1)
    """Number of attention heads; ``num_channels`` must be a multiple of it."""

    mlp_hidden_ratio: float = Field(4.0, gt=0)
    """Width of the MLP's hidden layer as a multiple of ``num_channels``."""

    num_chunks: int = Field(1, ge=1)
    """Split the target nodes (and their edges) into this many chunks to bound peak memory."""


class GnnDecoder(GnnMapper):
    """An interaction network from the mesh to the grid, then a linear map to the outputs."""

    WHERE: ClassVar[str] = "decoder"

    initialise_data_extractor_zero: bool = False
    """Start the final linear layer at zero, so that the untrained model predicts no change."""


class GraphTransformerDecoder(GraphTransformerMapper):
    """A graph transformer from the mesh to the grid, then a linear map to the outputs."""

    WHERE: ClassVar[str] = "decoder"

    initialise_data_extractor_zero: bool = False
    """Start the final linear layer at zero, so that the untrained model predicts no change."""


#: The encoders, chosen by ``kind``.
Encoder = Annotated[
    GnnMapper | GraphTransformerMapper,
    Field(discriminator="kind"),
    BeforeValidator(_component_keys("encoder")),
]
#: The decoders, chosen by ``kind``.
Decoder = Annotated[
    GnnDecoder | GraphTransformerDecoder,
    Field(discriminator="kind"),
    BeforeValidator(_component_keys("decoder")),
]

#: The mapper kind a processor kind gets when the encoder or decoder names none.
_MATCHING_MAPPER = {"gnn": "gnn", "graph_transformer": "graph_transformer"}
_DEFAULT_MAPPER = "graph_transformer"


# --- graph inputs -----------------------------------------------------------------------------


class TrainableParameters(FcModel):
    """Learned features per node and per edge, appended to the fixed ones (Anemoi's names).

    They let the network learn what the geometry alone does not say about a place (e.g. a
    mountain's effect). Each costs ``size × number of nodes (or edges)`` parameters.
    """

    data: int = Field(8, ge=0)
    """Learned features per grid point (data node)."""

    hidden: int = Field(8, ge=0)
    """Learned features per mesh (hidden) node."""

    data2hidden: int = Field(8, ge=0)
    """Learned features per encoder edge."""

    hidden2hidden: int = Field(8, ge=0)
    """Learned features per processor edge (unused by the transformer processor)."""

    hidden2data: int = Field(8, ge=0)
    """Learned features per decoder edge."""


class Attributes(FcModel):
    """Which attributes of the graph become input features of the network."""

    edges: list[str] = Field(default_factory=lambda: ["edge_length", "edge_dirs"])
    """Attributes of every edge set used as edge features, in this order (every edge set the
    network uses must have them)."""

    nodes: list[str] = Field(default_factory=list)
    """Attributes of the data node set appended to each grid point's inputs (e.g. a land-sea
    mask stored in the graph); the latitude and longitude are always used."""

    @model_validator(mode="after")
    def _unique(self) -> Attributes:
        problems = [
            problem((key, i), "listed twice", value=name)
            for key in ("edges", "nodes")
            for i, name in enumerate(getattr(self, key))
            if name in getattr(self, key)[:i]
        ]
        raise_problems(type(self).__name__, problems)
        return self


# --- the model ----------------------------------------------------------------------------------


class ModelConfig(FcModel):
    """The network: width, processor, encoder, decoder, graph inputs and memory options."""

    num_channels: int = Field(512, ge=1)
    """Width of the latent node and edge features throughout the network."""

    processor: Processor = Field(
        default_factory=lambda: GraphTransformerProcessor(kind="graph_transformer")
    )
    """The layers on the mesh, chosen by ``kind``: ``gnn``, ``graph_transformer`` or
    ``transformer``."""

    encoder: Encoder = Field(
        default_factory=lambda: GraphTransformerMapper(kind="graph_transformer")
    )
    """Grid → mesh mapper, ``gnn`` or ``graph_transformer``; without a ``kind`` it matches the
    processor (graph transformer for a transformer processor)."""

    decoder: Decoder = Field(
        default_factory=lambda: GraphTransformerDecoder(kind="graph_transformer")
    )
    """Mesh → grid mapper followed by a linear map to the outputs; ``kind`` as for the
    encoder."""

    trainable_parameters: TrainableParameters = Field(default_factory=TrainableParameters)
    """Learned features per node and per edge of each set."""

    attributes: Attributes = Field(default_factory=Attributes)
    """Graph attributes used as input features."""

    data_nodes: str = Field("data", min_length=1)
    """Name of the graph's node set of grid points (the data)."""

    hidden_nodes: str = Field(
        "hidden",
        min_length=1,
        validation_alias=AliasChoices("hidden_nodes", "hidden_nodes_name"),
    )
    """Name of the graph's node set of the latent mesh (Anemoi's ``hidden_nodes_name``)."""

    edge_name: str = Field("to", min_length=1)
    """Name of the encoder, processor and decoder edge sets: the graph must hold
    ``(data, edge_name, hidden)``, ``(hidden, edge_name, hidden)`` and
    ``(hidden, edge_name, data)``."""

    activation: Activation = "gelu"
    """Activation function of every MLP."""

    norm: Norm = "layer_norm"
    """Normalisation layer: ``layer_norm`` or ``rms_norm`` (cheaper, no mean subtraction)."""

    activation_checkpointing: Literal["none", "processor", "all"] = "none"
    """Recompute activations during the backward pass instead of storing them: ``none``,
    ``processor`` (each processor layer) or ``all`` (also each chunk of the encoder and decoder).
    Saves memory at the cost of about one more forward pass."""

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        _explain_anemoi(value, _MODEL_KEYS, "model section")
        for key in ("encoder", "decoder"):
            part = value.get(key)
            if isinstance(part, dict) and "kind" not in part:
                value = {**value, key: {**part, "kind": cls._mapper_kind(value)}}
            elif part is None and "processor" in value:
                value = {**value, key: {"kind": cls._mapper_kind(value)}}
        return value

    @staticmethod
    def _mapper_kind(value: dict[str, Any]) -> str:
        processor = value.get("processor")
        kind = (
            processor.get("kind")
            if isinstance(processor, dict)
            else getattr(processor, "kind", None)
        )
        return _MATCHING_MAPPER.get(str(kind), _DEFAULT_MAPPER)

    @model_validator(mode="after")
    def _cross_check(self) -> ModelConfig:
        problems = []
        for key in ("processor", "encoder", "decoder"):
            part = getattr(self, key)
            heads = getattr(part, "num_heads", None)
            if heads is not None and self.num_channels % heads:
                problems.append(
                    problem(
                        (key, part.kind, "num_heads"),
                        f"num_channels ({self.num_channels}) must be a multiple of the number "
                        f"of heads; e.g. {_divisors_near(self.num_channels, heads)}",
                        value=heads,
                    )
                )
        if self.data_nodes == self.hidden_nodes:
            problems.append(
                problem(
                    ("hidden_nodes",),
                    "the data and hidden node sets must differ",
                    value=self.hidden_nodes,
                )
            )
        raise_problems(type(self).__name__, problems)
        return self


def _divisors_near(channels: int, heads: int) -> str:
    """A sentence listing the head counts closest to ``heads`` that divide ``channels``."""
    divisors = [d for d in range(1, channels + 1) if channels % d == 0]
    closest = sorted(divisors, key=lambda d: (abs(d - heads), d))[:2]
    return " or ".join(str(d) for d in sorted(closest))
