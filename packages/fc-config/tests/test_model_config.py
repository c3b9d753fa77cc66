"""The model config: defaults, matching mappers, Anemoi's spellings and explained mistakes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from fc_config import ConfigError, json_schema, validate
from fc_config.model import (
    GnnDecoder,
    GnnMapper,
    GraphTransformerDecoder,
    GraphTransformerMapper,
    GraphTransformerProcessor,
    ModelConfig,
    TransformerProcessor,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "models"
#: The pages on the architectures, whose YAML examples are model sections.
PAGES = ["gnn.md", "graph-transformer.md", "transformer.md", "memory.md"]


def _problems(document: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as error:
        validate(ModelConfig, document, source="model")
    return str(error.value)


def test_defaults_are_a_graphcast_sized_graph_transformer() -> None:
    config = ModelConfig()
    assert config.num_channels == 512
    assert isinstance(config.processor, GraphTransformerProcessor)
    assert (config.processor.num_layers, config.processor.num_heads) == (16, 16)
    assert isinstance(config.encoder, GraphTransformerMapper)
    assert isinstance(config.decoder, GraphTransformerDecoder)
    assert config.attributes.edges == ["edge_length", "edge_dirs"]
    assert (config.data_nodes, config.hidden_nodes, config.edge_name) == ("data", "hidden", "to")
    assert config.activation_checkpointing == "none"


@pytest.mark.parametrize(
    ("kind", "mapper"),
    [
        ("gnn", "gnn"),
        ("graph_transformer", "graph_transformer"),
        ("transformer", "graph_transformer"),
    ],
)
def test_mappers_without_a_kind_match_the_processor(kind: str, mapper: str) -> None:
    config = validate(ModelConfig, {"processor": {"kind": kind}, "decoder": {"num_chunks": 2}})
    assert (config.encoder.kind, config.decoder.kind) == (mapper, mapper)
    assert config.decoder.num_chunks == 2
    if kind == "gnn":
        assert isinstance(config.encoder, GnnMapper)
        assert isinstance(config.decoder, GnnDecoder)


def test_a_mapper_kind_can_differ_from_the_processor() -> None:
    config = validate(
        ModelConfig, {"processor": {"kind": "transformer"}, "encoder": {"kind": "gnn"}}
    )
    assert isinstance(config.processor, TransformerProcessor)
    assert isinstance(config.encoder, GnnMapper)
    assert isinstance(config.decoder, GraphTransformerDecoder)


def test_anemoi_spellings_are_accepted() -> None:
    config = validate(
        ModelConfig,
        {
            "hidden_nodes_name": "mesh",
            "processor": {"kind": "transformer", "window_size": 64, "dropout_p": 0.1},
        },
    )
    assert config.hidden_nodes == "mesh"
    assert isinstance(config.processor, TransformerProcessor)
    assert (config.processor.window, config.processor.dropout) == (64, 0.1)


def test_full_attention_is_a_null_window() -> None:
    config = validate(ModelConfig, {"processor": {"kind": "transformer", "window": None}})
    assert isinstance(config.processor, TransformerProcessor)
    assert config.processor.window is None


def test_heads_must_divide_the_channels() -> None:
    message = _problems({"num_channels": 96, "processor": {"kind": "transformer", "num_heads": 5}})
    assert "processor.num_heads = 5: num_channels (96) must be a multiple" in message
    assert "e.g. 4 or 6" in message
    assert "encoder.num_heads = 16" not in message  # 96 = 16 · 6


def test_an_anemoi_target_names_the_kind_to_write() -> None:
    message = _problems(
        {"processor": {"_target_": "anemoi.models.layers.processor.GNNProcessor", "num_layers": 4}}
    )
    assert "fc selects by kind: write kind: gnn" in message
    message = _problems(
        {"encoder": {"_target_": "anemoi.models.layers.mapper.TransformerForwardMapper"}}
    )
    assert "graph_transformer (fc has no transformer mapper)" in message


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("trainable_size", "trainable_parameters"),
        ("sub_graph_edge_attributes", "attributes.edges"),
        ("num_channels", "at the model level"),
        ("gradient_checkpointing", "activation_checkpointing"),
    ],
)
def test_per_component_anemoi_keys_say_where_fc_sets_them(key: str, hint: str) -> None:
    message = _problems({"processor": {"kind": "graph_transformer", key: 8}})
    assert f"processor: {key!r} is an Anemoi key" in message
    assert hint in message


def test_model_level_anemoi_keys_are_explained() -> None:
    message = _problems({"bounding": [], "latent_skip": True})
    assert "'bounding' is an Anemoi key" in message
    assert "'latent_skip' is an Anemoi key" in message


def test_typos_get_suggestions() -> None:
    assert "did you mean 'processor'" in _problems({"procesor": {}})
    message = _problems({"processor": {"kind": "graph_transformers"}})
    assert "did you mean 'graph_transformer'" in message
    assert "did you mean 'num_layers'" in _problems({"processor": {"kind": "gnn", "num_layer": 2}})


def test_transformer_mappers_do_not_exist() -> None:
    message = _problems({"encoder": {"kind": "transformer"}})
    assert "encoder.kind = 'transformer'" in message
    assert "'gnn', 'graph_transformer'" in message


def test_values_are_checked() -> None:
    message = _problems(
        {
            "num_channels": 0,
            "processor": {"kind": "transformer", "window": 0, "dropout": 1.0},
            "trainable_parameters": {"data": -1},
            "attributes": {"edges": ["edge_length", "edge_length"]},
            "activation": "swish",
            "activation_checkpointing": "yes",
        }
    )
    for fragment in (
        "num_channels = 0",
        "processor.window = 0",
        "processor.dropout = 1.0",
        "trainable_parameters.data = -1",
        "attributes.edges[1] = 'edge_length': listed twice",
        "activation = 'swish'",
        "activation_checkpointing = 'yes'",
    ):
        assert fragment in message


def test_data_and_hidden_sets_must_differ() -> None:
    assert "the data and hidden node sets must differ" in _problems({"hidden_nodes": "data"})


def test_json_schema_documents_every_kind() -> None:
    schema = json_schema("model")
    assert schema["$id"] == "urn:fc:schema:model"
    text = str(schema)
    for kind in ("gnn", "graph_transformer", "transformer"):
        assert f"'{kind}'" in text


def _yaml_examples() -> list[tuple[str, str]]:
    blocks = []
    for page in (DOCS / name for name in PAGES):
        if not page.exists():
            continue
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", page.read_text(), re.S)):
            blocks.append((f"{page.name}[{i}]", block))
    return blocks


@pytest.mark.skipif(not DOCS.is_dir(), reason="the docs are not next to this checkout")
@pytest.mark.parametrize(("where", "block"), _yaml_examples() or [("none", "{}")])
def test_documented_examples_validate(where: str, block: str) -> None:
    document = yaml.safe_load(block)
    validate(ModelConfig, document.get("model", document), source=where)
