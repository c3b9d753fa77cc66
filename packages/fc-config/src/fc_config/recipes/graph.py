"""The graph recipe: what ``fc-graphs create`` builds, holding what Anemoi's graph recipes hold.

A recipe names node sets (``nodes``), the edge sets between them (``edges``), steps applied
to the built graph (``post_processors``) and how strictly to check it (``checks``)::

    nodes:
      data: {builder: {kind: dataset, path: era5-o96.zarr},
             attributes: {area_weight: {kind: voronoi, norm: unit-max}}}
      hidden: {builder: {kind: icosahedral, resolution: 6}}
    edges:
      - {source: data, target: hidden, builders: [{kind: cutoff, cutoff_factor: 0.6}]}
      - {source: hidden, target: hidden, builders: [{kind: multi_scale, x_hops: 1}]}
      - {source: hidden, target: data, builders: [{kind: knn, num_nearest_neighbours: 3}]}

Every builder, attribute and post-processor is chosen by a ``kind`` key, so that editors can
complete and check them from the JSON Schema and a misspelled kind gets a suggestion.

Anemoi's spellings
------------------
Plain renames are accepted: ``node_builder`` for ``builder``, ``source_name`` /
``target_name`` for ``source`` / ``target`` (of edge sets and of ``restrict_edge_length``),
``nodes_name`` for the ``nodes`` of ``remove_unconnected_nodes`` and ``edge_builders`` for
``builders``. Anemoi selects builders by ``_target_`` (a Python class path such as
``anemoi.graphs.nodes.TriNodes``); fc never imports classes named in a recipe, so an entry
with ``_target_`` is an error that names the fc ``kind`` to write instead (``TriNodes`` →
``icosahedral``, ``ZarrDatasetNodes`` → ``dataset``, ``KNNEdges`` → ``knn``, ``CutOffEdges``
→ ``cutoff``, ``MultiScaleEdges`` → ``multi_scale``, see :data:`ANEMOI_CLASSES`). The
parameters keep Anemoi's names (``num_nearest_neighbours``, ``cutoff_factor``, ``x_hops``,
``scale_resolutions``), so the fix is the one line. The translation is not silent because
the two builders do not always agree in every detail; the user should know they changed.

Cross-field checks: edge sets and post-processors name existing node sets (with a
suggestion), masks name mask attributes of their node set, ``multi_scale`` edges join an
icosahedral node set to itself with levels up to its resolution, ``containing_triangle``
edges start at a triangular icosahedral mesh, and no two edge sets share (source, name,
target).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, field_validator, model_validator

from fc_config.base import FcModel
from fc_config.recipes.dates import problem, raise_problems
from fc_config.suggest import closest_match

__all__ = [
    "ANEMOI_CLASSES",
    "AreaWeightAttribute",
    "ContainingTriangleEdges",
    "CutoffEdges",
    "DatasetNodes",
    "EdgeAttribute",
    "EdgeBuilder",
    "EdgeSet",
    "FileNodes",
    "GraphChecks",
    "GraphRecipe",
    "GridNodes",
    "HealpixNodes",
    "IcosahedralNodes",
    "KnnEdges",
    "MaskAttribute",
    "MultiScaleEdges",
    "NodeAttribute",
    "NodeBuilder",
    "NodeMask",
    "NodeSet",
    "PostProcessor",
    "RemoveUnconnectedNodes",
    "RestrictEdgeLength",
]

#: Anemoi class names (last part of ``_target_``) -> the fc ``kind`` (and keys) to use instead.
ANEMOI_CLASSES: dict[str, str] = {
    # node builders
    "AnemoiDatasetNodes": "dataset",
    "ZarrDatasetNodes": "dataset",
    "NPZFileNodes": "file",
    "LatLonNodes": "latlon_arrays",
    "ReducedGaussianGridNodes": "grid",
    "TriNodes": "icosahedral",
    "HexNodes": "icosahedral (with shape: hexagons)",
    "LimitedAreaTriNodes": "icosahedral (with area or mask)",
    "LimitedAreaHexNodes": "icosahedral (with shape: hexagons and area or mask)",
    "HEALPixNodes": "healpix",
    "LimitedAreaHEALPixNodes": "healpix (with area or mask)",
    # edge builders
    "KNNEdges": "knn",
    "CutOffEdges": "cutoff",
    "MultiScaleEdges": "multi_scale",
    # attributes
    "AreaWeights": "voronoi",
    "SphericalAreaWeights": "voronoi",
    "CosineLatWeightedAttribute": "cos_latitude",
    "UniformWeights": "uniform",
    "NonmissingAnemoiDatasetVariable": "mask",
    "EdgeLength": "edge_length",
    "EdgeDirection": "edge_dirs",
    # post-processors
    "RemoveUnconnectedNodes": "remove_unconnected_nodes",
    "RestrictEdgeLength": "restrict_edge_length",
}

#: What changes besides the kind, for Anemoi classes whose parameters fc names differently.
_ANEMOI_KEYS: dict[str, str] = {
    "AnemoiDatasetNodes": "dataset: becomes path:",
    "ZarrDatasetNodes": "dataset: becomes path:",
    "NPZFileNodes": (
        "grid_definition_path: and resolution: become path: (the .npz file itself), with "
        "latitudes:/longitudes: naming its arrays"
    ),
    "HEALPixNodes": "resolution: r becomes nside: 2**r",
    "LimitedAreaHEALPixNodes": (
        "resolution: r becomes nside: 2**r, and reference_node_name: becomes an area: or mask:"
    ),
    "LimitedAreaTriNodes": "reference_node_name: and margin_radius_km: become an area: or mask:",
    "LimitedAreaHexNodes": "reference_node_name: and margin_radius_km: become an area: or mask:",
}

Norm = Literal["none", "unit-max", "unit-sum", "unit-std"]

_EDGE_DIRS_SUM = (
    "edge_dirs components are positive and negative, so unit-sum cannot scale them; use "
    "unit-max, unit-std or none"
)
Loc = tuple[str | int, ...]

_ENDS = ("source", "target")

#: Finest H3 resolution fc builds meshes at (resolution 7 would have 99 million cells).
_MAX_H3_RESOLUTION = 6

_GRID_NAME = re.compile(r"^\s*(?:[ONF]\d+|[\d.p]+(?:[x/][\d.p]+)?)\s*$", re.IGNORECASE)


def _no_target(value: Any) -> Any:
    """Explain an Anemoi ``_target_`` entry: which fc ``kind`` replaces its class."""
    if not isinstance(value, dict) or "_target_" not in value:
        return value
    target = str(value["_target_"])
    name = target.rpartition(".")[2]
    kind = ANEMOI_CLASSES.get(name)
    if kind is None:
        close = closest_match(name, ANEMOI_CLASSES)
        hint = f" (did you mean {close}, kind {ANEMOI_CLASSES[close]}?)" if close else ""
        raise ValueError(
            f"_target_ {target!r} is an Anemoi class path, and fc knows no equivalent of "
            f"{name}{hint}; fc selects builders by kind, see the schema for the kinds"
        )
    keys = _ANEMOI_KEYS.get(name, "the other keys keep their names")
    raise ValueError(
        f"_target_ {target!r} is Anemoi's way to select a class; fc selects by kind: replace "
        f"_target_ with kind: {kind} ({keys})"
    )


# --- node builders ------------------------------------------------------------------------------


class NodeMask(FcModel):
    """A dataset variable that limits a node set to where it is non-zero (e.g. a land-sea mask)."""

    variable: str = Field(min_length=1)
    """Name of the variable in the dataset (e.g. ``lsm``); nodes are kept where it is non-zero
    and not missing."""

    dataset: str | None = None
    """Path of the dataset that holds the variable; leave it out for a ``dataset`` builder to
    use its own dataset."""


class _NodeBuilderBase(FcModel):
    """Options every node builder has: limiting the nodes to a region."""

    area: tuple[float, float, float, float] | None = None
    """Limited area as ``[north, west, south, east]`` in degrees: only nodes inside are kept
    (for limited-area models; leave it out for a global set)."""

    mask: NodeMask | None = None
    """Keep only the nodes where a dataset variable is non-zero (e.g. a regional mask)."""

    @field_validator("area")
    @classmethod
    def _area(
        cls, value: tuple[float, float, float, float] | None
    ) -> tuple[float, float, float, float] | None:
        if value is None:
            return value
        north, _, south, _ = value
        if not -90 <= south < north <= 90:
            raise ValueError(
                "expected [north, west, south, east] with -90 <= south < north <= 90; "
                "check the order of the values"
            )
        return value


class DatasetNodes(_NodeBuilderBase):
    """The grid points of an fc dataset (Anemoi's ``ZarrDatasetNodes``/``AnemoiDatasetNodes``)."""

    kind: Literal["dataset"]
    """Selects this builder."""

    path: str = Field(min_length=1)
    """Path or URL of the dataset whose coordinates become the nodes."""


class FileNodes(_NodeBuilderBase):
    """Coordinates read from an ``.npz`` or NetCDF file (Anemoi's ``NPZFileNodes``/``LatLonNodes``)."""

    kind: Literal["file", "latlon_arrays"]
    """Selects this builder (``latlon_arrays`` is a synonym kept for Anemoi users)."""

    path: str = Field(min_length=1)
    """Path of the ``.npz`` or NetCDF file."""

    latitudes: str = "latitudes"
    """Name of the array (npz) or variable (NetCDF) of latitudes, in degrees."""

    longitudes: str = "longitudes"
    """Name of the array (npz) or variable (NetCDF) of longitudes, in degrees."""


class GridNodes(_NodeBuilderBase):
    """The points of a named grid that fc-utils knows (``O96``, ``N320``, ``1p0`` ...)."""

    kind: Literal["grid"]
    """Selects this builder."""

    grid: str
    """Grid name: ``O<n>`` octahedral, ``N<n>`` reduced or ``F<n>`` regular Gaussian, or a
    lat-lon step such as ``1p0``, ``0p25`` or ``0.25x0.25``."""

    @field_validator("grid")
    @classmethod
    def _grid(cls, value: str) -> str:
        if not _GRID_NAME.match(value):
            raise ValueError("expected a grid name such as O96, N320, F90, 1p0, 0p25 or 0.25x0.25")
        return value.strip()


class IcosahedralNodes(_NodeBuilderBase):
    """A refined icosahedron: the multi-scale mesh of GraphCast (Anemoi's ``TriNodes``)."""

    kind: Literal["icosahedral"]
    """Selects this builder."""

    resolution: int = Field(ge=0, le=10)
    """Refinement level: each level splits every triangle in four (level 6 has 40,962 nodes)."""

    shape: Literal["triangles", "hexagons"] = "triangles"
    """``triangles`` refines the icosahedron itself (``resolution`` 0-10); ``hexagons`` takes
    the cells of Uber's H3 grid at that resolution (0-6; 2 + 120·7^r cells, Anemoi's
    ``HexNodes``; needs ``pip install "fc-graphs[hexagons]"``)."""

    @model_validator(mode="after")
    def _hexagon_resolution(self) -> IcosahedralNodes:
        if self.shape == "hexagons" and self.resolution > _MAX_H3_RESOLUTION:
            raise ValueError(
                f"resolution {self.resolution} is too fine for hexagons: H3 resolution "
                f"{_MAX_H3_RESOLUTION} already has {2 + 120 * 7**_MAX_H3_RESOLUTION:,} cells; "
                f"use a resolution from 0 to {_MAX_H3_RESOLUTION}"
            )
        return self


class HealpixNodes(_NodeBuilderBase):
    """The centres of a HEALPix grid's equal-area cells (Anemoi's ``HEALPixNodes``)."""

    kind: Literal["healpix"]
    """Selects this builder."""

    nside: int = Field(ge=1, le=8192)
    """Cells along a side of each of the 12 base cells (12·nside² nodes); a power of two."""

    @field_validator("nside")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("expected a power of two (1, 2, 4, ... 8192)")
        return value


#: The node builders, chosen by ``kind``.
NodeBuilder = Annotated[
    DatasetNodes | FileNodes | GridNodes | IcosahedralNodes | HealpixNodes,
    Field(discriminator="kind"),
    BeforeValidator(_no_target),
]


# --- attributes -------------------------------------------------------------------------------


class AreaWeightAttribute(FcModel):
    """A weight per node proportional to the area it stands for (e.g. for the loss)."""

    kind: Literal["voronoi", "cos_latitude", "uniform"]
    """``voronoi``: the area of each node's spherical Voronoi cell; ``cos_latitude``: the
    cosine of the latitude (regular lat-lon grids); ``uniform``: 1 for every node."""

    norm: Norm = "unit-max"
    """Scaling of the weights: ``unit-max`` (largest is 1), ``unit-sum`` (they sum to 1),
    ``unit-std`` (standard deviation 1) or ``none``."""

    @model_validator(mode="after")
    def _scalable(self) -> AreaWeightAttribute:
        if self.kind == "uniform" and self.norm == "unit-std":
            raise ValueError(
                "uniform weights are all equal, so their standard deviation is 0 and unit-std "
                "cannot scale them; use unit-max, unit-sum or none"
            )
        return self


class MaskAttribute(FcModel):
    """A boolean per node: true where a dataset variable is non-zero and not missing."""

    kind: Literal["mask"]
    """Selects this attribute."""

    variable: str = Field(min_length=1)
    """Name of the dataset variable (e.g. ``lsm``)."""

    dataset: str | None = None
    """Path of the dataset; leave it out for a node set built from a dataset to use it."""


#: The node attributes, chosen by ``kind``.
NodeAttribute = Annotated[
    AreaWeightAttribute | MaskAttribute, Field(discriminator="kind"), BeforeValidator(_no_target)
]


class EdgeAttribute(FcModel):
    """A value stored per edge, as input features of the model."""

    kind: Literal["edge_length", "edge_dirs"] | None = None
    """``edge_length``: great-circle length; ``edge_dirs``: direction of the edge in the
    target's local frame. Leave it out when the attribute is named after its kind."""

    norm: Norm = "unit-max"
    """Scaling: ``unit-max``, ``unit-sum``, ``unit-std`` or ``none`` (``edge_dirs`` takes
    ``unit-max``, ``unit-std`` or ``none``: its components have both signs, so they have no
    meaningful sum)."""

    @model_validator(mode="before")
    @classmethod
    def _anemoi(cls, value: Any) -> Any:
        return _no_target(value)

    @model_validator(mode="after")
    def _scalable(self) -> EdgeAttribute:
        if self.kind == "edge_dirs" and self.norm == "unit-sum":
            raise ValueError(_EDGE_DIRS_SUM)
        return self


# --- node and edge sets -----------------------------------------------------------------------


class NodeSet(FcModel):
    """One set of nodes, e.g. ``data`` (the grid) or ``hidden`` (the processor's mesh)."""

    builder: NodeBuilder = Field(validation_alias=AliasChoices("builder", "node_builder"))
    """How the nodes are made, chosen by ``kind`` (Anemoi's ``node_builder``)."""

    attributes: dict[str, NodeAttribute] = Field(default_factory=dict)
    """Values stored per node, by name, e.g. ``area_weight: {kind: voronoi}``."""

    @model_validator(mode="after")
    def _mask_datasets(self) -> NodeSet:
        if isinstance(self.builder, DatasetNodes):
            return self
        # locations name the union member (the kind), as pydantic's do; fc hides it
        places: list[tuple[Loc, Any]] = [
            (("builder", self.builder.kind, "mask"), self.builder.mask)
        ]
        places += [(("attributes", k, "mask"), a) for k, a in self.attributes.items()]
        problems = [
            problem(
                (*loc, "dataset"),
                "required here: only nodes built from a dataset know which dataset to read the "
                "mask variable from",
            )
            for loc, mask in places
            if isinstance(mask, NodeMask | MaskAttribute) and mask.dataset is None
        ]
        raise_problems(type(self).__name__, problems)
        return self


class _EdgeBuilderBase(FcModel):
    """Options every edge builder has."""

    source_mask: str | None = None
    """Name of a ``mask`` attribute of the source node set: only those nodes get edges."""

    target_mask: str | None = None
    """Name of a ``mask`` attribute of the target node set: only those nodes get edges."""

    reverse: bool = False
    """Search from the source side: for each source node find target nodes, instead of for
    each target node finding source nodes; the edges still go from source to target."""


class KnnEdges(_EdgeBuilderBase):
    """Each node is joined to its k nearest neighbours (Anemoi's ``KNNEdges``)."""

    kind: Literal["knn"]
    """Selects this builder."""

    num_nearest_neighbours: int = Field(ge=1)
    """k, the number of neighbours (GraphCast's decoder uses 3)."""


class CutoffEdges(_EdgeBuilderBase):
    """Nodes closer than a radius are joined (Anemoi's ``CutOffEdges``)."""

    kind: Literal["cutoff"]
    """Selects this builder."""

    cutoff_factor: float = Field(gt=0)
    """The radius as a multiple of the reference edge length of the coarser node set (its
    typical distance between neighbours); GraphCast's encoder uses 0.6."""


class MultiScaleEdges(_EdgeBuilderBase):
    """The edges of every refinement level of an icosahedral mesh (Anemoi's ``MultiScaleEdges``)."""

    kind: Literal["multi_scale"]
    """Selects this builder."""

    x_hops: int = Field(1, ge=1)
    """Join nodes up to this many mesh edges apart, at each level."""

    scale_resolutions: list[int] | None = None
    """Levels whose edges are added (each from 0, the icosahedron or H3's 122 base cells, to
    the mesh's resolution); leave it out for all of them, as GraphCast does."""


class ContainingTriangleEdges(_EdgeBuilderBase):
    """Each target point is joined to the three corners of the mesh triangle containing it."""

    kind: Literal["containing_triangle"]
    """Selects this builder (a decoder from a triangular icosahedral mesh to a grid)."""


#: The edge builders, chosen by ``kind``.
EdgeBuilder = Annotated[
    KnnEdges | CutoffEdges | MultiScaleEdges | ContainingTriangleEdges,
    Field(discriminator="kind"),
    BeforeValidator(_no_target),
]


class EdgeSet(FcModel):
    """Edges from one node set to another (or to itself), made by one or more builders."""

    source: str = Field(validation_alias=AliasChoices("source", "source_name"))
    """Node set the edges start from (Anemoi's ``source_name``)."""

    target: str = Field(validation_alias=AliasChoices("target", "target_name"))
    """Node set the edges end at (Anemoi's ``target_name``)."""

    name: str = Field("to", min_length=1)
    """Name of the edge type; (source, name, target) identifies the edge set in the graph."""

    builders: list[EdgeBuilder] = Field(
        min_length=1, validation_alias=AliasChoices("builders", "edge_builders")
    )
    """How the edges are made; the edges of all builders are merged (Anemoi's
    ``edge_builders``)."""

    attributes: dict[str, EdgeAttribute] = Field(default_factory=dict)
    """Values stored per edge, by name, e.g. ``edge_length: {norm: unit-max}``."""

    @model_validator(mode="after")
    def _attribute_kinds(self) -> EdgeSet:
        problems = []
        for key, attribute in self.attributes.items():
            if attribute.kind is not None:
                continue
            if key == "edge_dirs" and attribute.norm == "unit-sum":
                problems.append(problem(("attributes", key), _EDGE_DIRS_SUM))
            elif key in ("edge_length", "edge_dirs"):
                attribute.kind = key  # type: ignore[assignment]
            else:
                problems.append(
                    problem(
                        ("attributes", key),
                        "the attribute's name is not a kind, so give one: kind: edge_length "
                        "or kind: edge_dirs",
                    )
                )
        raise_problems(type(self).__name__, problems)
        return self


# --- post-processors and checks ---------------------------------------------------------------


class RemoveUnconnectedNodes(FcModel):
    """Drop the nodes of a set that no edge touches (e.g. grid points outside a limited area)."""

    kind: Literal["remove_unconnected_nodes"]
    """Selects this post-processor."""

    nodes: str = Field(validation_alias=AliasChoices("nodes", "nodes_name"))
    """The node set to prune (Anemoi's ``nodes_name``)."""

    ignore: str | None = None
    """Name of a ``mask`` attribute of the set: nodes where it is true are kept regardless."""

    save_mask_indices_to_attr: str | None = None
    """Store the indices of the kept nodes as this node attribute (to map data onto them)."""


class RestrictEdgeLength(FcModel):
    """Drop the edges of an edge set longer than a limit."""

    kind: Literal["restrict_edge_length"]
    """Selects this post-processor."""

    source: str = Field(validation_alias=AliasChoices("source", "source_name"))
    """Source node set of the edge set (Anemoi's ``source_name``)."""

    target: str = Field(validation_alias=AliasChoices("target", "target_name"))
    """Target node set of the edge set (Anemoi's ``target_name``)."""

    max_length_km: float = Field(gt=0)
    """Longest edge kept, in kilometres."""


def _one_key_form(value: Any) -> Any:
    """Accept ``{remove_unconnected_nodes: {...}}`` as ``{kind: remove_unconnected_nodes, ...}``."""
    if isinstance(value, dict) and len(value) == 1 and "kind" not in value:
        ((key, params),) = value.items()
        if isinstance(params, dict) and key != "_target_":
            return {"kind": key, **params}
    return _no_target(value)


#: The post-processors, chosen by ``kind`` (or written as a one-key mapping).
PostProcessor = Annotated[
    RemoveUnconnectedNodes | RestrictEdgeLength,
    Field(discriminator="kind"),
    BeforeValidator(_one_key_form),
]


class GraphChecks(FcModel):
    """How the built graph is checked before it is written."""

    unconnected: Literal["warn", "error"] = "warn"
    """What to do when a mesh node gets no encoder edge or a grid point no decoder edge
    reaches it: log a warning (``warn``) or refuse to write the graph (``error``)."""


# --- the recipe -------------------------------------------------------------------------------


class GraphRecipe(FcModel):
    """A graph recipe: node sets, edge sets between them, post-processing and checks."""

    description: str | None = None
    """What the graph is for, kept in the graph's metadata."""

    nodes: dict[str, NodeSet] = Field(min_length=1)
    """Node sets by name, e.g. ``data`` for the grid and ``hidden`` for the mesh."""

    edges: list[EdgeSet] = Field(default_factory=list)
    """Edge sets, e.g. encoder (data → hidden), processor (hidden → hidden), decoder."""

    post_processors: list[PostProcessor] = Field(default_factory=list)
    """Steps applied to the built graph, in order."""

    checks: GraphChecks = Field(default_factory=GraphChecks)
    """How strictly the built graph is checked."""

    @model_validator(mode="after")
    def _cross_check(self) -> GraphRecipe:
        problems: list[Any] = []
        names = list(self.nodes)
        seen: dict[tuple[str, str, str], int] = {}
        for i, edge in enumerate(self.edges):
            ok = all(
                _known(problems, ("edges", i, end), value, names)
                for end, value in (("source", edge.source), ("target", edge.target))
            )
            key = (edge.source, edge.name, edge.target)
            if key in seen:
                problems.append(
                    problem(
                        ("edges", i),
                        f"edges[{seen[key]}] already builds {edge.source} -{edge.name}-> "
                        f"{edge.target}; merge the builders into one edge set or give a name",
                    )
                )
            seen.setdefault(key, i)
            if ok:
                self._check_builders(problems, i, edge)
        pairs = {(edge.source, edge.target) for edge in self.edges}
        for i, step in enumerate(self.post_processors):
            at: Loc = ("post_processors", i, step.kind)  # with the union member, as pydantic
            if isinstance(step, RemoveUnconnectedNodes):
                if _known(problems, (*at, "nodes"), step.nodes, names):
                    self._check_mask(problems, (*at, "ignore"), step.ignore, step.nodes)
                continue
            known = [_known(problems, (*at, end), getattr(step, end), names) for end in _ENDS]
            if all(known) and (step.source, step.target) not in pairs:
                problems.append(
                    problem(
                        at,
                        f"no edge set goes from {step.source!r} to {step.target!r}; name the "
                        "source and target of one of the edges",
                    )
                )
        raise_problems(type(self).__name__, problems)
        return self

    def _check_mask(self, problems: list[Any], loc: Loc, mask: str | None, nodes: str) -> None:
        if mask is None:
            return
        masks = [k for k, a in self.nodes[nodes].attributes.items() if isinstance(a, MaskAttribute)]
        if mask not in masks:
            message = f"not a mask attribute of node set {nodes!r}"
            if not masks:
                message += (
                    f"; add one under nodes.{nodes}.attributes, e.g. {{kind: mask, variable: lsm}}"
                )
            problems.append(problem(loc, message, value=mask, choices=masks))

    def _check_builders(self, problems: list[Any], i: int, edge: EdgeSet) -> None:
        source = self.nodes[edge.source].builder
        for j, builder in enumerate(edge.builders):
            # pydantic names the union member in a location; fc strips it when showing it
            loc: Loc = ("edges", i, "builders", j, builder.kind)
            self._check_mask(problems, (*loc, "source_mask"), builder.source_mask, edge.source)
            self._check_mask(problems, (*loc, "target_mask"), builder.target_mask, edge.target)
            if isinstance(builder, MultiScaleEdges):
                if edge.source != edge.target or not isinstance(source, IcosahedralNodes):
                    problems.append(
                        problem(
                            (*loc, "kind"),
                            "multi_scale edges join an icosahedral node set to itself; use "
                            "the same icosahedral set as source and target, or knn/cutoff",
                        )
                    )
                    continue
                for k, level in enumerate(builder.scale_resolutions or []):
                    if not 0 <= level <= source.resolution:
                        problems.append(
                            problem(
                                (*loc, "scale_resolutions", k),
                                f"expected a level from 0 to the mesh's resolution "
                                f"{source.resolution}",
                                value=level,
                            )
                        )
            elif isinstance(builder, ContainingTriangleEdges) and not (
                isinstance(source, IcosahedralNodes) and source.shape == "triangles"
            ):
                problems.append(
                    problem(
                        (*loc, "kind"),
                        "containing_triangle edges start at a triangular icosahedral mesh; "
                        f"node set {edge.source!r} is not one",
                    )
                )


def _known(problems: list[Any], loc: Loc, name: str, names: list[str]) -> bool:
    """Whether ``name`` is a node set; if not, record a problem suggesting the closest."""
    if name in names:
        return True
    problems.append(
        problem(
            loc,
            "no node set has this name; expected one of the keys of nodes",
            value=name,
            choices=names,
        )
    )
    return False
