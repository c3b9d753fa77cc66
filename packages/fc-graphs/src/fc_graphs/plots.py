"""PNG plots of a graph, for ``fc-graphs inspect``: nodes on a map, edges, attribute histograms.

A forecaster checks a new graph by eye before training on it for days: is the mesh where it
should be, does every grid point reach the mesh (isolated nodes are drawn in red), do the
encoder and decoder edges have sensible lengths and degrees, do the area weights look like the
grid? :func:`plot_graph` writes one file per question into a folder:

``nodes_<set>.png``
    The node set on an equirectangular longitude-latitude map, optionally coloured by a node
    attribute; nodes that no edge touches in red, counted in the title.
``edges_<source>_<name>_<target>.png``
    The edges as straight line segments between their end points on the same map, at most
    ``max_edges`` of them, chosen at random with a fixed seed so that two runs draw the same
    picture; segments that cross the map's edge (the antimeridian) are cut in two there.
``hist_nodes_<set>.png``
    A histogram of every node attribute, one panel per column. Counts are drawn on a log
    scale when a few values stand apart from the rest, so that one outlier (a corner point of
    a limited area with a huge area weight) shows.
``hist_edges_<source>_<name>_<target>.png``
    Edge lengths in km, the in-degree of the targets and the out-degree of the sources, and a
    histogram of every edge attribute, one panel per column (``edge_dirs`` has several).
``index.txt``
    The files written, one per line, each with what it shows.

Longitudes run from -180 to 180, or from 0 to 360 when that keeps all nodes of the graph
together (a limited area across the antimeridian, over the Pacific); every figure of a graph
uses the same convention. Each map zooms to the extent of its nodes, so a limited-area graph
fills its figure.

matplotlib is an optional dependency (``pip install "fc-graphs[plots]"``), imported only when a
plot is drawn, through its object-oriented API with the Agg canvas: no pyplot, so nothing changes
the backend or the open figures of a notebook that calls :func:`plot_graph`. Everything is
vectorised, so that a graph with half a million nodes and millions of edges plots in seconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from fc_config.suggest import did_you_mean
from fc_graphs.exceptions import GraphError, MissingDependencyError
from fc_graphs.geometry import EARTH_RADIUS_KM
from fc_graphs.graph_file import EdgeKey, Graph, load_graph
from fc_utils.progress import progress

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_MAX_EDGES",
    "INDEX_FILE",
    "MissingDependencyError",
    "plot_graph",
]

_LOG = logging.getLogger(__name__)

#: How many edges an edge map draws at most, by default: enough to see the pattern, few
#: enough to stay legible and fast.
DEFAULT_MAX_EDGES = 20_000
#: Resolution of the PNG files, in dots per inch, by default.
DEFAULT_DPI = 120
#: Name of the file that lists the plots written.
INDEX_FILE = "index.txt"

#: Width of a map (inches), the most height, and the margins left, right, below and above it.
_MAP_WIDTH = 10.0
_MAP_MAX_HEIGHT = 8.0
_MAP_MARGINS = (0.8, 0.3, 0.6, 0.5)
_COLOUR_BAR_WIDTH = 1.2
#: Above this many nodes, square markers: they look the same at that size and draw 3x faster.
_MANY_NODES = 20_000
#: Colour levels of a node map coloured by an attribute: one scatter call per level is much
#: faster than a colour per point and looks the same.
_COLOUR_LEVELS = 64
_HIST_BINS = 50
_PANEL_COLUMNS = 3
#: Histograms whose fullest bin holds more than this many times the emptiest non-empty one get
#: a logarithmic count axis.
_LOG_SCALE_RATIO = 100
#: Integer attributes and degrees up to this value get one bin per integer.
_MAX_DISCRETE = 10_000
_SEED = 0
#: Latitude (degrees) beyond which a node is at a pole.
_POLAR = 90.0 - 1e-6

_Draw = Callable[[], "Figure"]


# --------------------------------------------------------------------------------------------
# Public API


def plot_graph(
    graph: Graph | str | Path,
    out_dir: str | Path,
    *,
    max_edges: int = DEFAULT_MAX_EDGES,
    dpi: int = DEFAULT_DPI,
    nodes: Iterable[str] | None = None,
    edges: Iterable[str | EdgeKey] | None = None,
    color_by: str | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write PNG plots of ``graph`` into ``out_dir`` and list them in ``out_dir/index.txt``.

    See the module documentation for the files and what they show.

    Parameters
    ----------
    graph
        The graph (e.g. from :func:`fc_graphs.graph_file.load_graph`), or the path of a graph
        file, read only once matplotlib is known to be there.
    out_dir
        Folder for the plots; created if missing.
    max_edges
        Most edges drawn on an edge map; larger edge sets are subsampled deterministically
        (the histograms always use every edge).
    dpi
        Resolution of the PNG files.
    nodes
        Node sets to draw maps and histograms of; ``None`` for all, empty for none.
    edges
        Edge sets to draw, each as ``(source, name, target)`` or as a string ``SOURCE:TARGET``
        (every edge set between the two) or ``SOURCE:NAME:TARGET``; ``None`` for all, empty
        for none.
    color_by
        A node attribute (e.g. ``area_weight``) to colour the node maps by, for the sets that
        have it (its first column when it has several).
    overwrite
        Replace plots of the same names already in ``out_dir``; without it, they are an error
        and nothing is written.

    Returns
    -------
    list of Path
        The PNG files written, in the order of ``index.txt``.

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed.
    ArtifactError, ConfigError, FormatVersionError
        If ``graph`` is a path and the file cannot be read as a graph (see ``load_graph``).
    GraphError
        If a selected node set, edge set or ``color_by`` attribute does not exist, an option is
        out of range, or a plot exists and ``overwrite`` is false.
    """
    if max_edges < 1:
        raise GraphError(f"max_edges must be at least 1, not {max_edges}.")
    if not 10 <= dpi <= 1200:
        raise GraphError(f"dpi must lie between 10 and 1200, not {dpi}.")
    figure_class = _figure_class()
    if not isinstance(graph, Graph):
        graph = load_graph(graph)
    set_names = _select_nodes(graph, nodes)
    edge_keys = _select_edges(graph, edges)
    if color_by is not None:
        _check_attribute(graph, set_names, color_by)
    origin = _longitude_origin(graph)
    plan = _plan(graph, set_names, edge_keys, figure_class, origin, max_edges, color_by, dpi)

    out = Path(out_dir)
    targets = [out / name for name, _, _ in plan]
    existing = [path.name for path in targets if path.exists()]
    if existing and not overwrite:
        raise GraphError(
            f"{str(out)!r} already holds plots of the same names: {', '.join(existing)}.",
            hint="Pass overwrite=True (--overwrite) to replace them, or choose another folder.",
        )
    out.mkdir(parents=True, exist_ok=True)
    for path, (_, _, draw) in progress(
        list(zip(targets, plan, strict=True)), desc="plots", unit="plot"
    ):
        figure = draw()
        figure.savefig(path, dpi=dpi)
        figure.clear()  # free a large figure now, not at the next garbage collection
        _LOG.debug("wrote %s", path)
    index = "".join(f"{name}\t{description}\n" for name, description, _ in plan)
    (out / INDEX_FILE).write_text(index, encoding="utf-8")
    _LOG.info("wrote %d plots to %s", len(targets), out)
    return targets


# --------------------------------------------------------------------------------------------
# Selection


def _select_nodes(graph: Graph, wanted: Iterable[str] | None) -> list[str]:
    if wanted is None:
        return list(graph.nodes)
    chosen = list(dict.fromkeys(wanted))
    for name in chosen:
        if name not in graph.nodes:
            raise GraphError(
                f"the graph has no node set {name!r}.{did_you_mean(name, list(graph.nodes))}",
                hint=f"Its node sets are: {', '.join(graph.nodes)}.",
            )
    return chosen


def _edge_label(key: EdgeKey) -> str:
    return ":".join(key)


def _select_edges(graph: Graph, wanted: Iterable[str | EdgeKey] | None) -> list[EdgeKey]:
    if wanted is None:
        return list(graph.edges)
    chosen: list[EdgeKey] = []
    for spec in wanted:
        parts = tuple(spec.split(":")) if isinstance(spec, str) else tuple(spec)
        if len(parts) == 2:
            found = [k for k in graph.edges if (k[0], k[2]) == parts]
        else:
            found = [k for k in graph.edges if k == parts]
        if not found:
            labels = [_edge_label(key) for key in graph.edges]
            text = spec if isinstance(spec, str) else _edge_label(spec)
            raise GraphError(
                f"the graph has no edge set {text!r}.{did_you_mean(text, labels)}",
                hint="Name edge sets as SOURCE:TARGET or SOURCE:NAME:TARGET; this graph has "
                f"{', '.join(labels)}.",
            )
        chosen += [key for key in found if key not in chosen]
    return chosen


def _check_attribute(graph: Graph, set_names: Sequence[str], attribute: str) -> None:
    available = sorted({a for name in set_names for a in graph.nodes[name] if a != "coords"})
    if attribute not in available:
        raise GraphError(
            f"no node set to plot has an attribute {attribute!r} to colour by."
            f"{did_you_mean(attribute, available)}",
            hint=f"Their attributes are: {', '.join(available) or 'none'}.",
        )


# --------------------------------------------------------------------------------------------
# Geometry of the maps


def _wrap(lon: npt.NDArray[np.float64], origin: float) -> npt.NDArray[np.float64]:
    """Longitudes (degrees) moved into ``[origin, origin + 360)``."""
    result: npt.NDArray[np.float64] = (lon - origin) % 360.0 + origin
    return result


def _longitude_origin(graph: Graph) -> float:
    """-180, or 0 when longitudes 0..360 keep all nodes closer together (Pacific areas)."""
    lon = np.concatenate([np.rad2deg(a["coords"][:, 1]) for a in graph.nodes.values()])
    if lon.size == 0:
        return -180.0
    spans = {}
    for origin in (-180.0, 0.0):
        wrapped = _wrap(lon, origin)
        spans[origin] = float(wrapped.max() - wrapped.min())
    return 0.0 if spans[0.0] < spans[-180.0] - 1.0 else -180.0


def _extent(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], origin: float
) -> tuple[float, float, float, float]:
    """Map limits ``(west, east, south, north)``: the nodes' extent with a margin, or the globe."""
    if lon.size == 0:
        return origin, origin + 360.0, -90.0, 90.0
    west, east = float(lon.min()), float(lon.max())
    south, north = float(lat.min()), float(lat.max())
    pad_lon = max(0.05 * (east - west), 1.0)
    pad_lat = max(0.05 * (north - south), 1.0)
    if east - west > 270.0:
        west, east = origin, origin + 360.0
    else:
        west, east = max(west - pad_lon, origin), min(east + pad_lon, origin + 360.0)
    return west, east, max(south - pad_lat, -90.0), min(north + pad_lat, 90.0)


def _segments(
    lon0: npt.NDArray[np.float64],
    lat0: npt.NDArray[np.float64],
    lon1: npt.NDArray[np.float64],
    lat1: npt.NDArray[np.float64],
    origin: float,
) -> npt.NDArray[np.float64]:
    """Line segments ``[m, 2, 2]`` (lon, lat in degrees) for edges, cut at the map's edge.

    Each edge is drawn the short way round in longitude; one that ends at a pole runs along
    the meridian of its other end, as the great circle does. One that would leave the map through
    its west or east edge (the antimeridian for ``origin=-180``) is cut there into two pieces,
    the latitude of the cut interpolated linearly, and the second piece enters from the other
    side; no segment then runs across the whole map.
    """
    east_edge = origin + 360.0
    lon0 = np.asarray(lon0, dtype=np.float64)
    lon1 = np.asarray(lon1, dtype=np.float64)
    lat0 = np.asarray(lat0, dtype=np.float64)
    lat1 = np.asarray(lat1, dtype=np.float64)
    # a pole has no longitude: the edge runs along the other end's meridian
    lon0 = np.where(np.abs(lat0) > _POLAR, lon1, lon0)
    lon1 = np.where(np.abs(lat1) > _POLAR, lon0, lon1)
    start = _wrap(lon0, origin)
    delta = (lon1 - start + 180.0) % 360.0 - 180.0
    end = start + delta
    out_east = end > east_edge
    out_west = end < origin
    cut = out_east | out_west
    whole = ~cut
    pieces = [np.stack([np.stack([start, lat0], -1), np.stack([end, lat1], -1)], 1)[whole]]
    if cut.any():
        seam = np.where(out_east[cut], east_edge, origin)
        shift = np.where(out_east[cut], -360.0, 360.0)
        s, e, a, b = start[cut], end[cut], lat0[cut], lat1[cut]
        lat_cut = a + (b - a) * (seam - s) / (e - s)
        pieces.append(np.stack([np.stack([s, a], -1), np.stack([seam, lat_cut], -1)], 1))
        pieces.append(
            np.stack([np.stack([seam + shift, lat_cut], -1), np.stack([e + shift, b], -1)], 1)
        )
    return np.concatenate(pieces)


def _subsample(count: int, limit: int, seed: int = _SEED) -> npt.NDArray[np.int64]:
    """Sorted indices of at most ``limit`` of ``count`` items, the same on every call."""
    if count <= limit:
        return np.arange(count, dtype=np.int64)
    chosen = np.random.default_rng(seed).choice(count, size=limit, replace=False)
    return np.sort(chosen).astype(np.int64)


def _degrees(graph: Graph, name: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    coords = graph.nodes[name]["coords"]
    return np.rad2deg(coords[:, 1]), np.rad2deg(coords[:, 0])


def _isolated(graph: Graph) -> dict[str, npt.NDArray[np.bool_]]:
    """Per node set, which nodes no edge of any edge set touches."""
    touched = {name: np.zeros(len(a["coords"]), dtype=bool) for name, a in graph.nodes.items()}
    for (source, _, target), arrays in graph.edges.items():
        touched[source][arrays["edge_index"][0]] = True
        touched[target][arrays["edge_index"][1]] = True
    return {name: ~mask for name, mask in touched.items()}


def _lengths_km(graph: Graph, key: EdgeKey) -> npt.NDArray[np.float64]:
    """Great-circle length of every edge in km (haversine: a few array operations per edge)."""
    source, _, target = key
    index = graph.edges[key]["edge_index"]
    lat0, lon0 = np.asarray(graph.nodes[source]["coords"], dtype=np.float64)[index[0]].T
    lat1, lon1 = np.asarray(graph.nodes[target]["coords"], dtype=np.float64)[index[1]].T
    haversine = (
        np.sin((lat1 - lat0) / 2) ** 2
        + np.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2) ** 2
    )
    result: npt.NDArray[np.float64] = (
        2.0 * np.arcsin(np.sqrt(np.clip(haversine, 0.0, 1.0))) * EARTH_RADIUS_KM
    )
    return result


# --------------------------------------------------------------------------------------------
# Figures


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        # the command on a line of its own, so that no line wrapping splits it
        raise MissingDependencyError(
            f"plotting a graph needs matplotlib, which cannot be imported ({exc}). "
            'Install it with:\npip install "fc-graphs[plots]"'
        ) from exc

    class _AggFigure(Figure):
        """A figure drawn by the Agg canvas, whatever pyplot's backend is."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            FigureCanvasAgg(self)

    return _AggFigure


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "set"


def _plan(
    graph: Graph,
    set_names: Sequence[str],
    edge_keys: Sequence[EdgeKey],
    figure: type[Figure],
    origin: float,
    max_edges: int,
    color_by: str | None,
    dpi: int,
) -> list[tuple[str, str, _Draw]]:
    """``(file name, description, draw)`` of every plot, file names made unique."""
    isolated = _isolated(graph)
    plan: list[tuple[str, str, _Draw]] = []
    for name in set_names:
        colour = color_by if color_by in graph.nodes[name] else None
        what = f"nodes of {name!r} on a map" + (f", coloured by {colour}" if colour else "")
        draw: _Draw = partial(_node_map, figure, graph, name, isolated[name], colour, origin, dpi)
        plan.append((f"nodes_{_slug(name)}", what, draw))
        if len(graph.nodes[name]) > 1:
            what = f"histograms of the attributes of node set {name!r}"
            plan.append(
                (f"hist_nodes_{_slug(name)}", what, partial(_node_histograms, figure, graph, name))
            )
    for key in edge_keys:
        stem = "_".join(_slug(part) for part in key)
        label = _edge_label(key)
        draw = partial(_edge_map, figure, graph, key, origin, max_edges)
        plan.append((f"edges_{stem}", f"edges {label} on a map", draw))
        what = f"lengths, degrees and attribute histograms of edge set {label}"
        plan.append((f"hist_edges_{stem}", what, partial(_edge_histograms, figure, graph, key)))
    used: set[str] = set()
    unique: list[tuple[str, str, _Draw]] = []
    for stem, description, drawer in plan:
        candidate, number = stem, 1
        while candidate.lower() in used:  # case-insensitive file systems
            number += 1
            candidate = f"{stem}-{number}"
        used.add(candidate.lower())
        unique.append((f"{candidate}.png", description, drawer))
    return unique


def _map_axes(
    figure: type[Figure], extent: tuple[float, float, float, float], *, colour_bar: bool = False
) -> tuple[Figure, Axes, Axes | None]:
    """A figure sized to the map's extent (no wasted space, no costly automatic layout)."""
    west, east, south, north = extent
    ratio = (north - south) / max(east - west, 1e-6)
    width = _MAP_WIDTH
    height = width * ratio
    if height > _MAP_MAX_HEIGHT:
        height, width = _MAP_MAX_HEIGHT, max(_MAP_MAX_HEIGHT / ratio, 4.0)
    height = max(height, 2.0)
    left, right, bottom, top = _MAP_MARGINS
    extra = _COLOUR_BAR_WIDTH if colour_bar else 0.0
    total_w, total_h = left + width + right + extra, bottom + height + top
    fig = figure(figsize=(total_w, total_h))
    ax = fig.add_axes((left / total_w, bottom / total_h, width / total_w, height / total_h))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    bar = None
    if colour_bar:
        bar = fig.add_axes(
            ((left + width + 0.25) / total_w, bottom / total_h, 0.2 / total_w, height / total_h)
        )
    return fig, ax, bar


def _marker_size(fig: Figure, ax: Axes, count: int, dpi: int) -> float:
    """Marker area (pt²) so that the nodes cover about a quarter of the map, within limits.

    Never below about one pixel: Agg draws nothing for a smaller marker.
    """
    box = ax.get_position()
    fig_w, fig_h = fig.get_size_inches()
    area = box.width * fig_w * box.height * fig_h * 72.0**2
    pixel = (72.0 / dpi) ** 2
    return float(np.clip(0.25 * area / max(count, 1), 1.5 * pixel, 40.0))


def _node_map(
    figure: type[Figure],
    graph: Graph,
    name: str,
    isolated: npt.NDArray[np.bool_],
    colour: str | None,
    origin: float,
    dpi: int,
) -> Figure:
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    lon, lat = _degrees(graph, name)
    lon = _wrap(lon, origin)
    fig, ax, bar = _map_axes(figure, _extent(lon, lat, origin), colour_bar=colour is not None)
    size = _marker_size(fig, ax, lon.size, dpi)
    style: dict[str, Any] = {
        "s": size,
        "linewidths": 0,
        "marker": "s" if lon.size > _MANY_NODES else "o",
    }
    if colour is None:
        ax.scatter(lon, lat, color="tab:blue", **style)
    else:
        values = np.asarray(graph.nodes[name][colour], dtype=np.float64).reshape(lon.size, -1)
        column = values[:, 0]
        finite = np.isfinite(column)
        low = float(column[finite].min()) if finite.any() else 0.0
        high = float(column[finite].max()) if finite.any() else 1.0
        norm = Normalize(low, high if high > low else low + 1.0)
        cmap = colormaps["viridis"]
        level = np.full(lon.size, -1)
        level[finite] = np.minimum(
            (norm(column[finite]) * _COLOUR_LEVELS).astype(int), _COLOUR_LEVELS - 1
        )
        order = np.argsort(level, kind="stable")
        bounds = np.searchsorted(level[order], np.arange(-1, _COLOUR_LEVELS + 1))
        for i in range(-1, _COLOUR_LEVELS):
            members = order[bounds[i + 1] : bounds[i + 2]]
            if members.size:
                shade = "lightgrey" if i < 0 else cmap((i + 0.5) / _COLOUR_LEVELS)
                ax.scatter(lon[members], lat[members], color=shade, **style)
        label = colour + ("[0]" if values.shape[1] > 1 else "")
        mappable = ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(mappable, cax=bar, label=label)
    lost = int(isolated.sum())
    if lost:
        ax.scatter(
            lon[isolated],
            lat[isolated],
            s=max(4.0 * size, 6.0),
            color="red",
            linewidths=0,
            label="isolated (no edge)",
            zorder=3,
        )
        ax.legend(loc="lower left", fontsize="small")
    title = f"nodes {name!r}: {lon.size:,}, {lost:,} isolated"
    ax.set_title(title, color="red" if lost else "black", y=1.0)
    return fig


def _edge_map(
    figure: type[Figure], graph: Graph, key: EdgeKey, origin: float, max_edges: int
) -> Figure:
    from matplotlib.collections import LineCollection

    source, name, target = key
    index = graph.edges[key]["edge_index"]
    total = index.shape[1]
    chosen = _subsample(total, max_edges)
    s_lon, s_lat = _degrees(graph, source)
    t_lon, t_lat = _degrees(graph, target)
    both_lon = _wrap(np.concatenate([s_lon, t_lon]), origin)
    fig, ax, _ = _map_axes(figure, _extent(both_lon, np.concatenate([s_lat, t_lat]), origin))
    rows, cols = index[0, chosen], index[1, chosen]
    segments = _segments(s_lon[rows], s_lat[rows], t_lon[cols], t_lat[cols], origin)
    width = float(np.clip(30.0 / np.sqrt(max(chosen.size, 1)), 0.1, 1.0))
    ax.add_collection(
        LineCollection(cast(Any, segments), linewidths=width, colors="tab:blue", alpha=0.6)
    )
    shown = "all" if chosen.size == total else f"{chosen.size:,} of"
    ax.set_title(f"edges {source} -{name}-> {target}: {shown} {total:,} edges shown", y=1.0)
    return fig


def _panels(figure: type[Figure], count: int, title: str) -> tuple[Figure, list[Axes]]:
    columns = min(count, _PANEL_COLUMNS)
    rows = -(-count // columns)
    width, height = 4.2 * columns, 3.4 * rows + 0.5
    fig = figure(figsize=(width, height))
    fig.subplots_adjust(
        left=0.6 / width,
        right=1 - 0.2 / width,
        bottom=0.4 / height,
        top=1 - 1.0 / height,
        wspace=0.3,
        hspace=0.6,
    )
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for spare in axes[count:]:
        spare.set_visible(False)
    fig.suptitle(title)
    return fig, list(axes[:count])


def _columns(name: str, array: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """``(label, values)`` per column of an attribute (one for a 1-D attribute)."""
    flat = array.reshape(array.shape[0], -1)
    if flat.shape[1] == 1:
        return [(name, flat[:, 0])]
    return [(f"{name}[{i}]", flat[:, i]) for i in range(flat.shape[1])]


def _histogram(ax: Axes, label: str, values: np.ndarray) -> None:
    """One panel: integer values get a bin each, others ``_HIST_BINS`` bins; a summary title."""
    discrete = values.dtype.kind in "biu"
    numbers = values.astype(np.int64 if discrete else np.float64)
    finite = numbers if discrete else numbers[np.isfinite(numbers)]
    if finite.size == 0:
        ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(label, fontsize="medium", y=1.0)
        return
    low, high = finite.min(), finite.max()
    if discrete and low >= 0 and high <= _MAX_DISCRETE:
        counts = np.bincount(finite)
        edges = np.arange(counts.size + 1) - 0.5
    else:
        counts, edges = np.histogram(finite, bins=_HIST_BINS)
    ax.stairs(counts, edges, fill=True)
    filled = counts[counts > 0]
    if filled.max() > _LOG_SCALE_RATIO * filled.min():
        # a few outliers among many values (a corner point's huge area weight) would be
        # invisible bars on a linear axis
        ax.set_yscale("log", nonpositive="clip")
    summary = f"min {low:.4g}, median {np.median(finite):.4g}, max {high:.4g}"
    if finite.size < numbers.size:
        summary += f", {numbers.size - finite.size:,} not finite"
    ax.set_title(f"{label}\n{summary}", fontsize="medium", y=1.0)


def _node_histograms(figure: type[Figure], graph: Graph, name: str) -> Figure:
    panels = [
        column
        for attribute, array in graph.nodes[name].items()
        if attribute != "coords"
        for column in _columns(attribute, array)
    ]
    count = len(graph.nodes[name]["coords"])
    fig, axes = _panels(figure, len(panels), f"attributes of node set {name!r} ({count:,} nodes)")
    for ax, (label, values) in zip(axes, panels, strict=True):
        _histogram(ax, label, values)
    return fig


def _edge_histograms(figure: type[Figure], graph: Graph, key: EdgeKey) -> Figure:
    source, name, target = key
    arrays = graph.edges[key]
    index = arrays["edge_index"]
    panels = [
        ("edge length (km)", _lengths_km(graph, key)),
        (
            f"in-degree of {target!r} nodes",
            np.bincount(index[1], minlength=len(graph.nodes[target]["coords"])),
        ),
        (
            f"out-degree of {source!r} nodes",
            np.bincount(index[0], minlength=len(graph.nodes[source]["coords"])),
        ),
    ]
    for attribute, array in arrays.items():
        if attribute != "edge_index":
            panels += _columns(attribute, array)
    title = f"edges {source} -{name}-> {target} ({index.shape[1]:,} edges)"
    fig, axes = _panels(figure, len(panels), title)
    for ax, (label, values) in zip(axes, panels, strict=True):
        _histogram(ax, label, values)
    return fig
