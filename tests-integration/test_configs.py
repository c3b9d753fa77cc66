"""Every example config and recipe in configs/ validates against its schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from fc_config.recipes.dataset import load_recipe

ROOT = Path(__file__).resolve().parents[1]
RECIPES = sorted((ROOT / "configs" / "datasets").glob("*.yaml"))


def test_there_are_example_recipes() -> None:
    assert RECIPES


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_dataset_recipe_validates(path: Path) -> None:
    recipe = load_recipe(path)
    assert recipe.input
