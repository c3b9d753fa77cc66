"""The ``fc-datasets`` command-line tool: a thin layer over the fc_datasets Python API.

Heavy libraries are imported inside the commands that need them, so ``fc-datasets --help``
answers at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from fc_datasets import __version__
from fc_utils.cli_helpers import FcArgumentParser, add_schema_command, make_parser, run

__all__ = ["build_parser", "main"]


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-datasets``."""
    parser = make_parser(
        "fc-datasets",
        "Build zarr training datasets from GRIB, NetCDF and zarr archives, and inspect them.",
        version=__version__,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_schema_command(commands, ["dataset-metadata"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-datasets`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
