"""The ``fc-utils`` command-line tool: grids, dates, forcings, provenance and artifact files.

Small, everyday questions answered without writing Python: how many points has O96, which dates
does a recipe's range hold and how does it split into parts, what does an artifact file contain
and is it intact.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from fc_utils import __version__
from fc_utils.cli_helpers import FcArgumentParser, add_command, echo, echo_json, make_parser, run

__all__ = ["build_parser", "main"]


def _grid(args: argparse.Namespace) -> int:
    import numpy as np

    from fc_utils.grids import grid_from_name

    grid = grid_from_name(args.name)
    info = grid.description()
    if args.output:
        out = Path(args.output)
        np.savez(out, latitudes=grid.latitudes, longitudes=grid.longitudes)
        info["output"] = str(out)
    if args.json:
        echo_json(info)
    else:
        echo(f"grid {grid.name}: {grid.type}, {grid.size:,} points")
        echo(f"  latitudes  {grid.latitudes.max():9.4f} … {grid.latitudes.min():9.4f}")
        echo(f"  longitudes {grid.longitudes.min():9.4f} … {grid.longitudes.max():9.4f}")
        if info.get("pl") is not None:
            pl = info["pl"]
            echo(f"  {len(pl)} rows, {min(pl)} to {max(pl)} points per row")
        if args.output:
            echo(f"  coordinates written to {args.output}")
    return 0


def _dates(args: argparse.Namespace) -> int:
    from fc_utils.dates import DateRange, frequency_to_string

    rng = DateRange(args.start, args.end, args.frequency, missing=args.missing or ())
    parts = rng.split(args.parts) if args.parts else [rng]
    missing = [str(d) for d in rng.missing]
    frequency = frequency_to_string(rng.frequency)
    part_rows = [
        {"start": str(p.dates[0]), "end": str(p.dates[-1]), "dates": len(p)} for p in parts
    ]
    if args.json:
        echo_json(
            {
                "start": str(rng.dates[0]),
                "end": str(rng.dates[-1]),
                "frequency": frequency,
                "dates": len(rng),
                "missing": missing,
                "parts": part_rows,
            }
        )
        return 0
    echo(f"{len(rng)} dates from {rng.dates[0]} to {rng.dates[-1]} every {frequency}")
    if missing:
        echo(f"  {len(missing)} missing: {', '.join(missing)}")
    if args.parts:
        for i, row in enumerate(part_rows, 1):
            echo(f"  part {i}/{len(parts)}: {row['start']} … {row['end']} ({row['dates']} dates)")
    return 0


def _forcings(args: argparse.Namespace) -> int:
    from fc_utils.forcings import compute_forcings, forcing_metadata, forcing_names

    names = args.names or forcing_names()
    if not args.grid:
        rows = [{"name": n, **forcing_metadata(n)} for n in names]
        if args.json:
            echo_json(rows)
        else:
            for row in rows:
                echo(f"{row['name']:<40} [{row.get('units', '')}] {row.get('long_name', '')}")
        return 0
    import numpy as np

    from fc_utils.dates import parse_date
    from fc_utils.grids import grid_from_name

    grid = grid_from_name(args.grid)
    date = np.datetime64(parse_date(args.date), "s")
    values = compute_forcings(names, np.array([date]), grid.latitudes, grid.longitudes)[0]
    stats = {
        n: {"min": float(v.min()), "mean": float(v.mean()), "max": float(v.max())}
        for n, v in zip(names, values, strict=True)
    }
    if args.json:
        echo_json({"grid": grid.name, "date": str(date), "statistics": stats})
    else:
        echo(f"forcings on {grid.name} ({grid.size:,} points) at {date}:")
        for n, s in stats.items():
            echo(f"  {n:<40} min {s['min']:12.5g}  mean {s['mean']:12.5g}  max {s['max']:12.5g}")
    return 0


def _provenance(args: argparse.Namespace) -> int:
    from fc_utils.provenance import gather_provenance

    echo_json(gather_provenance(input_files=args.input or ()))
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from fc_utils.artifact import read_artifact

    art = read_artifact(args.path, verify=not args.no_verify)
    tensors = {
        name: {"dtype": str(a.dtype), "shape": list(a.shape)} for name, a in art.tensors.items()
    }
    if args.json:
        echo_json({"header": art.header, "metadata": art.metadata, "tensors": tensors})
        return 0
    echo(
        f"{args.path}: fc artifact of kind '{art.kind}' (container version {art.header.get('container_version')})"
    )
    echo(
        f"  created {art.header.get('created')}; checksums {'verified' if not args.no_verify else 'not checked'}"
    )
    echo(f"  metadata keys: {', '.join(art.metadata) or '(none)'}")
    echo(f"  {len(tensors)} tensors:")
    for name, t in tensors.items():
        echo(f"    {name:<40} {t['dtype']:<8} {tuple(t['shape'])}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from fc_utils.artifact import read_artifact

    art = read_artifact(args.path, verify=True)
    echo(f"{args.path}: OK ({art.kind}, {len(art.tensors)} tensors, every checksum matches)")
    return 0


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-utils``."""
    parser = make_parser(
        "fc-utils",
        "Grids, dates, computed forcings, provenance and artifact files of fc.",
        version=__version__,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cmd = add_command(
        commands, "grid", _grid, help="describe a grid by name (O96, N320, F90, 1p0, 0.25x0.25)"
    )
    cmd.add_argument("name", help="grid name")
    cmd.add_argument(
        "-o", "--output", metavar="FILE.npz", help="write the latitudes and longitudes to FILE.npz"
    )
    cmd.add_argument("--json", action="store_true", help="print a JSON description")

    cmd = add_command(commands, "dates", _dates, help="expand a date range and split it into parts")
    cmd.add_argument("start", help="first date (loose forms such as 2020 or 2020-03 allowed)")
    cmd.add_argument("end", help="last date (a loose end such as 2020 means the end of 2020)")
    cmd.add_argument("frequency", help="step between dates: 6h, PT6H, 1d, 30m ...")
    cmd.add_argument("--missing", nargs="*", metavar="DATE", help="dates known to be missing")
    cmd.add_argument(
        "--parts", type=int, metavar="N", help="show how the range splits into N parts"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        commands, "forcings", _forcings, help="list computed forcings, or compute them on a grid"
    )
    cmd.add_argument("names", nargs="*", help="forcing names (default: all)")
    cmd.add_argument("--grid", help="grid name; with --date, print statistics of each forcing")
    cmd.add_argument(
        "--date", default="2020-01-01T00", help="date for --grid (default: %(default)s)"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        commands,
        "provenance",
        _provenance,
        help="print the provenance record fc stores in artifacts",
    )
    cmd.add_argument("--input", nargs="*", metavar="FILE", help="files whose sha256 to record")

    cmd = add_command(commands, "inspect", _inspect, help="show what an fc artifact file holds")
    cmd.add_argument("path", help="artifact file (checkpoint, graph, ...)")
    cmd.add_argument("--no-verify", action="store_true", help="skip the checksum verification")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        commands, "verify", _verify, help="check an fc artifact file is complete and intact"
    )
    cmd.add_argument("path", help="artifact file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-utils`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
