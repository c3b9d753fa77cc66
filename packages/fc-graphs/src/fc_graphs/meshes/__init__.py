"""Hidden meshes on the sphere: the node sets and edges that the processor passes messages on."""

from __future__ import annotations

from fc_graphs.meshes.healpix import healpix_npix, healpix_pixel_centres
from fc_graphs.meshes.icosahedral import (
    TriangularMesh,
    icosahedron,
    mesh_edges,
    multi_mesh_edges,
    refine,
    refined_meshes,
)

__all__ = [
    "TriangularMesh",
    "healpix_npix",
    "healpix_pixel_centres",
    "icosahedron",
    "mesh_edges",
    "multi_mesh_edges",
    "refine",
    "refined_meshes",
]
