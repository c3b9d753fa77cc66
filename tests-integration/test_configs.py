"""Every example config and recipe in configs/ validates against its schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fc_config.recipes.dataset import load_recipe

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted((ROOT / "configs" / "datasets").glob("*.yaml"))
GRAPHS = sorted((ROOT / "configs" / "graphs").glob("*.yaml"))


def test_there_are_example_recipes() -> None:
    assert RECIPES
    assert GRAPHS


@pytest.mark.parametrize("path", GRAPHS, ids=lambda p: p.name)
def test_graph_recipe_validates(path: Path) -> None:
    from fc_config.errors import load_config
    from fc_config.recipes.graph import GraphRecipe

    assert load_config(GraphRecipe, path).nodes


@pytest.mark.slow
def test_benchmark_graph_recipe_builds_without_unconnected_nodes() -> None:
    from fc_graphs.build import build_graph

    graph = build_graph(ROOT / "configs" / "graphs" / "knn-decoder.yaml")
    assert graph.nodes["data"]["coords"].shape == (40_320, 2)
    assert graph.edges[("hidden", "to", "hidden")]["edge_index"].shape == (2, 81_900)


@pytest.mark.slow
def test_hierarchical_graph_recipe_builds_three_levels() -> None:
    from fc_graphs.build import build_graph

    graph = build_graph(ROOT / "configs" / "graphs" / "hierarchical.yaml")
    sizes = {name: arrays["coords"].shape[0] for name, arrays in graph.nodes.items()}
    assert sizes == {"data": 40_320, "hidden_1": 10_242, "hidden_2": 2_562, "hidden_3": 642}
    for level, name in ((5, "hidden_1"), (4, "hidden_2"), (3, "hidden_3")):
        # each level's processor has the 2 · 30 · 4^level directed edges of its own mesh
        assert graph.edges[(name, "to", name)]["edge_index"].shape == (2, 60 * 4**level)
    for coarse, fine in (("hidden_2", "hidden_1"), ("hidden_3", "hidden_2")):
        down = graph.edges[(fine, "to", coarse)]["edge_index"]
        assert (np.bincount(down[1], minlength=sizes[coarse]) >= 1).all()
        up = graph.edges[(coarse, "to", fine)]["edge_index"]
        assert (np.bincount(up[1], minlength=sizes[fine]) == 3).all()


@pytest.mark.slow
def test_limited_area_graph_recipe_prunes_the_grid_to_the_mesh() -> None:
    from fc_graphs.build import build_graph
    from fc_graphs.geometry import great_circle_distance, latlon_to_xyz
    from fc_graphs.nodes import build_nodes

    path = ROOT / "configs" / "graphs" / "limited-area.yaml"
    graph = build_graph(path)
    box = build_nodes("data", {"kind": "grid", "grid": "O320", "area": [75, -30, 28, 50]})
    indices = graph.nodes["data"]["grid_indices"]
    assert 0 < indices.size < box.size
    np.testing.assert_allclose(
        np.rad2deg(graph.nodes["data"]["coords"][:, 0]), box.latitudes[indices]
    )
    decoder = graph.edges[("hidden", "to", "data")]["edge_index"]
    assert (np.bincount(decoder[1], minlength=indices.size) >= 1).all()
    xyz = {
        name: latlon_to_xyz(*np.rad2deg(graph.nodes[name]["coords"]).T)
        for name in ("hidden", "data")
    }
    lengths = 6371.0 * great_circle_distance(xyz["hidden"][decoder[0]], xyz["data"][decoder[1]])
    assert lengths.max() <= 200.0


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_dataset_recipe_validates(path: Path) -> None:
    recipe = load_recipe(path)
    assert recipe.input
