"""The graph as fc-models sees it: node and edge sets as plain tensors.

A network is built from a :class:`GraphTensors`, never from a ``torch_geometric`` object, so that
fc-models neither depends on fc-graphs nor pays the ten seconds ``import torch_geometric`` costs.
A :class:`GraphTensors` comes from a graph file written by fc-graphs (:meth:`from_graph_file`),
from a ``HeteroData`` (:meth:`from_heterodata`, duck-typed: only attribute access is used) or
from the tensors a checkpoint stores (:meth:`from_flat`). :meth:`to_flat` names the tensors as
the graph file does, under a prefix, so a checkpoint can carry its graph::

    graph/nodes/<set>/coords                     float [n, 2], latitude and longitude in radians
    graph/nodes/<set>/<attribute>                first dimension n
    graph/edges/<source>/<name>/<target>/edge_index   int64 [2, E]: row 0 source, row 1 target
    graph/edges/<source>/<name>/<target>/<attribute>  first dimension E

Each name part is percent-encoded as in the graph file (``%`` → ``%25``, ``/`` → ``%2F``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fc_config.suggest import did_you_mean
from fc_models.exceptions import ModelError

if TYPE_CHECKING:
    import torch

__all__ = ["EdgeKey", "GraphTensors"]

_LOG = logging.getLogger(__name__)

#: (source node set, edge set name, target node set).
EdgeKey = tuple[str, str, str]

_COORDS = "coords"
_EDGE_INDEX = "edge_index"
# What fc-graphs' to_heterodata adds beside the stored attributes: not part of the graph.
_DERIVED_NODE = frozenset({"x"})
_DERIVED_EDGE = frozenset({"edge_attr"})
_ENCODED = re.compile("%(25|2F)")


def _encode(part: str) -> str:
    return part.replace("%", "%25").replace("/", "%2F")


def _decode(part: str) -> str:
    return _ENCODED.sub(lambda m: "%" if m.group(1) == "25" else "/", part)


@dataclass
class GraphTensors:
    """Node and edge sets of a graph, as tensors.

    Attributes
    ----------
    nodes
        Node sets by name; ``nodes[set]["coords"]`` is float ``[n, 2]`` (latitude, longitude)
        in radians, other entries are attributes with first dimension ``n``.
    edges
        Edge sets by ``(source, name, target)``; ``edges[key]["edge_index"]`` is int64
        ``[2, E]`` (row 0 indexes the source set, row 1 the target set), other entries are
        attributes with first dimension ``E``.
    """

    nodes: dict[str, dict[str, torch.Tensor]]
    edges: dict[EdgeKey, dict[str, torch.Tensor]] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------------
    # Construction

    @classmethod
    def from_heterodata(cls, data: Any) -> GraphTensors:
        """Take the node and edge sets of a ``torch_geometric.data.HeteroData``.

        Only attribute access is used (``node_types``, ``edge_types``, ``data[key]`` and each
        store's ``keys()``), so torch_geometric is never imported. A node set's coordinates are
        its ``coords`` or, failing that, its ``x`` (as Anemoi's graphs store them); ``x`` next to
        ``coords`` and the concatenated ``edge_attr`` that fc-graphs adds are left out.

        Raises
        ------
        ModelError
            If the object is not graph-like or a set lacks coordinates or edges.
        """
        try:
            node_types = list(data.node_types)
            edge_types = [tuple(key) for key in data.edge_types]
        except AttributeError as exc:
            raise ModelError(
                f"expected a HeteroData-like graph with node_types and edge_types, got "
                f"{type(data).__name__}",
                hint="Pass a torch_geometric HeteroData, or use GraphTensors.from_graph_file.",
            ) from exc
        nodes: dict[str, dict[str, torch.Tensor]] = {}
        for name in node_types:
            store = _store_items(data[name])
            if _COORDS not in store and "x" in store:
                store[_COORDS] = store["x"]
            nodes[name] = {k: v for k, v in store.items() if k not in _DERIVED_NODE}
        edges: dict[EdgeKey, dict[str, torch.Tensor]] = {}
        for key in edge_types:
            if len(key) != 3:
                raise ModelError(f"edge type {key!r} is not (source, name, target)")
            store = _store_items(data[key])
            edges[(str(key[0]), str(key[1]), str(key[2]))] = {
                k: v for k, v in store.items() if k not in _DERIVED_EDGE
            }
        graph = cls(nodes=nodes, edges=edges)
        graph.check()
        return graph

    @classmethod
    def from_graph_file(cls, path: str | Path) -> GraphTensors:
        """Read a graph file written by fc-graphs (the fc artifact container, kind ``graph``).

        The container's checksums are verified; nothing is unpickled. The graph's recipe and
        content hash stay in the file (``fc-graphs inspect`` shows them).

        Raises
        ------
        ArtifactError
            If the file is missing, corrupt or not a graph file.
        ModelError
            If its tensors do not form a graph.
        """
        import torch

        from fc_utils.artifact import read_artifact

        artifact = read_artifact(path, kind="graph")
        tensors = {name: torch.from_numpy(array.copy()) for name, array in artifact.tensors.items()}
        return cls._from_names(tensors, "", f"graph file {str(path)!r}")

    @classmethod
    def from_flat(cls, tensors: Mapping[str, torch.Tensor], prefix: str = "graph/") -> GraphTensors:
        """Rebuild a graph from the tensors :meth:`to_flat` made; other names are ignored.

        Raises
        ------
        ModelError
            If no tensor has the prefix or they do not form a graph.
        """
        own = {name[len(prefix) :]: t for name, t in tensors.items() if name.startswith(prefix)}
        if not own:
            raise ModelError(
                f"no tensor name starts with {prefix!r}: these tensors hold no graph",
                hint="Pass the prefix the graph was stored under.",
            )
        return cls._from_names(own, prefix, f"tensors under {prefix!r}")

    @classmethod
    def _from_names(
        cls, tensors: Mapping[str, torch.Tensor], prefix: str, where: str
    ) -> GraphTensors:
        nodes: dict[str, dict[str, torch.Tensor]] = {}
        edges: dict[EdgeKey, dict[str, torch.Tensor]] = {}
        for name, tensor in tensors.items():
            parts = [_decode(part) for part in name.split("/")]
            if parts[0] == "nodes" and len(parts) == 3:
                nodes.setdefault(parts[1], {})[parts[2]] = tensor
            elif parts[0] == "edges" and len(parts) == 5:
                edges.setdefault((parts[1], parts[2], parts[3]), {})[parts[4]] = tensor
            else:
                raise ModelError(
                    f"{where}: tensor {prefix + name!r} is neither nodes/<set>/<attribute> nor "
                    "edges/<source>/<name>/<target>/<attribute>"
                )
        graph = cls(nodes=nodes, edges=edges)
        graph.check(where)
        return graph

    # ------------------------------------------------------------------------------------------
    # Export

    def to_flat(self, prefix: str = "graph/") -> dict[str, torch.Tensor]:
        """Return every tensor by its graph-file name under ``prefix`` (see the module doc)."""
        flat: dict[str, torch.Tensor] = {}
        for set_name, arrays in self.nodes.items():
            for attribute, tensor in arrays.items():
                flat[prefix + "/".join(_encode(p) for p in ("nodes", set_name, attribute))] = tensor
        for key, arrays in self.edges.items():
            for attribute, tensor in arrays.items():
                parts = ("edges", *key, attribute)
                flat[prefix + "/".join(_encode(p) for p in parts)] = tensor
        return flat

    # ------------------------------------------------------------------------------------------
    # Access with helpful errors

    def num_nodes(self, name: str) -> int:
        """Number of nodes of set ``name``."""
        return int(self.node_set(name)[_COORDS].shape[0])

    def node_set(self, name: str) -> dict[str, torch.Tensor]:
        """The tensors of node set ``name``.

        Raises
        ------
        ModelError
            If the graph has no such set; the message lists the sets it has.
        """
        if name not in self.nodes:
            raise ModelError(
                f"the graph has no node set {name!r}.{did_you_mean(name, self.nodes)}",
                hint=f"Its node sets are: {_listing(self.nodes)}. Set data_nodes/hidden_nodes "
                "in the model config to the names the graph uses.",
            )
        return self.nodes[name]

    def edge_set(self, source: str, name: str, target: str) -> dict[str, torch.Tensor]:
        """The tensors of edge set ``(source, name, target)``.

        Raises
        ------
        ModelError
            If the graph has no such set; the message lists the sets it has.
        """
        key = (source, name, target)
        if key not in self.edges:
            labels = {"/".join(k): k for k in self.edges}
            wanted = "/".join(key)
            raise ModelError(
                f"the graph has no edge set {source} -{name}-> {target}."
                f"{did_you_mean(wanted, labels)}",
                hint=f"Its edge sets are: {_listing(f'{s} -{n}-> {t}' for s, n, t in self.edges)}"
                ". The model needs encoder, processor and decoder edges between its data and "
                "hidden node sets (edge_name in the model config names them).",
            )
        return self.edges[key]

    def attribute(self, tensors: Mapping[str, torch.Tensor], name: str, what: str) -> torch.Tensor:
        """``tensors[name]``, or an error naming ``what`` and the attributes it has."""
        if name not in tensors:
            have = [k for k in tensors if k not in (_COORDS, _EDGE_INDEX)]
            raise ModelError(
                f"{what} has no attribute {name!r}.{did_you_mean(name, have)}",
                hint=f"Its attributes are: {_listing(have)}. Change attributes in the model "
                "config, or build the graph with the attribute.",
            )
        return tensors[name]

    def check(self, where: str = "graph") -> None:
        """Check shapes: coordinates ``[n, 2]``, ``edge_index`` ``[2, E]`` within the sets.

        Raises
        ------
        ModelError
            Listing every problem found.
        """
        problems: list[str] = []
        for name, arrays in self.nodes.items():
            coords = arrays.get(_COORDS)
            if coords is None:
                problems.append(f"node set {name!r} has no coords")
                continue
            if coords.ndim != 2 or coords.shape[1] != 2:
                problems.append(
                    f"node set {name!r}: coords has shape {tuple(coords.shape)}, not [n, 2]"
                )
                continue
            problems += [
                f"node set {name!r}: attribute {k!r} has {v.shape[0] if v.ndim else 0} rows, "
                f"not {coords.shape[0]}"
                for k, v in arrays.items()
                if v.ndim == 0 or v.shape[0] != coords.shape[0]
            ]
        for key, arrays in self.edges.items():
            problems += self._edge_problems(key, arrays)
        if problems:
            raise ModelError(f"{where} is not a valid graph: " + "; ".join(problems) + ".")

    def _edge_problems(self, key: EdgeKey, arrays: Mapping[str, torch.Tensor]) -> list[str]:
        label = f"edge set {key[0]} -{key[1]}-> {key[2]}"
        index = arrays.get(_EDGE_INDEX)
        if index is None:
            return [f"{label} has no edge_index"]
        if index.ndim != 2 or index.shape[0] != 2:
            return [f"{label}: edge_index has shape {tuple(index.shape)}, not [2, E]"]
        if index.is_floating_point():
            return [f"{label}: edge_index holds floats, not integers"]
        problems = [
            f"{label}: attribute {k!r} has {v.shape[0] if v.ndim else 0} rows, not {index.shape[1]}"
            for k, v in arrays.items()
            if k != _EDGE_INDEX and (v.ndim == 0 or v.shape[0] != index.shape[1])
        ]
        for row, end in ((0, key[0]), (1, key[2])):
            if end not in self.nodes:
                problems.append(f"{label}: node set {end!r} is missing")
            elif index.shape[1] and (
                int(index[row].min()) < 0 or int(index[row].max()) >= self.num_nodes(end)
            ):
                problems.append(f"{label}: edge_index row {row} leaves node set {end!r}")
        return problems


def _store_items(store: Any) -> dict[str, Any]:
    """The entries of a HeteroData node or edge store, as a dict."""
    keys = store.keys() if callable(getattr(store, "keys", None)) else store.keys
    return {str(key): store[key] for key in keys}


def _listing(names: Iterable[str]) -> str:
    found = [str(n) for n in names]
    return ", ".join(found) if found else "(none)"
