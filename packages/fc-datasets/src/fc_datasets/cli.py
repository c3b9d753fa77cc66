"""The ``fc-datasets`` command-line tool: a thin layer over the fc_datasets Python API.

Heavy libraries (zarr, xarray, dask, eccodes) are imported inside the commands that need them,
so ``fc-datasets --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fc_datasets import __version__
from fc_datasets.exceptions import DatasetError
from fc_utils.cli_helpers import (
    FcArgumentParser,
    add_command,
    add_schema_command,
    echo,
    echo_json,
    make_parser,
    run,
)

__all__ = ["build_parser", "main"]


# --- building -------------------------------------------------------------------------------


def _parallel_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="parallel tasks within this process (default: the CPU count)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of an existing dask.distributed scheduler (tcp://host:8786)",
    )


def _create(args: argparse.Namespace) -> int:
    from fc_datasets.build import create

    create(
        args.recipe,
        args.path,
        overwrite=args.overwrite,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    echo(f"created {args.path}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from fc_datasets.build import init

    init(args.recipe, args.path, overwrite=args.overwrite, command=sys.argv)
    echo(
        f"initialised {args.path}: now run 'fc-datasets load {args.path} --part i/N' for each part, then finalise"
    )
    return 0


def _load(args: argparse.Namespace) -> int:
    from fc_datasets.build import load

    load(args.path, part=args.part, workers=args.workers, scheduler=args.scheduler)
    echo(f"loaded {'part ' + args.part if args.part else 'every date'} of {args.path}")
    return 0


def _finalise(args: argparse.Namespace) -> int:
    from fc_datasets.build import finalise

    finalise(args.path)
    echo(f"finalised {args.path}: statistics written, dataset complete")
    return 0


# --- looking at datasets --------------------------------------------------------------------


def _inspect(args: argparse.Namespace) -> int:
    import numpy as np

    from fc_datasets.build import build_status
    from fc_datasets.store import STATISTICS, open_store

    root = open_store(args.path, require_complete=False)
    status = build_status(args.path)
    attrs = dict(root.attrs)
    data = root["data"]
    dates = root["dates"][:]
    done = status.done
    variables = list(attrs.get("variables", []))
    stats = {}
    if all(name in root for name in STATISTICS):
        arrays = {name: root[name][:] for name in STATISTICS}
        stats = {
            v: {name: float(arrays[name][i]) for name in STATISTICS}
            for i, v in enumerate(variables)
        }
    parts = status.parts(args.parts) if args.parts else []
    info = {
        "path": str(args.path),
        "complete": bool(attrs.get("complete", False)),
        "format_version": attrs.get("format_version"),
        "uuid": attrs.get("uuid"),
        "shape": list(data.shape),
        "dtype": str(data.dtype),
        "chunks": list(data.chunks),
        "size_bytes": int(np.prod(data.shape)) * data.dtype.itemsize,
        "variables": variables,
        "frequency": attrs.get("frequency"),
        "start_date": str(dates[0]) if len(dates) else None,
        "end_date": str(dates[-1]) if len(dates) else None,
        "missing_dates": attrs.get("missing_dates", []),
        "grid": {k: v for k, v in (attrs.get("grid") or {}).items() if k != "pl"},
        "dates_loaded": int(done.sum()),
        "not_loaded": [{"start": a, "end": b, "dates": n} for a, b, n in status.lacking_ranges()],
        "parts": parts,
        "statistics": stats,
        "licence": attrs.get("licence"),
        "attribution": attrs.get("attribution"),
    }
    if args.json:
        echo_json(info)
        return 0
    state = "complete" if info["complete"] else "INCOMPLETE (not finalised)"
    echo(f"{args.path}: fc dataset, format {info['format_version']}, {state}")
    echo(
        f"  shape {tuple(info['shape'])} [date, variable, ensemble, cell], {info['dtype']}, "
        f"{info['size_bytes'] / 1e9:.2f} GB, chunks {tuple(info['chunks'])}"
    )
    echo(
        f"  dates {info['start_date']} … {info['end_date']} every {info['frequency']} "
        f"({len(dates)} dates, {len(info['missing_dates'])} missing)"
    )
    grid = info["grid"]
    echo(
        f"  grid {grid.get('name') or grid.get('type')}: {grid.get('number_of_points', data.shape[-1]):,} points"
    )
    echo(f"  loaded {info['dates_loaded']} of {len(dates)} dates")
    for run_ in info["not_loaded"][:10]:
        echo(f"    not loaded: {run_['start']} … {run_['end']} ({run_['dates']} dates)")
    for part in parts:
        echo(
            f"    part {part['part']}: {part['first_date']} … {part['last_date']}: "
            f"{part['loaded']}/{part['dates']} dates loaded, {part['lacking']} to load"
        )
    echo(f"  {len(variables)} variables:")
    width = max((len(v) for v in variables), default=12)
    for v in variables:
        s = stats.get(v)
        figures = (
            f"mean {s['mean']:12.5g}  stdev {s['stdev']:11.5g}  min {s['minimum']:12.5g}  max {s['maximum']:12.5g}"
            if s
            else "(statistics after finalise)"
        )
        echo(f"    {v:<{width}} {figures}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from fc_datasets.validate import validate_dataset

    problems = validate_dataset(args.path, full=args.full)
    if args.json:
        echo_json({"path": str(args.path), "valid": not problems, "problems": problems})
    if problems:
        raise DatasetError(
            f"{args.path} does not follow the dataset format ({len(problems)} problems):\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    if not args.json:
        echo(f"{args.path}: valid fc dataset (format spec: docs/formats/dataset.md)")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from fc_datasets.compare import compare_datasets

    report = compare_datasets(args.a, args.b, atol=args.atol, rtol=args.rtol)
    if args.json:
        echo_json(report)
    else:
        echo(f"comparing {args.a} and {args.b}")
        for line in report["summary"]:
            echo(f"  {line}")
        width = max((len(n) for n in report["variables"]), default=12)
        for name, row in report["variables"].items():
            echo(
                f"    {name:<{width}} {row['status']:<10} max |diff| {row['max_abs_diff']:11.4g}  "
                f"rms diff {row['rms_diff']:11.4g}  mean {row['mean_a']:11.5g} vs {row['mean_b']:11.5g}"
            )
    return 0 if report["identical_within_tolerance"] else 1


def _synthetic(args: argparse.Namespace) -> int:
    from fc_datasets.synthetic import write_grib, write_netcdf
    from fc_utils.dates import DateRange
    from fc_utils.grids import grid_from_name

    grid = grid_from_name(args.grid)
    dates = DateRange(args.start, args.end, args.frequency).dates
    # levelled parameters expand over the levels (t → t_500, t_850), as recipes name them
    levelled = {"z", "t", "u", "v", "q"}
    variables = [
        f"{p}_{lev}" if p in levelled and args.level else p
        for p in args.param
        for lev in (args.level if p in levelled and args.level else [None])
    ]
    out = Path(args.output)
    if args.format == "grib":
        files = write_grib(
            out,
            variables,
            dates,
            grid,
            seed=args.seed,
            members=args.members,
            bits_per_value=args.bits,
        )
    else:
        files = [write_netcdf(out, variables, dates, grid, seed=args.seed, members=args.members)]
    n = len(files)
    echo(
        f"wrote {len(variables)} synthetic variables × {len(dates)} dates on {grid.name} to {out} ({n} files)"
    )
    return 0


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-datasets``."""
    parser = make_parser(
        "fc-datasets",
        "Build zarr training datasets from GRIB, NetCDF and zarr archives, and inspect them.\n\n"
        "One go:    fc-datasets create recipe.yaml out.zarr\n"
        "In parts:  fc-datasets init recipe.yaml out.zarr\n"
        "           fc-datasets load out.zarr --part 1/4   (… 4/4, as separate processes or jobs)\n"
        "           fc-datasets finalise out.zarr",
        version=__version__,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cmd = add_command(commands, "create", _create, help="build a dataset from a recipe in one go")
    cmd.add_argument("recipe", help="recipe file (YAML or JSON)")
    cmd.add_argument("path", help="output dataset (a .zarr folder)")
    cmd.add_argument("--overwrite", action="store_true", help="replace an existing dataset at PATH")
    _parallel_options(cmd)

    cmd = add_command(
        commands,
        "init",
        _init,
        help="validate a recipe and create an empty dataset to load in parts",
    )
    cmd.add_argument("recipe", help="recipe file (YAML or JSON)")
    cmd.add_argument("path", help="output dataset (a .zarr folder)")
    cmd.add_argument("--overwrite", action="store_true", help="replace an existing dataset at PATH")

    cmd = add_command(
        commands,
        "load",
        _load,
        help="load the dates of one part (resumes where a killed load stopped)",
    )
    cmd.add_argument("path", help="dataset created by init")
    cmd.add_argument(
        "--part",
        metavar="I/N",
        help="load part I of N (a contiguous date range); default: every date",
    )
    _parallel_options(cmd)

    cmd = add_command(
        commands,
        "finalise",
        _finalise,
        help="check every part is loaded, write statistics, mark complete",
    )
    cmd.add_argument("path", help="dataset whose parts are all loaded")

    cmd = add_command(
        commands, "inspect", _inspect, help="shape, variables, dates, statistics and completeness"
    )
    cmd.add_argument("path", help="dataset (complete or not)")
    cmd.add_argument(
        "--parts", type=int, metavar="N", help="show the loading state of each of N parts"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON for scripts")

    cmd = add_command(
        commands,
        "compare",
        _compare,
        help="compare two datasets variable by variable (exit 1 if they differ)",
    )
    cmd.add_argument("a", help="first dataset")
    cmd.add_argument("b", help="second dataset")
    cmd.add_argument("--atol", type=float, default=0.0, help="absolute tolerance (default: exact)")
    cmd.add_argument("--rtol", type=float, default=0.0, help="relative tolerance (default: exact)")
    cmd.add_argument("--json", action="store_true", help="print JSON")

    cmd = add_command(
        commands, "validate", _validate, help="check a dataset against the format spec"
    )
    cmd.add_argument("path", help="dataset")
    cmd.add_argument(
        "--full", action="store_true", help="also read every date of the data (NaN checks)"
    )
    cmd.add_argument("--json", action="store_true", help="print JSON")

    add_schema_command(commands, ["dataset-recipe", "dataset-metadata"])

    cmd = add_command(
        commands,
        "synthetic",
        _synthetic,
        help="write synthetic weather as GRIB or NetCDF files (demo, tests)",
    )
    cmd.add_argument("output", help="output folder (GRIB: one file per date) or NetCDF file")
    cmd.add_argument("--grid", default="O96", help="grid name (default: %(default)s)")
    cmd.add_argument("--start", default="2020-01-01", help="first date (default: %(default)s)")
    cmd.add_argument("--end", default="2020-01-31T18", help="last date (default: %(default)s)")
    cmd.add_argument("--frequency", default="6h", help="step between dates (default: %(default)s)")
    cmd.add_argument(
        "--param",
        nargs="+",
        default=["2t", "msl", "10u", "10v", "z", "t", "u", "v"],
        help="parameters (levelled ones are expanded over --level)",
    )
    cmd.add_argument(
        "--level", nargs="*", type=int, default=[500, 850], help="pressure levels in hPa"
    )
    cmd.add_argument("--members", type=int, default=1, help="ensemble members")
    cmd.add_argument("--seed", type=int, default=0, help="random seed (same seed, same fields)")
    cmd.add_argument(
        "--bits", type=int, default=16, help="GRIB bits per value (default: %(default)s)"
    )
    cmd.add_argument("--format", choices=["grib", "netcdf"], default="grib", help="file format")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-datasets`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
