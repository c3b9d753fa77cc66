"""The ``fc-training`` command-line tool: a thin layer over the fc_training Python API.

Heavy libraries are imported inside the commands that need them, so ``fc-training --help``
answers at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from fc_training import __version__
from fc_utils.cli_helpers import FcArgumentParser, add_schema_command, make_parser, run

__all__ = ["build_parser", "main"]


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-training``."""
    parser = make_parser(
        "fc-training",
        "Train fc models with PyTorch Lightning, Hydra-composed configs and MLflow tracking.",
        version=__version__,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_schema_command(commands, ["checkpoint-metadata"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-training`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
