"""Message passing does not depend on how the mesh nodes are numbered."""

from __future__ import annotations

import pytest
import torch

from fc_models.graph import GraphTensors
from fc_models.network import build_network

from .tiny_graph import NUM_DATA, NUM_HIDDEN, make_config, make_graph


def _renumbered(graph: GraphTensors, permutation: torch.Tensor) -> GraphTensors:
    """The same graph with hidden node ``permutation[i]`` renamed ``i``."""
    new_name = torch.argsort(permutation)
    nodes = {name: dict(arrays) for name, arrays in graph.nodes.items()}
    nodes["hidden"] = {k: v[permutation] for k, v in graph.nodes["hidden"].items()}
    edges = {}
    for key, arrays in graph.edges.items():
        index = arrays["edge_index"].clone()
        for row, end in ((0, key[0]), (1, key[2])):
            if end == "hidden":
                index[row] = new_name[index[row]]
        edges[key] = {**arrays, "edge_index": index}
    return GraphTensors(nodes=nodes, edges=edges)


@pytest.mark.parametrize("kind", ["graph_transformer", "gnn"])
@pytest.mark.parametrize("chunks", [1, 3])
def test_renumbering_the_mesh_does_not_change_the_forecast(kind: str, chunks: int) -> None:
    # per-node and per-edge learned features of the mesh follow its numbering: leave them out
    config = make_config(
        kind,
        trainable_parameters={"hidden": 0, "data2hidden": 0, "hidden2hidden": 0, "hidden2data": 0},
        processor={"num_chunks": chunks},
        encoder={"num_chunks": chunks},
    )
    graph = make_graph()
    permutation = torch.randperm(NUM_HIDDEN, generator=torch.Generator().manual_seed(3))
    torch.manual_seed(0)
    net = build_network(config, graph, num_inputs=3, num_outputs=5, multistep=2)
    renumbered = build_network(
        config, _renumbered(graph, permutation), num_inputs=3, num_outputs=5, multistep=2
    )
    renumbered.load_state_dict(net.state_dict())
    x = torch.randn(2, 2, NUM_DATA, 3, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(renumbered(x), net(x), rtol=1e-4, atol=1e-5)
