"""fc-graphs: build time and peak memory of the issue #4 graphs, side by side with Anemoi when installed.

The recipe is the one of issue #4 (``configs/graphs/knn-decoder.yaml``): data nodes on a reduced
Gaussian grid with Voronoi area weights (unit-max), a refined-icosahedron hidden mesh, a cut-off
0.6 encoder, a multi-scale (x_hops 1) processor and a KNN-3 decoder, every edge set with its edge
length and direction (unit-max). It is built for O96 (40,320 points) on a refinement-5 mesh and
for N320 (542,080 points) on a refinement-6 mesh (``BENCH_GRAPHS_QUICK=1``: O96 only).

Both tools read the same grid coordinates from one ``.npz`` file (fc: ``kind: file``; Anemoi:
``NPZFileNodes``), written once from ``fc_utils.grids.grid_from_name``, because Anemoi's
``ReducedGaussianGridNodes`` downloads its grids. Anemoi runs from its own virtual environment
(ANEMOI_GRAPHS_VENV, default /tmp/anemoi-graphs-venv: ``anemoi-graphs[anemoi,tri,xarray]`` with
torch < 2.11; it never goes into the workspace); without it only fc's figures are printed.

The two tools build the same node sets and the same multi-mesh and decoder edge counts; the
encoder counts differ by about 1%: fc's cut-off radius is 0.6 × the longest mesh edge, Anemoi's
0.6 × the longest nearest-neighbour distance (0.26% shorter at level 5), and Anemoi's (trimesh's)
icosphere is rotated with respect to fc's, which has a vertex at each pole. Anemoi's
``create`` runs with ``--no-description``: it would otherwise reload and describe the graph, which
fc's ``create`` does not do.

Rows: build time with imports excluded (a fresh interpreter imports everything the build needs,
then times the build alone), the whole ``create`` command as a user runs it, peak resident
memory, node and edge counts of both tools per edge set, and fc's memory per edge over a series
of grids (peak minus the RSS after imports, divided by the number of edges: roughly constant
means memory linear in the edges). fc and Anemoi runs are interleaved; figures are medians of
BENCH_REPEAT runs (default 3). Graphs are written under BENCH_GRAPHS_DIR (default
``$TMPDIR/fc-bench-graphs``), never into the repository.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
QUICK = os.environ.get("BENCH_GRAPHS_QUICK", "") not in ("", "0")
WORK = Path(os.environ.get("BENCH_GRAPHS_DIR", Path(tempfile.gettempdir()) / "fc-bench-graphs"))
ANEMOI = Path(os.environ.get("ANEMOI_GRAPHS_VENV", "/tmp/anemoi-graphs-venv"))
BIN = Path(sys.executable).parent

#: (grid, icosahedral refinement level) of the compared graphs.
CASES = [("O96", 5)] if QUICK else [("O96", 5), ("N320", 6)]
#: fc's targets of issue #4 (O96 only), shown beside its figures.
TARGETS = {"O96": {"build": "  target < 0.8 s", "process": "  target < 5 s"}}
#: The series for "memory linear in edges" (fc only); the compared cases are reused.
SERIES = [("O48", 4), ("O96", 5), ("O160", 6)] + ([] if QUICK else [("N320", 6)])

FC_RECIPE = """\
description: issue 4 benchmark, {grid} data nodes, level-{level} multi-mesh, cut-off encoder, KNN-3 decoder
nodes:
  data:
    builder: {{kind: file, path: {npz}}}
    attributes:
      area_weight: {{kind: voronoi, norm: unit-max}}
  hidden:
    builder: {{kind: icosahedral, resolution: {level}}}
edges:
  - source: data
    target: hidden
    builders: [{{kind: cutoff, cutoff_factor: 0.6}}]
    attributes: {{edge_length: {{norm: unit-max}}, edge_dirs: {{norm: unit-max}}}}
  - source: hidden
    target: hidden
    builders: [{{kind: multi_scale, x_hops: 1}}]
    attributes: {{edge_length: {{norm: unit-max}}, edge_dirs: {{norm: unit-max}}}}
  - source: hidden
    target: data
    builders: [{{kind: knn, num_nearest_neighbours: 3}}]
    attributes: {{edge_length: {{norm: unit-max}}, edge_dirs: {{norm: unit-max}}}}
checks:
  unconnected: error
"""

_ANEMOI_ATTRIBUTES = """\
    attributes:
      edge_length: {{_target_: anemoi.graphs.edges.attributes.EdgeLength, norm: unit-max}}
      edge_dirs: {{_target_: anemoi.graphs.edges.attributes.EdgeDirection, norm: unit-max}}
"""

ANEMOI_RECIPE = (
    """\
nodes:
  data:
    node_builder:
      _target_: anemoi.graphs.nodes.NPZFileNodes
      npz_file: {npz}
      lat_key: latitudes
      lon_key: longitudes
    attributes:
      area_weight:
        _target_: anemoi.graphs.nodes.attributes.SphericalAreaWeights
        norm: unit-max
  hidden:
    node_builder:
      _target_: anemoi.graphs.nodes.TriNodes
      resolution: {level}
edges:
  - source_name: data
    target_name: hidden
    edge_builders:
      - _target_: anemoi.graphs.edges.CutOffEdges
        cutoff_factor: 0.6
"""
    + _ANEMOI_ATTRIBUTES
    + """\
  - source_name: hidden
    target_name: hidden
    edge_builders:
      - _target_: anemoi.graphs.edges.MultiScaleEdges
        x_hops: 1
"""
    + _ANEMOI_ATTRIBUTES
    + """\
  - source_name: hidden
    target_name: data
    edge_builders:
      - _target_: anemoi.graphs.edges.KNNEdges
        num_nearest_neighbours: 3
"""
    + _ANEMOI_ATTRIBUTES
)

# Both snippets import everything the build needs, note the peak RSS so far (the baseline), time
# the build alone and print one JSON line: seconds, peak and baseline RSS (kB), and the counts.
_MEASURE = """
import json, resource, sys, time
def _rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

FC_BUILD = (
    _MEASURE
    + """
import numpy, scipy.sparse, scipy.spatial, yaml
import fc_graphs.build, fc_graphs.graph_file
baseline = _rss()
t0 = time.perf_counter()
graph = fc_graphs.build.build_graph(sys.argv[1])
seconds = time.perf_counter() - t0
nodes = {name: int(arrays["coords"].shape[0]) for name, arrays in graph.nodes.items()}
edges = {f"{s}->{t}": int(a["edge_index"].shape[1]) for (s, _, t), a in graph.edges.items()}
print(json.dumps({"seconds": seconds, "peak_kb": _rss(), "baseline_kb": baseline,
                  "nodes": nodes, "edges": edges}))
"""
)

ANEMOI_BUILD = (
    _MEASURE
    + """
import logging
logging.disable(logging.WARNING)  # Anemoi warns that nothing is saved and that torch-cluster is missing
import numpy, scipy.sparse, scipy.spatial, sklearn.neighbors, torch, torch_geometric, trimesh
import anemoi.graphs.create, anemoi.graphs.nodes, anemoi.graphs.edges
import anemoi.graphs.nodes.attributes, anemoi.graphs.edges.attributes
import anemoi.graphs.generate.tri_icosahedron, anemoi.graphs.generate.multi_scale_edges
baseline = _rss()
t0 = time.perf_counter()
graph = anemoi.graphs.create.GraphCreator(config=sys.argv[1]).create(save_path=None)
seconds = time.perf_counter() - t0
nodes = {name: int(graph[name].num_nodes) for name in graph.node_types}
edges = {f"{s}->{t}": int(graph[(s, r, t)].edge_index.shape[1]) for s, r, t in graph.edge_types}
print(json.dumps({"seconds": seconds, "peak_kb": _rss(), "baseline_kb": baseline,
                  "nodes": nodes, "edges": edges}))
"""
)


def _timed(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` under /usr/bin/time: (wall seconds, peak RSS in MB)."""
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return elapsed, int(done.stderr.strip().splitlines()[-1]) / 1024


def _build(python: str, snippet: str, recipe: Path) -> dict[str, Any]:
    """Build ``recipe`` in a fresh interpreter; the snippet's JSON report."""
    done = subprocess.run([python, "-c", snippet, str(recipe)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"building {recipe} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _inputs(grid: str, level: int) -> dict[str, Path]:
    """Write (once) the grid's coordinates and both tools' recipes for ``grid`` + ``level``."""
    import numpy as np

    from fc_utils.grids import grid_from_name

    WORK.mkdir(parents=True, exist_ok=True)
    npz = WORK / f"{grid}.npz"
    if not npz.exists():
        coordinates = grid_from_name(grid)
        np.savez(
            npz,
            latitudes=np.asarray(coordinates.latitudes, dtype=np.float64),
            longitudes=np.asarray(coordinates.longitudes, dtype=np.float64),
        )
    paths = {"npz": npz}
    for name, template in (("fc", FC_RECIPE), ("anemoi", ANEMOI_RECIPE)):
        path = WORK / f"{name}-{grid}-L{level}.yaml"
        path.write_text(template.format(grid=grid, level=level, npz=npz))
        paths[name] = path
    return paths


def _tools() -> dict[str, dict[str, str]]:
    tools = {
        "fc": {"python": str(BIN / "python"), "cli": str(BIN / "fc-graphs"), "snippet": FC_BUILD}
    }
    if (ANEMOI / "bin" / "anemoi-graphs").exists():
        tools["anemoi"] = {
            "python": str(ANEMOI / "bin" / "python"),
            "cli": str(ANEMOI / "bin" / "anemoi-graphs"),
            "snippet": ANEMOI_BUILD,
        }
    return tools


def _command(name: str, cli: str, recipe: Path, out: Path) -> list[str]:
    if name == "fc":
        return [cli, "create", str(recipe), str(out), "--overwrite"]
    # Anemoi describes the graph after writing it by default; fc's create does not, so neither does.
    return [cli, "create", "--overwrite", "--no-description", str(recipe), str(out)]


def _runs(values: list[float], unit: str = "s") -> str:
    return ", ".join(f"{v:.2f}" for v in values) + f" {unit}"


def _compare(
    label: str, tools: dict[str, dict[str, str]], grid: str, level: int
) -> tuple[list[tuple[str, str]], dict[str, list[dict[str, Any]]]]:
    """Rows for one case: build time, whole process, peak RSS, counts; and the fc build reports."""
    paths = _inputs(grid, level)
    builds: dict[str, list[dict[str, Any]]] = {name: [] for name in tools}
    processes: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    for _ in range(REPEAT):  # interleaved, so that load from other work hits both tools alike
        for name, tool in tools.items():
            builds[name].append(_build(tool["python"], tool["snippet"], paths[name]))
        for name, tool in tools.items():
            out = WORK / f"{name}-{grid}-L{level}.{'fc' if name == 'fc' else 'pt'}"
            processes[name].append(_timed(_command(name, tool["cli"], paths[name], out)))
    rows: list[tuple[str, str]] = []
    targets = TARGETS.get(grid, {})
    builds_s: dict[str, float] = {}
    process_s: dict[str, float] = {}
    for name in tools:
        seconds = [b["seconds"] for b in builds[name]]
        builds_s[name] = statistics.median(seconds)
        target = targets.get("build", "") if name == "fc" else ""
        rows.append(
            (
                f"{label} {name}: build, imports excluded",
                f"{builds_s[name]:7.2f} s  (runs {_runs(seconds)}){target}",
            )
        )
    for name in tools:
        walls = [p[0] for p in processes[name]]
        peak = statistics.median(p[1] for p in processes[name])
        process_s[name] = statistics.median(walls)
        target = targets.get("process", "") if name == "fc" else ""
        rows.append(
            (
                f"{label} {name}: whole `{name}-graphs create` process",
                f"{process_s[name]:7.2f} s  peak RSS {peak / 1024:.2f} GB  "
                f"(runs {_runs(walls)}){target}",
            )
        )
    for name in tools:
        peak = statistics.median(b["peak_kb"] for b in builds[name]) / 1024
        base = statistics.median(b["baseline_kb"] for b in builds[name]) / 1024
        rows.append(
            (
                f"{label} {name}: peak RSS of the build process",
                f"{peak:7.0f} MB  ({peak - base:.0f} MB above the {base:.0f} MB after imports)",
            )
        )
    if len(tools) == 2:
        rows.append(
            (
                f"{label} speed-up of fc over anemoi",
                f"{builds_s['anemoi'] / builds_s['fc']:7.1f}× build (target ≥ 3×)  "
                f"{process_s['anemoi'] / process_s['fc']:.1f}× whole process",
            )
        )
    rows.extend(_counts(label, {name: runs[0] for name, runs in builds.items()}))
    return rows, builds


def _counts(label: str, reports: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    rows = []
    for kind in ("nodes", "edges"):
        keys = list(reports["fc"][kind])
        for key in keys:
            figures = [f"{name} {report[kind].get(key, 0):>9,}" for name, report in reports.items()]
            if "anemoi" in reports and reports["anemoi"][kind].get(key):
                change = reports["fc"][kind][key] / reports["anemoi"][kind][key] - 1
                figures.append(f"({change:+.2%})")
            rows.append((f"{label} {kind} {key}", "  ".join(figures)))
    return rows


def _linearity(known: dict[tuple[str, int], list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """fc's memory above the post-import baseline per edge over a series of grids and meshes."""
    fc = _tools()["fc"]
    rows = []
    for grid, level in SERIES:
        reports = known.get((grid, level)) or [
            _build(fc["python"], fc["snippet"], _inputs(grid, level)["fc"])
        ]
        edges = sum(reports[0]["edges"].values())
        extra = statistics.median(r["peak_kb"] - r["baseline_kb"] for r in reports) * 1024
        rows.append(
            (
                f"fc memory per edge, {grid} + level {level}",
                f"{edges:>10,} edges  {extra / 1e6:7.0f} MB above imports  "
                f"{extra / edges:6.0f} B/edge",
            )
        )
    return rows


def run() -> list[tuple[str, str]]:
    tools = _tools()
    rows: list[tuple[str, str]] = []
    if "anemoi" not in tools:
        rows.append(("anemoi", f"not installed at {ANEMOI}: fc figures only"))
    known: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for grid, level in CASES:
        t0 = time.perf_counter()
        case_rows, builds = _compare(f"{grid}+L{level}", tools, grid, level)
        rows.extend(case_rows)
        rows.append((f"{grid}+L{level} (time for this case)", f"{time.perf_counter() - t0:7.0f} s"))
        known[(grid, level)] = builds["fc"]
    rows.extend(_linearity(known))
    return rows
