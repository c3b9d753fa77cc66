"""Metadata of a graph file: its node and edge sets, recipe and content hash."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from fc_config.base import FcModel
from fc_config.common import Provenance
from fc_config.metadata._document import ArtifactMetadata, check_unique
from fc_config.scalars import HexDigest
from fc_config.versioning import GRAPH_FORMAT_VERSION

__all__ = ["GRAPH_FORMAT_VERSION", "EdgeSetInfo", "GraphMetadata", "NodeSetInfo"]


class NodeSetInfo(FcModel):
    """Summary of one node set (e.g. ``data``, ``hidden``)."""

    count: int = Field(ge=1)
    """Number of nodes."""

    attributes: list[str] = Field(default_factory=list)
    """Names of the node attributes stored besides the coordinates (e.g. ``area_weight``)."""


class EdgeSetInfo(FcModel):
    """Summary of one edge set, identified by (source node set, name, target node set)."""

    source: str
    """Node set the edges start from."""

    name: str = Field(min_length=1)
    """Name of the edge type (``to``, ``encoder``, ...)."""

    target: str
    """Node set the edges end at."""

    count: int = Field(ge=0)
    """Number of edges."""

    attributes: list[str] = Field(default_factory=list)
    """Names of the edge attributes (e.g. ``edge_length``, ``edge_dirs``)."""


class GraphMetadata(ArtifactMetadata):
    """What a graph file holds and how it was built, without loading its tensors.

    ``hash`` identifies the content, so a checkpoint can tell whether it is given the graph it
    was trained with.
    """

    FORMAT_KIND = "graph"
    FORMAT_VERSION = GRAPH_FORMAT_VERSION

    format_version: int = Field(GRAPH_FORMAT_VERSION, ge=1)
    """Version of the graph format this document follows."""

    kind: Literal["graph"] = "graph"
    """Always ``graph``: tells the documents of different artifacts apart."""

    nodes: dict[str, NodeSetInfo] = Field(min_length=1)
    """Node sets by name."""

    edges: list[EdgeSetInfo] = Field(default_factory=list)
    """Edge sets; each (source, name, target) appears once."""

    recipe: dict[str, Any] = Field(default_factory=dict)
    """The validated graph recipe that built the graph."""

    hash: HexDigest
    """Hash of the graph's content (nodes, edges and attributes), e.g. ``sha256:3f2a...``."""

    dataset_uuid: UUID | None = None
    """``uuid`` of the dataset whose grid the data nodes come from, when built from one."""

    provenance: Provenance
    """Where and how the graph was built."""

    @model_validator(mode="after")
    def _consistent(self) -> GraphMetadata:
        check_unique([f"({e.source}, {e.name}, {e.target})" for e in self.edges], "edges")
        for edge in self.edges:
            for end in (edge.source, edge.target):
                if end not in self.nodes:
                    raise ValueError(
                        f"edge set ({edge.source}, {edge.name}, {edge.target}) refers to the node "
                        f"set {end!r}, which is not in nodes ({', '.join(map(repr, self.nodes))})"
                    )
            check_unique(edge.attributes, f"the attributes of edge set {edge.name!r}")
        for name, node_set in self.nodes.items():
            check_unique(node_set.attributes, f"the attributes of node set {name!r}")
        return self
