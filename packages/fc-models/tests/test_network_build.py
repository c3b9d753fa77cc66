"""The network of every processor kind: shapes, steps, batches, gradients, chunks, checkpointing."""

from __future__ import annotations

import pytest
import torch

from fc_models.exceptions import ModelError
from fc_models.graph import GraphTensors
from fc_models.network import build_network, count_parameters

from .tiny_graph import KINDS, NUM_DATA, make_config, make_graph


def _network(kind: str, *, seed: int = 0, multistep: int = 2, **changes: object) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_network(
        make_config(kind, **changes), make_graph(), num_inputs=3, num_outputs=5, multistep=multistep
    )


def _inputs(batch: int = 1, multistep: int = 2, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, multistep, NUM_DATA, 3, generator=generator)


def _grads(net: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    net.zero_grad(set_to_none=True)
    net(x).square().mean().backward()
    return {name: p.grad.clone() for name, p in net.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("kind", KINDS)
def test_output_shape_for_each_kind(kind: str) -> None:
    net = _network(kind, multistep=3)
    out = net(_inputs(batch=2, multistep=3))
    assert out.shape == (2, NUM_DATA, 5)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("kind", KINDS)
def test_every_input_step_matters(kind: str) -> None:
    net = _network(kind, multistep=3)
    x = _inputs(multistep=3)
    base = net(x)
    for step in range(3):
        changed = x.clone()
        changed[:, step] += torch.randn(NUM_DATA, 3)
        assert not torch.allclose(net(changed), base), f"step {step} is ignored"


@pytest.mark.parametrize("kind", KINDS)
def test_batch_members_are_independent(kind: str) -> None:
    net = _network(kind)
    x = _inputs(batch=3)
    together = net(x)
    for i in range(3):
        torch.testing.assert_close(together[i], net(x[i : i + 1])[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_reach_every_parameter(kind: str) -> None:
    net = _network(kind)
    grads = _grads(net, _inputs(batch=2))
    names = {name for name, _ in net.named_parameters()}
    assert set(grads) == names
    silent = [name for name, grad in grads.items() if not grad.abs().sum() > 0]
    assert not silent, f"no gradient reaches {silent}"


@pytest.mark.parametrize("kind", KINDS)
def test_chunks_give_the_same_result(kind: str) -> None:
    chunked = {"num_chunks": 3}
    plain = _network(kind)
    split = _network(kind, processor=chunked, encoder=chunked, decoder=chunked)
    x = _inputs(batch=2)
    torch.testing.assert_close(split(x), plain(x), rtol=1e-4, atol=1e-5)
    expected, got = _grads(plain, x), _grads(split, x)
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-4, atol=1e-6, msg=name)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["processor", "all"])
def test_checkpointing_keeps_the_gradients(kind: str, mode: str) -> None:
    chunked = {"num_chunks": 2}
    plain = _network(kind, encoder=chunked, decoder=chunked)
    recomputed = _network(kind, encoder=chunked, decoder=chunked, activation_checkpointing=mode)
    x = _inputs(batch=2)
    expected, got = _grads(plain, x), _grads(recomputed, x)
    assert set(got) == set(expected)
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-5, atol=1e-7, msg=name)


def test_same_config_gives_same_parameter_names_and_counts() -> None:
    first, second = _network("graph_transformer", seed=0), _network("graph_transformer", seed=5)
    assert list(first.state_dict()) == list(second.state_dict())
    assert count_parameters(first) == count_parameters(second)


def test_graph_is_not_in_the_state_dict_and_rebuilding_restores_the_network() -> None:
    graph = make_graph()
    config = make_config("graph_transformer")
    torch.manual_seed(0)
    net = build_network(config, graph, num_inputs=3, num_outputs=5, multistep=2)
    state = net.state_dict()
    assert not any(name.endswith(("src", "dst", "features", "order")) for name in state)
    torch.manual_seed(1)
    rebuilt = build_network(
        config, GraphTensors.from_flat(graph.to_flat()), num_inputs=3, num_outputs=5, multistep=2
    )
    rebuilt.load_state_dict(state)
    x = _inputs()
    torch.testing.assert_close(rebuilt(x), net(x))


def test_learned_features_cost_one_parameter_per_node_and_edge() -> None:
    graph = make_graph()
    without = _network("gnn", trainable_parameters={"data": 0, "hidden2data": 0})
    with_them = _network("gnn", trainable_parameters={"data": 3, "hidden2data": 1})
    data_nodes = graph.num_nodes("data")
    decoder_edges = graph.edges[("hidden", "to", "data")]["edge_index"].shape[1]
    extra = count_parameters(with_them) - count_parameters(without)
    # the per-node and per-edge tensors, and the wider first layers that read them
    assert extra >= 2 * data_nodes + decoder_edges
    assert with_them.data_embedding.shape == (data_nodes, 3)


def test_zero_initialised_data_extractor_predicts_zero() -> None:
    net = _network("graph_transformer", decoder={"initialise_data_extractor_zero": True})
    assert torch.equal(net(_inputs()), torch.zeros(1, NUM_DATA, 5))


def test_wrong_input_shape_is_explained() -> None:
    net = _network("gnn")
    with pytest.raises(ModelError, match=r"expected input \[batch, 2, 160, 3\]"):
        net(torch.zeros(1, 1, NUM_DATA, 3))


def test_missing_node_set_suggests_the_closest() -> None:
    config = make_config("gnn", hidden_nodes="hiden")
    with pytest.raises(ModelError, match=r"no node set 'hiden'\. Did you mean 'hidden'"):
        build_network(config, make_graph(), num_inputs=3, num_outputs=5)


def test_missing_edge_set_lists_those_the_graph_has() -> None:
    graph = make_graph()
    del graph.edges[("hidden", "to", "hidden")]
    with pytest.raises(ModelError, match="no edge set hidden -to-> hidden") as error:
        build_network(make_config("gnn"), graph, num_inputs=3, num_outputs=5)
    assert "data -to-> hidden" in str(error.value)
    # a transformer processor does not need mesh edges
    build_network(make_config("transformer"), graph, num_inputs=3, num_outputs=5)


def test_missing_edge_attribute_is_explained() -> None:
    config = make_config("graph_transformer", attributes={"edges": ["edge_lenght"]})
    with pytest.raises(
        ModelError, match=r"has no attribute 'edge_lenght'\. Did you mean 'edge_length'"
    ):
        build_network(config, make_graph(), num_inputs=3, num_outputs=5)


def test_node_attributes_become_inputs() -> None:
    graph = make_graph()
    graph.nodes["data"]["lsm"] = (torch.arange(NUM_DATA) % 2).double()
    config = make_config("gnn", attributes={"nodes": ["lsm"]})
    torch.manual_seed(0)
    net = build_network(config, graph, num_inputs=3, num_outputs=5, multistep=2)
    x = _inputs()
    before = net(x)
    net.data_features[:, -1] = 1 - net.data_features[:, -1]
    assert not torch.allclose(net(x), before)


def test_sizes_must_be_positive() -> None:
    with pytest.raises(ModelError, match="num_outputs must be at least 1"):
        build_network(make_config("gnn"), make_graph(), num_inputs=3, num_outputs=0)


@pytest.mark.parametrize("kind", KINDS)
def test_runs_under_bfloat16_autocast(kind: str) -> None:
    net = _network(kind)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = net(_inputs())
    out.float().square().mean().backward()
    assert torch.isfinite(out.float()).all()
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
