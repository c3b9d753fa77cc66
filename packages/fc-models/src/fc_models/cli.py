"""The ``fc-models`` command-line tool: a thin layer over the fc_models Python API.

Heavy libraries are imported inside the commands that need them, so ``fc-models --help``
answers at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from fc_models import __version__
from fc_utils.cli_helpers import FcArgumentParser, add_schema_command, make_parser, run

__all__ = ["build_parser", "main"]


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-models``."""
    parser = make_parser(
        "fc-models", "Inspect and migrate fc model checkpoints.", version=__version__
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_schema_command(commands, ["checkpoint-metadata"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-models`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
