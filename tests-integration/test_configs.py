"""Every example config and recipe in configs/ validates against its schema."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_dataset_recipe_validates(path: Path) -> None:
    recipe = load_recipe(path)
    assert recipe.input
