"""Refined icosahedral meshes and GraphCast's multi-mesh."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from fc_graphs.exceptions import GraphBuildError
from fc_graphs.geometry import great_circle_distance
from fc_graphs.meshes import (
    TriangularMesh,
    icosahedron,
    mesh_edges,
    multi_mesh_edges,
    refine,
    refined_meshes,
)

# GraphCast (Lam et al., 2023), table of mesh statistics.
GRAPHCAST_NODES = [12, 42, 162, 642, 2_562, 10_242, 40_962]


@pytest.fixture(scope="module")
def meshes() -> list[TriangularMesh]:
    return refined_meshes(6)


def _outward(mesh: TriangularMesh) -> npt.NDArray[np.bool_]:
    v, f = mesh.vertices, mesh.faces
    normals = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    centres = v[f].sum(axis=1)
    return np.einsum("ij,ij->i", normals, centres) > 0


def test_node_counts_match_graphcast(meshes: list[TriangularMesh]) -> None:
    assert [len(m.vertices) for m in meshes] == GRAPHCAST_NODES
    assert [len(m.faces) for m in meshes] == [20 * 4**k for k in range(7)]
    assert [m.level for m in meshes] == list(range(7))


def test_multi_mesh_has_graphcasts_327660_directed_edges() -> None:
    edges = multi_mesh_edges(6)
    assert edges.shape == (2, 327_660)
    assert edges.dtype == np.int64
    assert edges.min() == 0 and edges.max() == 40_961


def test_every_vertex_lies_on_the_unit_sphere(meshes: list[TriangularMesh]) -> None:
    for mesh in meshes:
        np.testing.assert_allclose(np.linalg.norm(mesh.vertices, axis=1), 1.0, atol=1e-15)


def test_faces_are_counter_clockwise_seen_from_outside(meshes: list[TriangularMesh]) -> None:
    for mesh in meshes:
        assert _outward(mesh).all(), f"level {mesh.level} has inward-facing triangles"


def test_coarse_vertices_are_a_prefix_of_finer_ones(meshes: list[TriangularMesh]) -> None:
    for coarse, fine in itertools.pairwise(meshes):
        np.testing.assert_array_equal(fine.vertices[: len(coarse.vertices)], coarse.vertices)


def test_edge_counts_and_eulers_formula_hold_on_every_level(
    meshes: list[TriangularMesh],
) -> None:
    for mesh in meshes:
        edges = mesh_edges(mesh.faces)
        assert edges.shape[1] == 2 * 30 * 4**mesh.level
        n_vertices, n_edges, n_faces = len(mesh.vertices), edges.shape[1] // 2, len(mesh.faces)
        assert n_vertices - n_edges + n_faces == 2


def test_mesh_is_closed_every_side_shared_by_two_faces(meshes: list[TriangularMesh]) -> None:
    # In a closed, consistently oriented mesh each directed side occurs in exactly one face.
    f = meshes[3].faces
    sides = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    assert len(np.unique(sides, axis=0)) == len(sides)
    reversed_sides = {tuple(s) for s in sides[:, ::-1].tolist()}
    assert reversed_sides == {tuple(s) for s in sides.tolist()}


def test_icosahedron_is_regular() -> None:
    vertices, faces = icosahedron()
    assert vertices.shape == (12, 3) and faces.shape == (20, 3)
    edges = mesh_edges(faces)
    lengths = great_circle_distance(vertices[edges[0]], vertices[edges[1]])
    np.testing.assert_allclose(lengths, np.arctan(2.0), atol=1e-14)
    assert np.all(np.bincount(edges[0]) == 5)


def test_refinement_keeps_the_mesh_nearly_uniform(meshes: list[TriangularMesh]) -> None:
    mesh = meshes[6]
    edges = mesh_edges(mesh.faces)
    lengths = great_circle_distance(mesh.vertices[edges[0]], mesh.vertices[edges[1]])
    # Projecting midpoints onto the sphere stretches some edges, but only a little.
    assert lengths.max() / lengths.min() < 1.3
    degrees = np.bincount(edges[0])
    assert set(degrees.tolist()) == {5, 6}
    assert np.sum(degrees == 5) == 12


def test_mesh_edges_are_symmetric_unique_and_sorted() -> None:
    edges = mesh_edges(refined_meshes(2)[-1].faces)
    pairs = set(zip(edges[0].tolist(), edges[1].tolist(), strict=True))
    assert len(pairs) == edges.shape[1]
    assert {(r, s) for s, r in pairs} == pairs
    keys = edges[0] * 1000 + edges[1]
    assert np.all(np.diff(keys) > 0)
    assert not np.any(edges[0] == edges[1])


def test_mesh_edges_of_an_open_mesh_get_both_directions() -> None:
    edges = mesh_edges(np.array([[0, 1, 2]]))
    assert sorted(zip(edges[0].tolist(), edges[1].tolist(), strict=True)) == [
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 2),
        (2, 0),
        (2, 1),
    ]


def test_multi_mesh_is_the_union_of_all_levels(meshes: list[TriangularMesh]) -> None:
    multi = multi_mesh_edges(2)
    as_set = set(zip(multi[0].tolist(), multi[1].tolist(), strict=True))
    expected: set[tuple[int, int]] = set()
    for mesh in meshes[:3]:
        e = mesh_edges(mesh.faces)
        expected |= set(zip(e[0].tolist(), e[1].tolist(), strict=True))
    assert as_set == expected
    assert multi.shape[1] == 60 + 240 + 960


def test_coarse_multi_mesh_edges_span_longer_distances(meshes: list[TriangularMesh]) -> None:
    fine = meshes[6].vertices
    level0 = mesh_edges(meshes[0].faces)
    level6 = mesh_edges(meshes[6].faces)
    long = great_circle_distance(fine[level0[0]], fine[level0[1]])
    short = great_circle_distance(fine[level6[0]], fine[level6[1]])
    assert short.max() < long.min() / 32


def test_x_hops_connects_nodes_up_to_x_edges_apart() -> None:
    # On the icosahedron each vertex has 5 neighbours, 5 vertices two edges away and its antipode
    # three edges away.
    assert multi_mesh_edges(0).shape[1] == 12 * 5
    two = multi_mesh_edges(0, x_hops=2)
    assert two.shape[1] == 12 * 10
    assert not np.any(two[0] == two[1])
    vertices, _ = icosahedron()
    farthest = great_circle_distance(vertices[two[0]], vertices[two[1]]).max()
    assert farthest < np.pi - 1e-6  # antipodes are not within two hops
    assert multi_mesh_edges(0, x_hops=3).shape[1] == 12 * 11


def test_x_hops_contains_the_one_hop_multi_mesh() -> None:
    one = multi_mesh_edges(2)
    two = multi_mesh_edges(2, x_hops=2)
    one_keys = set((one[0] * 1000 + one[1]).tolist())
    two_keys = set((two[0] * 1000 + two[1]).tolist())
    assert one_keys < two_keys


def test_refine_splits_each_face_into_four_sharing_midpoints() -> None:
    vertices, faces = icosahedron()
    new_vertices, new_faces = refine(vertices, faces)
    assert new_vertices.shape == (12 + 30, 3)
    assert new_faces.shape == (80, 3)
    # Every midpoint is used by exactly six faces: two corner triangles and the middle one on
    # each side of its edge.
    uses = np.bincount(new_faces.ravel(), minlength=len(new_vertices))
    assert np.all(uses[12:] == 6)
    assert np.all(uses[:12] == 5)


@pytest.mark.parametrize("level", [-1, 11, 2.0, True, "6"])
def test_bad_levels_are_refused(level: object) -> None:
    with pytest.raises(GraphBuildError, match="level"):
        refined_meshes(level)  # type: ignore[arg-type]
    with pytest.raises(GraphBuildError, match="level"):
        multi_mesh_edges(level)  # type: ignore[arg-type]


@pytest.mark.parametrize("x_hops", [0, -2, 1.5])
def test_bad_x_hops_are_refused(x_hops: object) -> None:
    with pytest.raises(GraphBuildError, match="x_hops"):
        multi_mesh_edges(1, x_hops=x_hops)  # type: ignore[arg-type]


def test_refine_rejects_faces_that_do_not_fit_the_vertices() -> None:
    vertices, faces = icosahedron()
    with pytest.raises(GraphBuildError, match="refers to vertex 11"):
        refine(vertices[:-1], faces)
    with pytest.raises(GraphBuildError, match=r"\[n_faces, 3\]"):
        refine(vertices, faces[:, :2])
    with pytest.raises(GraphBuildError, match="integer"):
        mesh_edges(faces.astype(float))


def test_mesh_is_frozen(meshes: list[TriangularMesh]) -> None:
    with pytest.raises(AttributeError):
        meshes[0].level = 3  # type: ignore[misc]
