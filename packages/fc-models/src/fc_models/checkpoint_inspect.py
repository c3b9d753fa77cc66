"""What ``fc-models inspect`` and ``fc-models validate`` report about a checkpoint.

``describe_checkpoint`` reads the metadata only (no tensors, no torch, no network), so it
answers at once for a checkpoint of any size; ``validate_checkpoint`` reads everything, checks
it and, unless told not to, builds the network to check that the stored tensors fit it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fc_config.metadata.checkpoint import CheckpointMetadata
from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
from fc_models.checkpoint import (
    GRAPH_PREFIX,
    KIND,
    model_from_contents,
    read_checkpoint,
    read_checkpoint_metadata,
)
from fc_models.checkpoint_security import refuse_unsafe_file
from fc_models.exceptions import CheckpointError
from fc_utils.artifact import read_metadata

__all__ = ["describe_checkpoint", "format_description", "graph_summary", "validate_checkpoint"]


def graph_summary(metadata: CheckpointMetadata) -> dict[str, Any]:
    """Node and edge counts of the checkpoint's graph, from its tensor inventory.

    The inventory is always there (format 2 on), unlike the graph's own metadata, and it says
    what the file really holds.
    """
    nodes: dict[str, int] = {}
    edges: list[dict[str, Any]] = []
    for name, info in metadata.tensors.items():
        if not name.startswith(GRAPH_PREFIX):
            continue
        parts = [unquote(p) for p in name.removeprefix(GRAPH_PREFIX).split("/")]
        if parts[0] == "nodes" and len(parts) == 3 and parts[2] == "coords" and info.shape:
            nodes[parts[1]] = info.shape[0]
        elif parts[0] == "edges" and len(parts) == 5 and parts[4] == "edge_index":
            count = info.shape[1] if len(info.shape) == 2 else 0
            edges.append({"source": parts[1], "name": parts[2], "target": parts[3], "count": count})
    summary: dict[str, Any] = {"nodes": nodes, "edges": edges}
    if metadata.graph is not None:
        summary["hash"] = metadata.graph.hash
    return summary


def describe_checkpoint(path: str | Path) -> dict[str, Any]:
    """Return what a checkpoint holds, JSON-ready, from its metadata alone.

    Keys: ``path``, ``size_bytes``, ``format_version`` (of the file), ``current_format_version``,
    ``uuid``, ``variables`` (``order`` and one list per role), ``grid``, ``timestep``,
    ``multistep_input``, ``parameter_count``, ``model`` (the config), ``processing``, ``graph``
    (node and edge counts, hash), ``dataset_uuid``, ``tracking_run_id``, ``provenance``,
    ``required_versions``.
    """
    target = Path(path)
    refuse_unsafe_file(target)
    raw = read_metadata(target, kind=KIND)
    metadata = read_checkpoint_metadata(target)
    provenance = metadata.provenance
    return {
        "path": str(target),
        "size_bytes": target.stat().st_size,
        "format_version": raw.get("format_version"),
        "current_format_version": CHECKPOINT_FORMAT_VERSION,
        "uuid": str(metadata.uuid),
        "variables": {
            "order": list(metadata.variables),
            "prognostic": list(metadata.prognostic),
            "forcing": list(metadata.forcing),
            "diagnostic": list(metadata.diagnostic),
        },
        "grid": metadata.grid.model_dump(mode="json", exclude_none=True),
        "timestep": metadata.timestep,
        "multistep_input": metadata.multistep_input,
        "parameter_count": metadata.parameter_count,
        "model": metadata.model,
        "processing": metadata.processing.model_dump(mode="json"),
        "graph": graph_summary(metadata),
        "dataset_uuid": str(metadata.dataset_uuid),
        "tracking_run_id": metadata.tracking_run_id,
        "provenance": {
            "created": provenance.created.isoformat().replace("+00:00", "Z"),
            "packages": dict(provenance.packages),
            "git_commit": provenance.git.commit if provenance.git is not None else None,
            "command": provenance.command,
        },
        "required_versions": dict(metadata.required_versions),
    }


def format_description(info: Mapping[str, Any]) -> str:
    """Render :func:`describe_checkpoint`'s result as the text ``fc-models inspect`` prints."""
    variables = info["variables"]
    grid = info["grid"]
    version = info["format_version"]
    current = info["current_format_version"]
    fmt = f"{version}" + (
        f" (older than {current}: run `fc-models migrate`)" if version != current else ""
    )
    lines = [
        f"checkpoint   {info['path']} ({_size(info['size_bytes'])})",
        f"uuid         {info['uuid']}",
        f"format       {fmt}",
        f"timestep     {info['timestep']}, {info['multistep_input']} input step(s)",
        f"grid         {grid.get('name') or grid['type']} ({grid['number_of_points']} points)",
        f"parameters   {info['parameter_count']:,}",
    ]
    for role in ("prognostic", "forcing", "diagnostic"):
        names = variables[role]
        lines.append(f"{role:<13}{len(names)}: {', '.join(names) if names else '-'}")
    graph = info["graph"]
    nodes = ", ".join(f"{k} {v}" for k, v in graph["nodes"].items()) or "-"
    lines.append(f"graph nodes  {nodes}")
    for edge in graph["edges"]:
        lines.append(
            f"graph edges  {edge['source']} -{edge['name']}-> {edge['target']}: {edge['count']}"
        )
    if "hash" in graph:
        lines.append(f"graph hash   {graph['hash']}")
    lines.append(f"dataset      {info['dataset_uuid']}")
    if info["tracking_run_id"]:
        lines.append(f"run id       {info['tracking_run_id']}")
    provenance = info["provenance"]
    made = f"made         {provenance['created']}"
    if provenance["git_commit"]:
        made += f" from commit {provenance['git_commit'][:12]}"
    lines.append(made)
    fc_packages = {k: v for k, v in provenance["packages"].items() if k.startswith("fc-")}
    if fc_packages:
        lines.append("made with    " + ", ".join(f"{k} {v}" for k, v in fc_packages.items()))
    if info["required_versions"]:
        lines.append(
            "requires     " + ", ".join(f"{k}{v}" for k, v in info["required_versions"].items())
        )
    return "\n".join(lines)


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def validate_checkpoint(path: str | Path, *, build: bool = True) -> list[str]:
    """Check a checkpoint thoroughly; return one line per check passed.

    Checks the container (members, checksums), the format version (an older one is migrated in
    memory and reported), the metadata against its schema, the tensors against the metadata's
    inventory, the graph's tensors against the graph metadata and, with ``build``, that the
    stored model tensors fit the network built from the stored config (names and shapes).

    Raises
    ------
    UnsafeCheckpointError, ArtifactError, FormatVersionError, ConfigError, CheckpointError
        At the first check that fails.
    """
    contents = read_checkpoint(path)
    metadata = contents.metadata
    migration = contents.migration
    report = ["container: members and checksums are valid"]
    if migration.changed:
        report.append(
            f"format: {migration.from_version}, migrated in memory to {CHECKPOINT_FORMAT_VERSION}"
            " (run `fc-models migrate` to rewrite the file)"
        )
    else:
        report.append(f"format: {CHECKPOINT_FORMAT_VERSION} (current)")
    report.append("metadata: valid checkpoint metadata")
    report.append(f"tensors: the {len(contents.tensors)} stored tensors match the inventory")
    report.append(_check_graph(metadata, str(contents.path)))
    if build:
        model = model_from_contents(contents)
        count = model.parameter_count()
        if not migration.changed and count != metadata.parameter_count:
            raise CheckpointError(
                f"{contents.path}: parameter_count is {metadata.parameter_count}, but the "
                f"network built from the config has {count} parameters."
            )
        stored = sum(1 for name in metadata.tensors if name.startswith("model/"))
        report.append(
            f"network: the {stored} model tensors fit the network built from the config "
            f"({count:,} parameters)"
        )
    return report


def _check_graph(metadata: CheckpointMetadata, where: str) -> str:
    summary = graph_summary(metadata)
    if metadata.graph is None:
        return f"graph: {len(summary['nodes'])} node set(s), no graph metadata to compare with"
    problems: list[str] = []
    for name, node_set in metadata.graph.nodes.items():
        found = summary["nodes"].get(name)
        if found != node_set.count:
            problems.append(f"node set {name!r}: {found} stored, {node_set.count} in the metadata")
    stored_edges = {(e["source"], e["name"], e["target"]): e["count"] for e in summary["edges"]}
    for edge in metadata.graph.edges:
        found = stored_edges.get((edge.source, edge.name, edge.target))
        if found != edge.count:
            problems.append(
                f"edge set ({edge.source}, {edge.name}, {edge.target}): {found} stored, "
                f"{edge.count} in the metadata"
            )
    if problems:
        raise CheckpointError(
            f"{where}: the graph tensors do not match the graph metadata: {'; '.join(problems)}."
        )
    return (
        f"graph: {len(summary['nodes'])} node set(s) and {len(summary['edges'])} edge set(s) "
        "match the graph metadata"
    )
