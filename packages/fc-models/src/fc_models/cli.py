"""The ``fc-models`` command-line tool: a thin layer over the fc_models Python API.

Commands::

    fc-models inspect CKPT [--json]              what a checkpoint holds (metadata only: fast)
    fc-models validate CKPT [--no-build]         check structure, checksums, metadata, tensors
    fc-models migrate CKPT [--out PATH] [--dry-run]   rewrite in the current format
    fc-models schema [checkpoint-metadata]

Heavy libraries are imported inside the commands that need them, so ``fc-models --help``
answers at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fc_models import __version__
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


def _inspect(args: argparse.Namespace) -> int:
    from fc_models.checkpoint_inspect import describe_checkpoint, format_description

    info = describe_checkpoint(args.checkpoint)
    if args.json:
        echo_json(info)
    else:
        echo(format_description(info))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from fc_models.checkpoint_inspect import validate_checkpoint

    report = validate_checkpoint(args.checkpoint, build=not args.no_build)
    if args.json:
        echo_json({"path": args.checkpoint, "valid": True, "checks": report})
    else:
        for line in report:
            echo(f"ok  {line}")
        echo(f"{args.checkpoint}: valid")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
    from fc_models.checkpoint import migrate_checkpoint

    result = migrate_checkpoint(args.checkpoint, args.out, dry_run=args.dry_run)
    target = args.out or args.checkpoint
    if not result.changed:
        echo(f"{args.checkpoint} is already in the current format ({CHECKPOINT_FORMAT_VERSION}).")
        if args.out and not args.dry_run:
            echo(f"copied it to {target}")
        return 0
    steps = ", ".join(result.applied)
    if args.dry_run:
        echo(
            f"{args.checkpoint} is in format {result.from_version}; would migrate it to format "
            f"{CHECKPOINT_FORMAT_VERSION} ({steps}) and write {target}. Nothing was written."
        )
    else:
        echo(
            f"migrated {args.checkpoint} from format {result.from_version} to "
            f"{CHECKPOINT_FORMAT_VERSION} ({steps}); wrote {target}"
        )
    return 0


def build_parser() -> FcArgumentParser:
    """Build the argument parser of ``fc-models``."""
    parser = make_parser(
        "fc-models", "Inspect, validate and migrate fc model checkpoints.", version=__version__
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cmd = add_command(
        commands,
        "inspect",
        _inspect,
        help="show what a checkpoint holds: variables, grid, timestep, graph, provenance",
        description="Show what a checkpoint holds, from its metadata alone (fast for any size).",
    )
    cmd.add_argument("checkpoint", metavar="CKPT", help="the checkpoint file")
    cmd.add_argument("--json", action="store_true", help="print JSON instead of text")

    cmd = add_command(
        commands,
        "validate",
        _validate,
        help="check a checkpoint: structure, checksums, metadata, tensors, network",
        description="Check a checkpoint thoroughly; exit status 0 when it is valid. An older "
        "format is migrated in memory and reported.",
    )
    cmd.add_argument("checkpoint", metavar="CKPT", help="the checkpoint file")
    cmd.add_argument(
        "--no-build",
        action="store_true",
        help="skip building the network (only the file is checked)",
    )
    cmd.add_argument("--json", action="store_true", help="print the checks as JSON")

    cmd = add_command(
        commands,
        "migrate",
        _migrate,
        help="rewrite a checkpoint in the current format",
        description="Rewrite a checkpoint written by an older fc-models in the current format "
        "(in place unless --out is given; the write is atomic).",
    )
    cmd.add_argument("checkpoint", metavar="CKPT", help="the checkpoint file")
    cmd.add_argument("--out", metavar="PATH", help="write here instead of replacing CKPT")
    cmd.add_argument("--dry-run", action="store_true", help="say what would be done, write nothing")

    add_schema_command(commands, ["checkpoint-metadata"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-models`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return run(build_parser(), argv)


if __name__ == "__main__":
    raise SystemExit(main())
