"""The ``fc-graphs`` command-line tool: a thin layer over the fc_graphs Python API.

Heavy libraries are imported inside the commands that need them, so ``fc-graphs --help``
answers at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fc_graphs import __version__
from fc_utils.cli_helpers import (
    ExitCode,
    FcArgumentParser,
    add_command,
    add_schema_command,
    echo,
    echo_json,
    make_parser,
    run,
)

__all__ = ["build_parser", "describe_graph", "main"]


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-graphs``."""
    parser = make_parser(
        "fc-graphs",
        "Build the encoder, processor and decoder graphs between a data grid and hidden meshes.",
        version=__version__,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    create = add_command(commands, "create", _create, help="build a graph from a recipe")
    create.add_argument("recipe", metavar="RECIPE", help="graph recipe (YAML or JSON)")
    create.add_argument("output", metavar="OUT", help="graph file to write")
    create.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    create.add_argument(
        "--dataset-uuid", metavar="UUID", help="uuid of the dataset the data nodes come from"
    )
    describe = add_command(
        commands,
        "describe",
        _describe,
        help="show node and edge counts, degrees and edge lengths of a graph",
    )
    describe.add_argument("graph", metavar="GRAPH", help="graph file")
    describe.add_argument("--json", action="store_true", help="print JSON instead of text")
    check = add_command(commands, "validate", _validate, help="check a graph file")
    check.add_argument("graph", metavar="GRAPH", help="graph file")
    _add_inspect(commands)
    add_schema_command(commands, ["graph-metadata", "graph-recipe"])
    return parser


def _add_inspect(commands: Any) -> None:
    inspect = add_command(
        commands,
        "inspect",
        _inspect,
        help="write PNG plots of a graph: nodes on maps, edges, attribute histograms",
        description=(
            "Write PNG plots of a graph into a folder: each node set on a map (isolated nodes\n"
            "in red), each edge set's edges on a map (a deterministic sample of at most\n"
            "--max-edges), and histograms of edge lengths (km), in/out degrees and every node\n"
            "and edge attribute. index.txt in the folder lists the files. Needs matplotlib:\n"
            'pip install "fc-graphs[plots]".'
        ),
    )
    inspect.add_argument("graph", metavar="GRAPH", help="graph file")
    inspect.add_argument(
        "--out", "-o", metavar="DIR", required=True, help="folder for the plots (created)"
    )
    inspect.add_argument(
        "--overwrite", action="store_true", help="replace plots of the same names in DIR"
    )
    inspect.add_argument(
        "--nodes",
        nargs="*",
        metavar="SET",
        help="only these node sets' maps and histograms (none when given without a name)",
    )
    inspect.add_argument(
        "--edges",
        nargs="*",
        metavar="EDGES",
        help="only these edge sets, as SOURCE:TARGET or SOURCE:NAME:TARGET "
        "(none when given without a name)",
    )
    inspect.add_argument(
        "--color-by",
        metavar="ATTR",
        help="colour the node maps by this node attribute, e.g. area_weight",
    )
    inspect.add_argument(
        "--max-edges",
        type=int,
        default=20_000,
        metavar="N",
        help="most edges drawn on an edge map (default: 20000)",
    )
    inspect.add_argument(
        "--dpi", type=int, default=120, metavar="DPI", help="resolution (default: 120)"
    )
    inspect.add_argument("--json", action="store_true", help='print {"files": [...]} as JSON')


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-graphs`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


def describe_graph(graph: Any) -> dict[str, Any]:
    """Summarise a :class:`~fc_graphs.graph_file.Graph` as JSON-compatible data.

    Per node set: the node count and how many nodes no edge touches (isolated). Per edge set:
    the edge count, the in-degree of its targets (min/mean/max, over all target nodes, so a
    target with no edge counts as 0) and the edge lengths in km (min/median/max).
    """
    import numpy as np

    from fc_graphs.geometry import EARTH_RADIUS_KM, great_circle_distance, latlon_to_xyz

    xyz = {
        name: latlon_to_xyz(np.rad2deg(a["coords"][:, 0]), np.rad2deg(a["coords"][:, 1]))
        for name, a in graph.nodes.items()
    }
    touched = {name: np.zeros(len(points), dtype=bool) for name, points in xyz.items()}
    edge_sets: list[dict[str, Any]] = []
    for (source, name, target), arrays in graph.edges.items():
        index = arrays["edge_index"]
        touched[source][index[0]] = True
        touched[target][index[1]] = True
        degree = np.bincount(index[1], minlength=len(xyz[target]))
        entry: dict[str, Any] = {
            "source": source,
            "name": name,
            "target": target,
            "edges": int(index.shape[1]),
            "in_degree": {
                "min": int(degree.min()),
                "mean": float(degree.mean()),
                "max": int(degree.max()),
            },
            "attributes": sorted(k for k in arrays if k != "edge_index"),
        }
        if index.shape[1]:
            km = great_circle_distance(xyz[source][index[0]], xyz[target][index[1]])
            km = km * EARTH_RADIUS_KM
            entry["length_km"] = {
                "min": float(km.min()),
                "median": float(np.median(km)),
                "max": float(km.max()),
            }
        edge_sets.append(entry)
    node_sets = {
        name: {
            "nodes": len(points),
            "isolated": int((~touched[name]).sum()),
            "attributes": sorted(k for k in graph.nodes[name] if k != "coords"),
        }
        for name, points in xyz.items()
    }
    return {"dataset_uuid": graph.dataset_uuid, "nodes": node_sets, "edges": edge_sets}


def _create(args: argparse.Namespace) -> int:
    from fc_graphs.build import build_graph
    from fc_graphs.exceptions import GraphError
    from fc_graphs.graph_file import save_graph

    output = Path(args.output)
    if output.exists() and not args.overwrite:
        raise GraphError(
            f"{str(output)!r} exists.",
            hint="Pass --overwrite to replace it, or choose another OUT.",
        )
    graph = build_graph(args.recipe, dataset_uuid=args.dataset_uuid)
    save_graph(graph, output)
    echo(f"wrote {output}")
    return int(ExitCode.OK)


def _describe(args: argparse.Namespace) -> int:
    from fc_graphs.graph_file import load_graph

    summary = describe_graph(load_graph(args.graph))
    if args.json:
        echo_json(summary)
        return int(ExitCode.OK)
    for name, info in summary["nodes"].items():
        echo(f"nodes {name}: {info['nodes']} ({info['isolated']} isolated)")
    for entry in summary["edges"]:
        degree = entry["in_degree"]
        line = (
            f"edges {entry['source']} -{entry['name']}-> {entry['target']}: {entry['edges']}, "
            f"in-degree {degree['min']}/{degree['mean']:.2f}/{degree['max']} (min/mean/max)"
        )
        if "length_km" in entry:
            km = entry["length_km"]
            line += (
                f", length {km['min']:.1f}/{km['median']:.1f}/{km['max']:.1f} km (min/median/max)"
            )
        echo(line)
    return int(ExitCode.OK)


def _inspect(args: argparse.Namespace) -> int:
    from fc_graphs.plots import INDEX_FILE, plot_graph

    files = plot_graph(
        args.graph,
        args.out,
        max_edges=args.max_edges,
        dpi=args.dpi,
        nodes=args.nodes,
        edges=args.edges,
        color_by=args.color_by,
        overwrite=args.overwrite,
    )
    index = Path(args.out) / INDEX_FILE
    if args.json:
        echo_json({"files": [str(path) for path in files], "index": str(index)})
        return int(ExitCode.OK)
    for path in files:
        echo(str(path))
    echo(f"wrote {len(files)} plots, listed in {index}")
    return int(ExitCode.OK)


def _validate(args: argparse.Namespace) -> int:
    from fc_graphs.graph_file import validate_graph_file

    problems = validate_graph_file(args.graph)
    if not problems:
        echo(f"{args.graph}: OK")
        return int(ExitCode.OK)
    for problem in problems:
        echo(f"{args.graph}: {problem}")
    return int(ExitCode.CORRUPT)


if __name__ == "__main__":
    raise SystemExit(main())
