"""Edge builders: k-nearest, radius, containing triangle, reverse, masks, unconnected nodes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from fc_graphs.edges import (
    apply_masks,
    containing_triangle_edges,
    knn_edges,
    radius_edges,
    reference_edge_length,
    reverse,
    unconnected,
)
from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import great_circle_distance, latlon_to_xyz
from fc_graphs.meshes import TriangularMesh, mesh_edges, refined_meshes
from fc_utils.grids import grid_from_name


@pytest.fixture(scope="module")
def grid_xyz() -> npt.NDArray[np.float64]:
    grid = grid_from_name("O32")
    return latlon_to_xyz(grid.latitudes, grid.longitudes)


@pytest.fixture(scope="module")
def mesh() -> TriangularMesh:
    return refined_meshes(3)[-1]


def _random_points(n: int, seed: int) -> npt.NDArray[np.float64]:
    points = np.random.default_rng(seed).normal(size=(n, 3))
    return points / np.linalg.norm(points, axis=-1, keepdims=True)


def _pairs(edges: npt.NDArray[np.int64]) -> set[tuple[int, int]]:
    return {(int(s), int(t)) for s, t in edges.T}


def test_knn_matches_brute_force() -> None:
    sources, targets = _random_points(200, 0), _random_points(50, 1)
    edges = knn_edges(sources, targets, 4)
    assert edges.shape == (2, 200) and edges.dtype == np.int64
    distances = great_circle_distance(sources[None, :, :], targets[:, None, :])  # [target, source]
    expected = np.argsort(distances, axis=1)[:, :4]
    assert np.array_equal(edges[0].reshape(50, 4), expected)
    assert np.array_equal(edges[1], np.repeat(np.arange(50), 4))


def test_knn_rejects_k_larger_than_sources() -> None:
    with pytest.raises(GraphBuildError, match="k must be"):
        knn_edges(_random_points(3, 0), _random_points(5, 1), 4)


def test_radius_matches_brute_force() -> None:
    sources, targets = _random_points(300, 2), _random_points(40, 3)
    radius = 0.3
    edges = radius_edges(sources, targets, radius)
    distances = great_circle_distance(sources[None, :, :], targets[:, None, :])
    target_index, source_index = np.nonzero(distances <= radius)
    assert _pairs(edges) == set(zip(source_index.tolist(), target_index.tolist(), strict=True))
    assert np.all(np.diff(edges[1]) >= 0)  # grouped by target


def test_radius_keeps_coincident_points() -> None:
    # A grid point exactly on a mesh node (the poles) must be connected to it.
    points = latlon_to_xyz([90.0, 0.0], [0.0, 0.0])
    edges = radius_edges(points, points, 0.1)
    assert _pairs(edges) == {(0, 0), (1, 1)}


def test_radius_rejects_degrees() -> None:
    with pytest.raises(GraphBuildError, match="radians"):
        radius_edges(_random_points(5, 0), _random_points(5, 1), 30.0)


def test_encoder_radius_reaches_every_grid_point(
    grid_xyz: npt.NDArray[np.float64], mesh: TriangularMesh
) -> None:
    edges_of_mesh = mesh_edges(mesh.faces)
    length = reference_edge_length(mesh.vertices, edges_of_mesh)
    lengths = great_circle_distance(
        mesh.vertices[edges_of_mesh[0]], mesh.vertices[edges_of_mesh[1]]
    )
    assert length == pytest.approx(lengths.max())
    encoder = radius_edges(grid_xyz, mesh.vertices, 0.6 * length)
    lonely_grid, lonely_mesh = unconnected(encoder, len(grid_xyz), len(mesh.vertices))
    assert lonely_grid.size == 0 and lonely_mesh.size == 0


def test_containing_triangle_gives_three_vertices_that_contain_the_point(
    grid_xyz: npt.NDArray[np.float64], mesh: TriangularMesh
) -> None:
    edges = containing_triangle_edges(mesh, grid_xyz)
    assert edges.shape == (2, 3 * len(grid_xyz)) and edges.dtype == np.int64
    assert np.array_equal(np.bincount(edges[1]), np.full(len(grid_xyz), 3))
    corners = mesh.vertices[edges[0].reshape(-1, 3)]  # [grid, 3, 3]
    assert np.all(
        [len(set(row)) == 3 for row in edges[0].reshape(-1, 3).tolist()]
    )  # three distinct vertices
    # The point is a non-negative combination of the triangle's corners: inside the cone.
    weights = np.linalg.solve(np.transpose(corners, (0, 2, 1)), grid_xyz[..., None])[..., 0]
    assert weights.min() > -1e-9
    # And the triangle is one of the mesh's faces.
    faces = {tuple(sorted(face)) for face in mesh.faces.tolist()}
    assert all(tuple(sorted(row)) in faces for row in edges[0].reshape(-1, 3).tolist())


def test_containing_triangle_handles_points_on_vertices_and_edges(mesh: TriangularMesh) -> None:
    on_vertices = mesh.vertices[:12]
    a, b = mesh.faces[0, 0], mesh.faces[0, 1]
    midpoint = mesh.vertices[a] + mesh.vertices[b]
    points = np.concatenate([on_vertices, midpoint[None] / np.linalg.norm(midpoint)])
    edges = containing_triangle_edges(mesh, points)
    for i in range(12):
        assert i in edges[0, edges[1] == i]
    assert {int(a), int(b)} <= set(edges[0, edges[1] == 12].tolist())


def test_reverse_swaps_rows() -> None:
    edges = np.array([[0, 1, 2], [5, 6, 7]])
    assert np.array_equal(reverse(edges), [[5, 6, 7], [0, 1, 2]])
    assert np.array_equal(reverse(reverse(edges)), edges)


def test_apply_masks_keeps_edges_between_selected_nodes() -> None:
    edges = np.array([[0, 1, 2, 3], [0, 1, 1, 2]])
    source_mask = np.array([True, False, True, True])
    target_mask = np.array([True, True, False])
    assert np.array_equal(apply_masks(edges, source_mask, target_mask), [[0, 2], [0, 1]])
    assert np.array_equal(apply_masks(edges, source_mask=source_mask), [[0, 2, 3], [0, 1, 2]])
    assert np.array_equal(apply_masks(edges), edges)
    renumbered = apply_masks(edges, source_mask, target_mask, renumber=True)
    assert np.array_equal(renumbered, [[0, 1], [0, 1]])


def test_apply_masks_rejects_short_or_non_boolean_masks() -> None:
    edges = np.array([[0, 3], [0, 1]])
    with pytest.raises(GraphBuildError, match="covers only"):
        apply_masks(edges, source_mask=np.array([True, True]))
    with pytest.raises(GraphBuildError, match="boolean"):
        apply_masks(edges, target_mask=np.array([1, 0]))


def test_unconnected_reports_nodes_without_edges() -> None:
    edges = np.array([[0, 2, 2], [1, 1, 3]])
    sources, targets = unconnected(edges, 4, 5)
    assert np.array_equal(sources, [1, 3])
    assert np.array_equal(targets, [0, 2, 4])


def test_unconnected_rejects_indices_beyond_counts() -> None:
    with pytest.raises(GraphBuildError, match="only 2 target"):
        unconnected(np.array([[0], [2]]), 1, 2)


def test_edges_must_be_two_rows() -> None:
    with pytest.raises(GraphBuildError, match=r"\[2, n_edges\]"):
        reverse(np.zeros((3, 2), dtype=np.int64))


def test_containing_triangle_reports_points_outside_the_mesh(mesh: TriangularMesh) -> None:
    northern = mesh.faces[mesh.vertices[mesh.faces].mean(axis=1)[:, 2] > 0]
    half = TriangularMesh(vertices=mesh.vertices, faces=northern, level=mesh.level)
    with pytest.raises(GraphBuildError, match="lie in no mesh triangle"):
        containing_triangle_edges(half, latlon_to_xyz([-60.0, 60.0], [10.0, 10.0]))
