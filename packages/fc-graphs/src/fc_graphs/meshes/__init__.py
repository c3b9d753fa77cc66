"""Hidden meshes on the sphere: the node sets and edges that the processor passes messages on.

The hexagonal (H3) meshes need the optional h3 package (``pip install "fc-graphs[hexagons]"``);
it is imported only when one of their functions is called.
"""

from __future__ import annotations

from fc_graphs.meshes.healpix import healpix_npix, healpix_pixel_centres
from fc_graphs.meshes.hexagonal import (
    MissingDependencyError,
    hexagonal_cell_count,
    hexagonal_cells,
    hexagonal_edges,
    hexagonal_mesh_edges,
    hexagonal_nodes,
)
from fc_graphs.meshes.icosahedral import (
    TriangularMesh,
    icosahedron,
    mesh_edges,
    multi_mesh_edges,
    refine,
    refined_meshes,
    within_hops,
)

__all__ = [
    "MissingDependencyError",
    "TriangularMesh",
    "healpix_npix",
    "healpix_pixel_centres",
    "hexagonal_cell_count",
    "hexagonal_cells",
    "hexagonal_edges",
    "hexagonal_mesh_edges",
    "hexagonal_nodes",
    "icosahedron",
    "mesh_edges",
    "multi_mesh_edges",
    "refine",
    "refined_meshes",
    "within_hops",
]
