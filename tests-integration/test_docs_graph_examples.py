"""The examples of the graph documentation are correct as written.

- Every ```yaml block of ``docs/graphs/*.md`` parses; a block whose top level has a ``nodes:`` key
  is a whole graph recipe and validates under fc-config's ``GraphRecipe``. Any other block must
  be marked as a fragment by the line ``<!-- fragment -->`` right before its opening fence (an
  HTML comment, invisible on the site), so that a recipe that lost its ``nodes:`` key is caught
  rather than skipped. A fragment that looks like a recipe (an Anemoi recipe, say) is skipped too.
- The recipes build (marked ``slow``): those that need no file, and those whose only file is the
  dataset ``era5-o96.zarr``, which the test writes as a small stand-in (the O96 grid, one date,
  a variable ``lsm``).
- The reference implementation of the content hash in ``docs/formats/graph.md`` recomputes
  ``fc_graphs.graph_file.content_hash`` on a graph whose names need percent-encoding and sort
  differently encoded and decoded, so that the spec is precise enough to write a reader.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from fc_config.errors import validate
from fc_config.recipes.graph import GraphRecipe

ROOT = Path(__file__).resolve().parents[1]
GRAPH_PAGES = sorted((ROOT / "docs" / "graphs").glob("*.md"))
FORMAT_PAGE = ROOT / "docs" / "formats" / "graph.md"

#: The marker, on the line right before a fence, of a block that is not a whole recipe.
FRAGMENT_MARKER = "<!-- fragment -->"
_YAML_BLOCK = re.compile(
    r"^(?P<before>[^\n]*)\n```yaml[^\n]*\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE
)
_PYTHON_BLOCK = re.compile(r"^```python\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)
#: Keys whose value is a file the build would need.
_FILE_KEYS = frozenset({"path", "dataset"})
#: The dataset the documented recipes use, which the build test writes.
_DATASET = "era5-o96.zarr"


def _yaml_blocks() -> list[tuple[str, str, bool]]:
    """``(id, text, marked_fragment)`` of every yaml block of the graph pages."""
    blocks = []
    for page in GRAPH_PAGES:
        text = "\n" + page.read_text(encoding="utf-8")
        for i, match in enumerate(_YAML_BLOCK.finditer(text)):
            marked = match.group("before").strip() == FRAGMENT_MARKER
            blocks.append((f"{page.name}#{i}", match.group("body"), marked))
    return blocks


BLOCKS = _yaml_blocks()
RECIPES = [
    pytest.param(yaml.safe_load(body), id=block_id)
    for block_id, body, marked in BLOCKS
    if not marked and isinstance(yaml.safe_load(body), dict) and "nodes" in yaml.safe_load(body)
]


def _files(document: Any) -> set[str]:
    """The files and datasets a recipe names anywhere."""
    if isinstance(document, dict):
        named = {str(v) for k, v in document.items() if k in _FILE_KEYS and isinstance(v, str)}
        return named.union(*(_files(v) for v in document.values()))
    if isinstance(document, list):
        return set().union(*(_files(item) for item in document))
    return set()


def _write_dataset(path: Path) -> None:
    """A minimal fc dataset on the O96 grid: coordinates, one date, a land mask ``lsm``."""
    zarr = pytest.importorskip("zarr")
    from fc_utils.grids import grid_from_name

    grid = grid_from_name("O96")
    lat, lon = np.asarray(grid.latitudes), np.asarray(grid.longitudes)
    lsm = (np.sin(np.radians(lat) * 3) + np.cos(np.radians(lon) * 2) > 0.5).astype("float32")
    root = zarr.open_group(str(path), mode="w")
    root.attrs.update({"variables": ["lsm"], "missing_dates": []})
    root.create_array("data", shape=(1, 1, 1, lat.size), dtype="float32")[...] = lsm[
        None, None, None
    ]
    root.create_array("latitudes", shape=lat.shape, dtype="float64")[...] = lat
    root.create_array("longitudes", shape=lon.shape, dtype="float64")[...] = lon
    dates = np.array(["2020-01-01"], dtype="datetime64[s]")
    root.create_array("dates", shape=(1,), dtype="datetime64[s]")[...] = dates


@pytest.mark.parametrize(("block_id", "body", "marked"), BLOCKS, ids=[b[0] for b in BLOCKS])
def test_yaml_block_is_a_recipe_or_a_marked_fragment(
    block_id: str, body: str, marked: bool
) -> None:
    document = yaml.safe_load(body)  # every block, fragments too, is valid YAML
    if marked:
        return
    assert isinstance(document, dict) and "nodes" in document, (
        f"{block_id} is not a whole recipe (no top-level nodes:); mark it with "
        f"{FRAGMENT_MARKER} on the line before the fence if it is meant as a fragment"
    )


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe_validates(recipe: dict[str, Any]) -> None:
    validate(GraphRecipe, recipe, source="documented recipe")


@pytest.mark.slow
@pytest.mark.parametrize(
    "recipe", [param for param in RECIPES if _files(param.values[0]) <= {_DATASET}]
)
def test_recipe_builds(
    recipe: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("scipy")
    from fc_graphs.build import build_graph

    if _uses_hexagons(recipe):
        pytest.importorskip("h3")
    monkeypatch.chdir(tmp_path)
    if _files(recipe):
        _write_dataset(tmp_path / _DATASET)
    graph = build_graph(recipe)
    assert set(graph.nodes) == set(recipe["nodes"])
    assert all(arrays["edge_index"].shape[1] > 0 for arrays in graph.edges.values())


def _uses_hexagons(recipe: dict[str, Any]) -> bool:
    return any(
        isinstance(spec, dict) and spec.get("builder", {}).get("shape") == "hexagons"
        for spec in recipe["nodes"].values()
    )


def test_there_are_recipes_and_fragments() -> None:
    assert len(RECIPES) >= 10
    assert any(marked for _, _, marked in BLOCKS)


def test_format_page_hash_code_recomputes_content_hash(tmp_path: Path) -> None:
    from fc_graphs.graph_file import Graph, content_hash, save_graph

    (code,) = [
        m.group("body")
        for m in _PYTHON_BLOCK.finditer(FORMAT_PAGE.read_text(encoding="utf-8"))
        if "def graph_hash" in m.group("body")
    ]
    script = tmp_path / "graph_hash.py"
    script.write_text(code, encoding="utf-8")
    graph_hash = runpy.run_path(str(script))["graph_hash"]

    rng = np.random.default_rng(0)

    def coords(n: int) -> np.ndarray:
        return np.stack([rng.uniform(-1.5, 1.5, n), rng.uniform(0.0, 6.2, n)], axis=1)

    # "a" < "a-b" as names, but "nodes/a-b/..." < "nodes/a/..." as encoded strings; "x/y" and
    # "p%q" need encoding; attributes of several dtypes, one sorting before "coords"
    graph = Graph(
        nodes={
            "a-b": {"coords": coords(3), "area": np.ones(3, dtype=np.float32)},
            "a": {"coords": coords(4), "flag": np.array([True, False, True, True])},
            "x/y": {"coords": coords(2), "p%q": np.arange(2, dtype=np.uint8)},
        },
        edges={
            ("a", "to", "a-b"): {
                "edge_index": np.array([[0, 1, 3], [2, 0, 1]], dtype=np.int64),
                "edge_dirs": rng.normal(size=(3, 3)),
            },
            ("a", "to/from", "x/y"): {"edge_index": np.array([[0], [1]], dtype=np.int64)},
            ("a-b", "to", "a"): {
                "edge_index": np.zeros((2, 0), dtype=np.int64),
                "weight": np.zeros(0, dtype=np.int32),
            },
        },
        recipe={"description": "Zürich", "nodes": {"a": {"factor": 0.6, "n": 1, "tiny": 1e-5}}},
    )
    path = save_graph(graph, tmp_path / "tricky.graph")
    assert graph_hash(path) == content_hash(graph)
