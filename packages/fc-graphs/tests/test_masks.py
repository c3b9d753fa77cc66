"""Masks read from a dataset variable: node builders, mask attributes, edge masks, ``ignore``.

The datasets are tiny zarr v3 stores with the arrays of the fc dataset format that masks read
(``data``, ``dates``, ``latitudes``, ``longitudes`` and the ``variables`` attribute), written
with zarr directly so that these tests need no fc-datasets.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from fc_graphs.build import build_graph
from fc_graphs.edges import knn_edges
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import latlon_to_xyz
from fc_graphs.masks import mask_on_nodes, read_mask
from fc_graphs.nodes import build_nodes
from fc_utils.grids import grid_from_name

zarr = pytest.importorskip("zarr")

DATES = np.array(["2020-01-01T00", "2020-01-01T06", "2020-01-01T12"], dtype="datetime64[s]")


def _write_dataset(
    path: Path,
    latitudes: npt.ArrayLike,
    longitudes: npt.ArrayLike,
    fields: Mapping[str, npt.ArrayLike],
    *,
    later: Mapping[str, npt.ArrayLike] | None = None,
    missing: Sequence[int] = (),
) -> Path:
    """An fc-like dataset: ``fields`` on the first date, ``later`` (or 0) after, 2 members.

    The second member holds the opposite of the first, so a test can tell which one was read.
    """
    lat = np.asarray(latitudes, dtype=np.float64)
    names = list(fields)
    first = np.stack([np.asarray(fields[n], dtype=np.float32) for n in names])
    after = np.stack(
        [np.asarray((later or {}).get(n, np.zeros(lat.size)), dtype=np.float32) for n in names]
    )
    data = np.stack([first, after, after])  # [date, variable, cell]
    data = np.stack([data, 1.0 - data], axis=2)  # [date, variable, ensemble, cell]
    data[list(missing)] = np.nan
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.attrs.update(
        {
            "kind": "dataset",
            "format_version": 1,
            "variables": names,
            "missing_dates": [str(DATES[i]) for i in missing],
        }
    )
    root.create_array("data", data=data, chunks=(1, *data.shape[1:]))
    root.create_array("dates", data=DATES)
    root.create_array("latitudes", data=lat)
    root.create_array("longitudes", data=np.asarray(longitudes, dtype=np.float64))
    return path


@pytest.fixture(scope="module")
def o16() -> Any:
    return grid_from_name("O16")


def _land(latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64]) -> Any:
    """A synthetic land-sea mask: 1 on a box of land, 0 elsewhere, NaN on a band."""
    lsm = ((latitudes > 20) & (latitudes < 70) & (np.mod(longitudes, 360) < 60)).astype(float)
    lsm[np.abs(latitudes + 45) < 3] = np.nan
    return lsm


@pytest.fixture
def o16_dataset(tmp_path: Path, o16: Any) -> Path:
    return _write_dataset(
        tmp_path / "o16.zarr",
        o16.latitudes,
        o16.longitudes,
        {"t2m": np.full(o16.latitudes.size, 280.0), "lsm": _land(o16.latitudes, o16.longitudes)},
    )


# --- reading ------------------------------------------------------------------------------------


def test_mask_is_where_the_first_date_and_member_is_nonzero_and_not_nan(tmp_path: Path) -> None:
    path = _write_dataset(
        tmp_path / "d.zarr",
        [0.0, 1.0, 2.0, 3.0, 4.0],
        [0.0] * 5,
        {"lsm": [0.0, 1.0, np.nan, -2.0, 0.5]},
        later={"lsm": [1.0, 0.0, 1.0, 0.0, 0.0]},
    )
    np.testing.assert_array_equal(read_mask(path, "lsm"), [False, True, False, True, True])


def test_mask_skips_missing_dates(tmp_path: Path) -> None:
    path = _write_dataset(
        tmp_path / "d.zarr",
        [0.0, 1.0],
        [0.0, 0.0],
        {"lsm": [1.0, 1.0]},
        later={"lsm": [0.0, 1.0]},
        missing=[0],
    )
    np.testing.assert_array_equal(read_mask(path, "lsm"), [False, True])


def test_every_date_missing_is_explained(tmp_path: Path) -> None:
    path = _write_dataset(tmp_path / "d.zarr", [0.0], [0.0], {"lsm": [1.0]}, missing=[0, 1, 2])
    with pytest.raises(GraphBuildError, match="every date"):
        read_mask(path, "lsm")


def test_unknown_variable_gets_a_suggestion(o16_dataset: Path) -> None:
    with pytest.raises(GraphBuildError, match=r"no variable 'lms'.*Did you mean 'lsm'"):
        read_mask(o16_dataset, "lms")


def test_mask_of_a_path_that_is_no_dataset(tmp_path: Path) -> None:
    with pytest.raises(GraphBuildError, match=r"node set 'data', mask 'lsm'.*no zarr\.json"):
        mask_on_nodes(
            tmp_path / "nope.zarr", "lsm", np.zeros(1), np.zeros(1), where="node set 'data'"
        )


# --- node builders ------------------------------------------------------------------------------


def test_dataset_builder_mask_keeps_the_masked_cells(o16_dataset: Path, o16: Any) -> None:
    config = {"kind": "dataset", "path": str(o16_dataset), "mask": {"variable": "lsm"}}
    nodes = build_nodes("data", config)
    expected = np.flatnonzero(np.nan_to_num(_land(o16.latitudes, o16.longitudes)) != 0)
    assert 0 < nodes.size == expected.size < o16.latitudes.size
    assert nodes.full_indices is not None and nodes.full_size == o16.latitudes.size
    np.testing.assert_array_equal(nodes.full_indices, expected)
    np.testing.assert_array_equal(nodes.latitudes, o16.latitudes[expected])


def test_area_and_mask_keep_their_intersection(o16_dataset: Path, o16: Any) -> None:
    config = {
        "kind": "grid",
        "grid": "O16",
        "area": [90, 30, 0, 90],
        "mask": {"variable": "lsm", "dataset": str(o16_dataset)},
    }
    nodes = build_nodes("data", config)
    assert nodes.size > 0
    assert np.all(np.mod(nodes.longitudes, 360) >= 30) and np.all(nodes.latitudes > 20)
    masked = build_nodes("data", {**config, "area": None})
    limited = build_nodes("data", {**config, "mask": None})
    assert nodes.full_indices is not None
    assert masked.full_indices is not None and limited.full_indices is not None
    np.testing.assert_array_equal(
        nodes.full_indices, np.intersect1d(masked.full_indices, limited.full_indices)
    )


def test_mask_from_another_grid_is_refused(tmp_path: Path, o16_dataset: Path) -> None:
    config = {
        "kind": "grid",
        "grid": "O32",
        "mask": {"variable": "lsm", "dataset": str(o16_dataset)},
    }
    with pytest.raises(
        GraphBuildError, match=r"1600 grid points but the nodes come from a grid of 5248"
    ):
        build_nodes("data", config)


def test_mask_with_other_coordinates_is_refused(tmp_path: Path, o16: Any) -> None:
    path = _write_dataset(
        tmp_path / "shifted.zarr",
        o16.latitudes,
        o16.longitudes + 1e-3,
        {"lsm": np.ones(o16.latitudes.size)},
    )
    config = {"kind": "grid", "grid": "O16", "mask": {"variable": "lsm", "dataset": str(path)}}
    with pytest.raises(GraphBuildError, match=r"node set 'data': the coordinates .* are not those"):
        build_nodes("data", config)


def test_longitudes_are_compared_around_the_circle(tmp_path: Path, o16: Any) -> None:
    path = _write_dataset(
        tmp_path / "wrapped.zarr",
        o16.latitudes,
        np.mod(o16.longitudes + 180.0, 360.0) - 180.0,  # [-180, 180) instead of [0, 360)
        {"lsm": np.ones(o16.latitudes.size)},
    )
    config = {"kind": "grid", "grid": "O16", "mask": {"variable": "lsm", "dataset": str(path)}}
    assert build_nodes("data", config).size == o16.latitudes.size


def test_mask_that_keeps_nothing_is_explained(tmp_path: Path, o16: Any) -> None:
    path = _write_dataset(
        tmp_path / "sea.zarr", o16.latitudes, o16.longitudes, {"lsm": np.zeros(o16.latitudes.size)}
    )
    config = {"kind": "dataset", "path": str(path), "mask": {"variable": "lsm"}}
    with pytest.raises(
        GraphBuildError, match=r"node set 'data': the mask 'lsm' keeps none of its 1600"
    ):
        build_nodes("data", config)


# --- mask attributes and edge masks in a graph ---------------------------------------------------


def _recipe(dataset: Path, **changes: Any) -> dict[str, Any]:
    recipe: dict[str, Any] = {
        "nodes": {
            "data": {
                "builder": {"kind": "dataset", "path": str(dataset)},
                "attributes": {"land": {"kind": "mask", "variable": "lsm"}},
            },
            "hidden": {"builder": {"kind": "icosahedral", "resolution": 2}},
        },
        "edges": [
            {
                "source": "data",
                "target": "hidden",
                "builders": [{"kind": "knn", "num_nearest_neighbours": 2, "source_mask": "land"}],
            },
            {
                "source": "hidden",
                "target": "data",
                "builders": [{"kind": "knn", "num_nearest_neighbours": 3, "target_mask": "land"}],
            },
        ],
        "checks": {"unconnected": "error"},
    }
    recipe.update(changes)
    return recipe


def test_mask_attribute_is_the_variable_on_each_node(o16_dataset: Path, o16: Any) -> None:
    recipe = _recipe(o16_dataset)
    recipe["nodes"]["data"]["builder"]["area"] = [90, 0, 0, 180]
    graph = build_graph(recipe)
    land = graph.nodes["data"]["land"]
    assert land.dtype == np.bool_
    cells = build_nodes("data", {"kind": "grid", "grid": "O16", "area": [90, 0, 0, 180]})
    assert cells.full_indices is not None and cells.size == land.size < 1600
    lsm = _land(o16.latitudes, o16.longitudes)[cells.full_indices]
    np.testing.assert_array_equal(land, np.nan_to_num(lsm) != 0)
    assert 0 < land.sum() < land.size


def test_source_mask_keeps_original_indices(o16_dataset: Path) -> None:
    graph = build_graph(_recipe(o16_dataset))
    land = graph.nodes["data"]["land"]
    encoder = graph.edges[("data", "to", "hidden")]["edge_index"]
    assert land[encoder[0]].all()
    # the same as a search among the land points, numbered as in the whole set
    points = np.rad2deg(graph.nodes["data"]["coords"])
    xyz = latlon_to_xyz(points[:, 0], points[:, 1])
    mesh = np.rad2deg(graph.nodes["hidden"]["coords"])
    subset = np.flatnonzero(land)
    expected = knn_edges(xyz[subset], latlon_to_xyz(mesh[:, 0], mesh[:, 1]), 2)
    np.testing.assert_array_equal(encoder, [subset[expected[0]], expected[1]])


def test_target_mask_only_reaches_masked_targets_and_is_not_unconnected(
    o16_dataset: Path,
) -> None:
    graph = build_graph(_recipe(o16_dataset))  # checks.unconnected: error
    land = graph.nodes["data"]["land"]
    decoder = graph.edges[("hidden", "to", "data")]["edge_index"]
    np.testing.assert_array_equal(np.unique(decoder[1]), np.flatnonzero(land))
    assert np.all(np.bincount(decoder[1], minlength=land.size)[land] == 3)


def test_ignore_keeps_masked_nodes_that_no_edge_touches(o16_dataset: Path) -> None:
    recipe = _recipe(o16_dataset)
    recipe["nodes"]["data"]["attributes"]["everywhere"] = {"kind": "mask", "variable": "t2m"}
    recipe["edges"] = recipe["edges"][:1]  # only the encoder, from the land points
    recipe["post_processors"] = [{"kind": "remove_unconnected_nodes", "nodes": "data"}]
    pruned = build_graph(recipe)
    assert pruned.nodes["data"]["land"].all()  # the sea points were touched by no edge
    assert pruned.nodes["data"]["everywhere"].all()
    recipe["post_processors"][0]["ignore"] = "everywhere"
    kept = build_graph(recipe)
    assert kept.nodes["data"]["coords"].shape[0] == 1600


def test_mask_selecting_no_node_for_edges_is_explained(tmp_path: Path, o16: Any) -> None:
    path = _write_dataset(
        tmp_path / "d.zarr",
        o16.latitudes,
        o16.longitudes,
        {"lsm": np.zeros(o16.latitudes.size)},
    )
    with pytest.raises(GraphBuildError, match=r"mask 'land' of node set 'data' selects no node"):
        build_graph(_recipe(path))


def test_mask_reading_is_logged(o16_dataset: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="fc_graphs.masks"):
        read_mask(o16_dataset, "lsm")
    assert "mask 'lsm'" in caplog.text and "of 1600 cells selected" in caplog.text


def test_mesh_masks_drop_multi_scale_edges_and_limit_triangle_targets(
    tmp_path: Path, o16_dataset: Path
) -> None:
    mesh = build_nodes("hidden", {"kind": "icosahedral", "resolution": 2})
    path = _write_dataset(
        tmp_path / "mesh.zarr", mesh.latitudes, mesh.longitudes, {"north": mesh.latitudes > 0}
    )
    recipe = _recipe(o16_dataset)
    recipe["nodes"]["hidden"]["attributes"] = {
        "north": {"kind": "mask", "variable": "north", "dataset": str(path)}
    }
    recipe["edges"] = [
        {
            "source": "hidden",
            "target": "hidden",
            "builders": [{"kind": "multi_scale", "source_mask": "north", "target_mask": "north"}],
        },
        {
            "source": "hidden",
            "target": "data",
            "builders": [{"kind": "containing_triangle", "target_mask": "land"}],
        },
    ]
    graph = build_graph(recipe)
    north = graph.nodes["hidden"]["north"]
    np.testing.assert_array_equal(north, mesh.latitudes > 0)
    processor = graph.edges[("hidden", "to", "hidden")]["edge_index"]
    assert north[processor].all() and processor.shape[1] > 0
    decoder = graph.edges[("hidden", "to", "data")]["edge_index"]
    land = graph.nodes["data"]["land"]
    np.testing.assert_array_equal(np.bincount(decoder[1], minlength=land.size), 3 * land)


def test_mask_attributes_survive_the_graph_file(tmp_path: Path, o16_dataset: Path) -> None:
    from fc_graphs.graph_file import load_graph, save_graph

    graph = build_graph(_recipe(o16_dataset))
    loaded = load_graph(save_graph(graph, tmp_path / "graph.fc"))
    assert loaded.nodes["data"]["land"].dtype == np.bool_
    np.testing.assert_array_equal(loaded.nodes["data"]["land"], graph.nodes["data"]["land"])


# --- the dataset's uuid and relative paths --------------------------------------------------------


def test_the_graph_records_the_uuid_of_the_dataset_its_nodes_come_from(o16_dataset: Path) -> None:
    zarr.open_group(str(o16_dataset), mode="r+").attrs["uuid"] = (
        "7b0c5e7e-0000-4000-8000-000000000001"
    )
    graph = build_graph(_recipe(o16_dataset))
    assert graph.dataset_uuid == "7b0c5e7e-0000-4000-8000-000000000001"
    # an explicit uuid wins (with a warning when it differs)
    other = "7b0c5e7e-0000-4000-8000-000000000002"
    assert build_graph(_recipe(o16_dataset), dataset_uuid=other).dataset_uuid == other


def test_relative_paths_in_a_recipe_file_are_resolved_against_its_folder(
    o16_dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    recipe = _recipe(Path(o16_dataset.name))  # "o16.zarr", beside the recipe
    recipe["nodes"]["data"]["attributes"]["land"]["dataset"] = o16_dataset.name
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump(recipe))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    graph = build_graph(tmp_path / "recipe.yaml")
    assert graph.nodes["data"]["coords"].shape[0] == 1600
    # the graph keeps the recipe as written
    assert graph.recipe["nodes"]["data"]["builder"]["path"] == "o16.zarr"
