"""Node sets built from the node builders of a graph recipe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fc_config.recipes.graph import GridNodes, HealpixNodes
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.nodes import NodeSet, build_nodes

GRAPHCAST_NODES = [12, 42, 162, 642]


def test_grid_nodes_have_the_points_of_the_named_grid() -> None:
    nodes = build_nodes("data", GridNodes(kind="grid", grid="O32"))
    # O32: rows of 20, 24, ... 144 points per hemisphere -> 4 * 32 * (32 + 9) points.
    assert nodes.size == 4 * 32 * (32 + 9) == nodes.latitudes.size == nodes.longitudes.size
    assert nodes.latitudes.dtype == np.float64
    assert nodes.mesh is None
    assert nodes.description["grid"] == "O32"
    np.testing.assert_allclose(np.linalg.norm(nodes.xyz, axis=1), 1.0)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_icosahedral_nodes_are_the_mesh_vertices(level: int) -> None:
    nodes = build_nodes("hidden", {"kind": "icosahedral", "resolution": level})
    assert nodes.size == GRAPHCAST_NODES[level]
    assert nodes.mesh is not None and nodes.mesh.level == level
    np.testing.assert_allclose(nodes.xyz, nodes.mesh.vertices, atol=1e-12)


@pytest.mark.parametrize(("nside", "expected"), [(1, 12), (2, 48), (4, 192)])
def test_healpix_nodes(nside: int, expected: int) -> None:
    nodes = build_nodes("hidden", HealpixNodes(kind="healpix", nside=nside))
    assert nodes.size == expected
    assert nodes.description == {"kind": "healpix", "nside": nside}


@pytest.mark.parametrize("kind", ["file", "latlon_arrays"])
def test_npz_file_round_trip(tmp_path: Path, kind: str) -> None:
    latitudes = np.array([10.0, 20.5, -30.0])
    longitudes = np.array([0.0, 181.0, 359.5])
    path = tmp_path / "points.npz"
    np.savez(path, lat=latitudes.astype(np.float32), lon=longitudes)
    config = {"kind": kind, "path": str(path), "latitudes": "lat", "longitudes": "lon"}
    nodes = build_nodes("data", config)
    assert nodes.latitudes.dtype == np.float64
    np.testing.assert_allclose(nodes.latitudes, latitudes, atol=1e-5)
    np.testing.assert_array_equal(nodes.longitudes, longitudes)


def test_npz_missing_array_is_named(tmp_path: Path) -> None:
    path = tmp_path / "points.npz"
    np.savez(path, latitude=np.zeros(2), longitudes=np.zeros(2))
    with pytest.raises(GraphBuildError, match=r"'latitudes'.*latitude"):
        build_nodes("data", {"kind": "file", "path": str(path)})


@pytest.mark.slow  # importing xarray alone takes seconds
def test_netcdf_file(tmp_path: Path) -> None:
    xr = pytest.importorskip("xarray")
    path = tmp_path / "points.nc"
    data = xr.Dataset({"latitudes": ("n", [1.0, 2.0]), "longitudes": ("n", [3.0, 4.0])})
    data.to_netcdf(path, engine="scipy")
    nodes = build_nodes("data", {"kind": "file", "path": str(path)})
    np.testing.assert_array_equal(nodes.longitudes, [3.0, 4.0])


def test_area_keeps_points_inside_across_the_date_line() -> None:
    # [north, west, south, east] = [60, 170, 0, -170]: 20° wide, crossing 180°.
    nodes = build_nodes("hidden", {"kind": "healpix", "nside": 8, "area": [60, 170, 0, -170]})
    full = build_nodes("hidden", {"kind": "healpix", "nside": 8})
    assert 0 < nodes.size < full.size
    assert np.all((nodes.latitudes >= 0) & (nodes.latitudes <= 60))
    offset = np.mod(nodes.longitudes - 170.0, 360.0)
    assert np.all(offset <= 20.0)
    inside = (
        (full.latitudes >= 0) & (full.latitudes <= 60) & (np.mod(full.longitudes - 170, 360) <= 20)
    )
    assert nodes.size == int(inside.sum())


def test_area_restricts_the_icosahedral_mesh() -> None:
    nodes = build_nodes("hidden", {"kind": "icosahedral", "resolution": 3, "area": [90, 0, 0, 360]})
    assert nodes.mesh is not None
    assert nodes.mesh.vertices.shape[0] == nodes.size
    assert nodes.mesh.faces.shape[0] > 0 and nodes.mesh.faces.max() < nodes.size
    assert np.all(nodes.latitudes >= -1e-9)


def test_empty_area_names_the_set_and_the_area() -> None:
    with pytest.raises(GraphBuildError, match=r"'hidden'.*\[1\.0, 10\.0, 0\.9, 10\.1\]"):
        build_nodes("hidden", {"kind": "icosahedral", "resolution": 0, "area": [1, 10, 0.9, 10.1]})


def test_unknown_kind_gets_a_suggestion() -> None:
    with pytest.raises(GraphBuildError, match="Did you mean 'healpix'"):
        build_nodes("hidden", {"kind": "healpx", "nside": 4})


def test_invalid_settings_are_a_graph_build_error() -> None:
    with pytest.raises(GraphBuildError, match="nside"):
        build_nodes("hidden", {"kind": "healpix", "nside": 3})


def test_mask_of_a_grid_needs_a_dataset() -> None:
    config = {"kind": "grid", "grid": "O32", "mask": {"variable": "lsm"}}
    with pytest.raises(GraphBuildError, match=r"node set 'data'.*names no dataset"):
        build_nodes("data", config)


def test_area_limited_set_remembers_its_full_indices() -> None:
    full = build_nodes("hidden", {"kind": "icosahedral", "resolution": 2})
    assert full.full_indices is None and full.full_size is None
    nodes = build_nodes("hidden", {"kind": "icosahedral", "resolution": 2, "area": [90, 0, 0, 360]})
    assert nodes.full_indices is not None and nodes.full_size == full.size
    np.testing.assert_array_equal(nodes.latitudes, full.latitudes[nodes.full_indices])
    assert np.all(np.diff(nodes.full_indices) > 0)


def test_subset_composes_indices_and_keeps_whole_triangles() -> None:
    full = build_nodes("hidden", {"kind": "icosahedral", "resolution": 2})
    limited = build_nodes(
        "hidden", {"kind": "icosahedral", "resolution": 2, "area": [90, 0, 0, 360]}
    )
    kept = np.arange(0, limited.size, 2)
    subset = limited.subset(kept)
    assert subset.size == kept.size and subset.full_size == full.size
    assert subset.full_indices is not None and limited.full_indices is not None
    np.testing.assert_array_equal(subset.full_indices, limited.full_indices[kept])
    np.testing.assert_array_equal(subset.longitudes, full.longitudes[subset.full_indices])
    assert subset.mesh is not None and limited.mesh is not None
    np.testing.assert_allclose(subset.mesh.vertices, limited.mesh.vertices[kept])
    # every triangle left has its three corners among the kept nodes of the parent's triangles
    corners = {tuple(sorted(kept[face])) for face in subset.mesh.faces.tolist()}
    parents = {tuple(sorted(face)) for face in limited.mesh.faces.tolist()}
    assert corners <= parents


def test_dataset_coordinates_are_read_from_the_store(tmp_path: Path) -> None:
    zarr = pytest.importorskip("zarr")
    path = tmp_path / "data.zarr"
    root = zarr.open_group(str(path), mode="w")
    root.attrs.update({"kind": "dataset", "format_version": 1})
    root.create_array("latitudes", data=np.array([50.0, 40.0, -10.0]))
    root.create_array("longitudes", data=np.array([0.0, 350.0, 20.0]))
    nodes = build_nodes("data", {"kind": "dataset", "path": str(path), "area": [60, -20, 30, 10]})
    np.testing.assert_array_equal(nodes.latitudes, [50.0, 40.0])
    np.testing.assert_array_equal(nodes.longitudes, [0.0, 350.0])
    assert nodes.description["path"] == str(path)


def test_missing_dataset_is_explained(tmp_path: Path) -> None:
    with pytest.raises(GraphBuildError, match=r"no zarr\.json"):
        build_nodes("data", {"kind": "dataset", "path": str(tmp_path / "nope.zarr")})


def test_node_set_is_frozen() -> None:
    nodes = NodeSet("x", np.zeros(1), np.zeros(1))
    with pytest.raises(AttributeError):
        nodes.name = "y"  # type: ignore[misc]
