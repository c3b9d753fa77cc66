"""Hexagonal (H3) meshes: cells, centres, rings and multi-scale edges, checked against h3."""

from __future__ import annotations

import itertools
import sys
import types
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from fc_graphs.exceptions import GraphBuildError, GraphError
from fc_graphs.geometry import great_circle_distance, latlon_to_xyz
from fc_graphs.meshes import hexagonal
from fc_graphs.meshes.hexagonal import (
    MissingDependencyError,
    hexagonal_cell_count,
    hexagonal_cells,
    hexagonal_edges,
    hexagonal_mesh_edges,
    hexagonal_nodes,
)

_EARTH_RADIUS_KM = 6371.0  # close enough for a 2 % check of h3's average edge length


@pytest.fixture
def h3() -> Any:
    """h3's integer API, or skip: h3 is the optional extra ``fc-graphs[hexagons]``."""
    pytest.importorskip("h3")
    from h3.api import basic_int

    return basic_int


def _edge_set(edges: npt.NDArray[np.int64]) -> set[tuple[int, int]]:
    return set(zip(edges[0].tolist(), edges[1].tolist(), strict=True))


def _reference_edges(
    h3: Any, resolution: int, levels: list[int], hops: int
) -> set[tuple[int, int]]:
    """The definition, cell by cell with h3: centre children of every level's grid_disk."""
    cells = hexagonal_cells(resolution)
    position = {cell: i for i, cell in enumerate(cells.tolist())}
    edges: set[tuple[int, int]] = set()
    for level in levels:
        for cell in hexagonal_cells(level).tolist():
            sender = position[h3.cell_to_center_child(cell, resolution)]
            for neighbour in h3.grid_disk(cell, hops):
                receiver = position[h3.cell_to_center_child(neighbour, resolution)]
                if receiver != sender:
                    edges.add((sender, receiver))
    return edges


@pytest.mark.parametrize(("resolution", "expected"), [(0, 122), (1, 842), (2, 5882)])
def test_cell_count_is_two_plus_120_times_seven_to_the_resolution(
    h3: Any, resolution: int, expected: int
) -> None:
    cells = hexagonal_cells(resolution)
    latitudes, longitudes = hexagonal_nodes(resolution)
    assert cells.dtype == np.uint64
    assert cells.shape == latitudes.shape == longitudes.shape == (expected,)
    assert hexagonal_cell_count(resolution) == expected == h3.get_num_cells(resolution)
    assert np.unique(cells).size == expected
    assert all(h3.get_resolution(cell) == resolution for cell in cells.tolist()[::97])


def test_cells_are_sorted_so_each_coarse_cell_owns_a_contiguous_block(h3: Any) -> None:
    cells = hexagonal_cells(2)
    assert np.all(np.diff(cells) > 0)
    parents = [h3.cell_to_parent(cell, 1) for cell in cells.tolist()]
    # each parent appears in one run: the number of runs equals the number of parents
    runs = 1 + sum(a != b for a, b in itertools.pairwise(parents))
    assert runs == len(set(parents)) == 842


def test_centres_are_h3_cell_centres_on_the_sphere(h3: Any) -> None:
    cells = hexagonal_cells(1)
    latitudes, longitudes = hexagonal_nodes(1)
    assert latitudes.dtype == longitudes.dtype == np.float64
    expected = np.array([h3.cell_to_latlng(cell) for cell in cells.tolist()])
    np.testing.assert_allclose(latitudes, expected[:, 0], atol=1e-12)
    difference = np.mod(longitudes - expected[:, 1] + 180.0, 360.0) - 180.0
    np.testing.assert_allclose(difference, 0.0, atol=1e-12)
    assert np.all((longitudes > -180.0) & (longitudes <= 180.0))
    assert np.all(np.abs(latitudes) <= 90.0)
    xyz = latlon_to_xyz(latitudes, longitudes)
    np.testing.assert_allclose(np.linalg.norm(xyz, axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("resolution", [0, 1, 2])
def test_mesh_edges_join_each_cell_to_its_h3_ring(h3: Any, resolution: int) -> None:
    edges = hexagonal_mesh_edges(resolution)
    assert _edge_set(edges) == _reference_edges(h3, resolution, [resolution], 1)


@pytest.mark.parametrize("resolution", [0, 2])
def test_mesh_edges_are_symmetric_sorted_and_without_self_loops(h3: Any, resolution: int) -> None:
    edges = hexagonal_mesh_edges(resolution)
    n = hexagonal_cell_count(resolution)
    assert edges.dtype == np.int64
    assert edges.shape == (2, 6 * n - 12)
    assert edges.min() >= 0 and edges.max() < n
    assert not np.any(edges[0] == edges[1])
    keys = edges[0] * n + edges[1]
    assert np.all(np.diff(keys) > 0)  # sorted by sender, then receiver, no duplicates
    assert np.array_equal(np.sort(keys), np.sort(edges[1] * n + edges[0]))


def test_hexagons_have_six_neighbours_and_the_twelve_pentagons_five(h3: Any) -> None:
    cells = hexagonal_cells(2)
    degree = np.bincount(hexagonal_mesh_edges(2)[0], minlength=cells.size)
    pentagon = np.isin(cells, np.asarray(h3.get_pentagons(2), dtype=np.uint64))
    assert pentagon.sum() == 12
    assert np.all(degree[pentagon] == 5)
    assert np.all(degree[~pentagon] == 6)


def test_two_hops_reach_the_second_ring(h3: Any) -> None:
    edges = hexagonal_mesh_edges(1, x_hops=2)
    assert _edge_set(edges) == _reference_edges(h3, 1, [1], 2)
    cells = hexagonal_cells(1)
    degree = np.bincount(edges[0], minlength=cells.size)
    assert np.median(degree) == 18  # 6 + 12 around a hexagon far from the pentagons


@pytest.mark.parametrize(("resolution", "hops"), [(2, 1), (1, 2)])
def test_multi_scale_edges_join_centre_children_of_every_level(
    h3: Any, resolution: int, hops: int
) -> None:
    edges = hexagonal_edges(resolution, x_hops=hops)
    levels = list(range(resolution + 1))
    assert _edge_set(edges) == _reference_edges(h3, resolution, levels, hops)


def test_multi_scale_adds_long_edges_to_the_single_scale_mesh(h3: Any) -> None:
    single = hexagonal_mesh_edges(2)
    multi = hexagonal_edges(2)
    assert _edge_set(single) < _edge_set(multi)
    # no two levels share an edge: the count is the sum of the levels' mesh edges
    assert multi.shape[1] == sum(6 * hexagonal_cell_count(level) - 12 for level in (0, 1, 2))
    some = hexagonal_edges(2, scale_resolutions=[2, 0])
    assert some.shape[1] == single.shape[1] + 6 * 122 - 12
    assert _edge_set(some) == _edge_set(single) | _reference_edges(h3, 2, [0], 1)


def test_edges_shrink_by_root_seven_per_resolution(h3: Any) -> None:
    lengths = []
    for resolution in (0, 1, 2):
        xyz = latlon_to_xyz(*hexagonal_nodes(resolution))
        edges = hexagonal_mesh_edges(resolution)
        lengths.append(float(np.mean(great_circle_distance(xyz[edges[0]], xyz[edges[1]]))))
    ratios = np.array(lengths[:-1]) / np.array(lengths[1:])
    np.testing.assert_allclose(ratios, np.sqrt(7.0), rtol=0.02)
    # neighbouring centres of regular hexagons are √3 edge lengths apart
    side = h3.average_hexagon_edge_length(2, unit="km") / _EARTH_RADIUS_KM
    assert lengths[2] == pytest.approx(np.sqrt(3.0) * side, rel=0.02)


def test_h3_decides_where_geometry_is_not_clear_cut(
    h3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = hexagonal_edges(1)
    # with an impossible margin every ring is asked of h3: the result must not change
    monkeypatch.setattr(hexagonal, "_CLEAR_MARGIN", 100.0)
    np.testing.assert_array_equal(hexagonal_edges(1), expected)


@pytest.mark.parametrize("resolution", [-1, 7, 1.5, True, "3"])
def test_bad_resolutions_are_refused(resolution: Any) -> None:
    with pytest.raises(GraphBuildError, match="resolution"):
        hexagonal_cells(resolution)
    with pytest.raises(GraphBuildError, match="resolution"):
        hexagonal_cell_count(resolution)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x_hops": 0}, "x_hops must be at least 1"),
        ({"scale_resolutions": [3]}, "finer than the mesh's resolution 2"),
        ({"scale_resolutions": [-1]}, "at least 0"),
        ({"scale_resolutions": []}, "empty"),
        ({"scale_resolutions": 2}, "list of H3 resolutions"),
    ],
)
def test_bad_edge_settings_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(GraphBuildError, match=message):
        hexagonal_edges(2, **kwargs)


def test_missing_h3_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("h3", "h3.api", "h3.api.basic_int", "h3.api.numpy_int"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import h3...` raise ImportError
    for build in (hexagonal_cells, hexagonal_nodes, hexagonal_edges):
        with pytest.raises(MissingDependencyError, match=r'pip install "fc-graphs\[hexagons\]"'):
            build(1)
    with pytest.raises(ImportError):  # code guarding optional features catches it too
        hexagonal_cells(1)
    with pytest.raises(GraphError):
        hexagonal_cells(1)
    assert hexagonal_cell_count(3) == 41162  # sizing a mesh needs no h3


def test_h3_older_than_version_4_is_refused(h3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    api = sys.modules["h3.api"]
    monkeypatch.setattr(api, "basic_int", types.ModuleType("h3.api.basic_int"))
    with pytest.raises(MissingDependencyError, match="version 4"):
        hexagonal_nodes(0)
