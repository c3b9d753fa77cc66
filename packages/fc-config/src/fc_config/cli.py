"""The ``fc-config`` command-line tool: list, print, export and check fc's schemas.

It uses the standard library only (fc-config cannot depend on fc-utils) and imports pydantic
and the schemas inside the commands, so ``fc-config --help`` answers at once.

``main`` returns the exit status instead of exiting, so tests call it directly; the console
script (``sys.exit(main())``) and ``python -m fc_config`` turn it into the process status.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Sequence

from fc_config import __version__
from fc_config.exceptions import FcError

__all__ = ["build_parser", "main"]

_PROG = "fc-config"
_LOG = logging.getLogger("fc_config.cli")


def _write(text: str, *, stream: str = "stdout") -> None:
    (sys.stdout if stream == "stdout" else sys.stderr).write(text + "\n")


def _cmd_list(args: argparse.Namespace) -> int:
    from fc_config.schemas import get_schema, schema_names

    names = schema_names()
    width = max(len(name) for name in names)
    for name in names:
        doc = (get_schema(name).__doc__ or "").strip().splitlines()
        _write(f"{name:<{width}}  {doc[0] if doc else ''}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from pathlib import Path

    from fc_config.schemas import json_schema

    text = json.dumps(json_schema(args.name), indent=2)
    if args.output is None:
        _write(text)
    else:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        _LOG.info("wrote the JSON Schema of %s to %s", args.name, args.output)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from fc_config.schemas import export_json_schemas

    paths = export_json_schemas(args.directory)
    _write(f"wrote {len(paths)} JSON Schemas to {args.directory}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from fc_config.errors import load_config
    from fc_config.exceptions import ConfigError
    from fc_config.schemas import get_schema

    model = get_schema(args.name)
    try:
        load_config(model, args.file)
    except ConfigError as exc:
        if args.json:
            problems = [p.to_dict() for p in exc.problems]
            report = {"ok": False, "schema": args.name, "file": args.file, "problems": problems}
            _write(json.dumps(report, indent=2))
        raise
    if args.json:
        _write(json.dumps({"ok": True, "schema": args.name, "file": args.file, "problems": []}))
    else:
        _write(f"{args.file}: OK ({args.name})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``fc-config``."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="List, print, export and check the schemas of fc's configs and metadata.",
    )
    parser.add_argument("--version", action="version", version=f"{_PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    # so that --debug also works after the command name
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    cmd = commands.add_parser("list", parents=[common], help="list the schema names")
    cmd.set_defaults(func=_cmd_list)

    cmd = commands.add_parser(
        "schema", parents=[common], help="print the JSON Schema of one schema"
    )
    cmd.add_argument("name", help="schema name (see `fc-config list`)")
    cmd.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    cmd.set_defaults(func=_cmd_schema)

    cmd = commands.add_parser(
        "export", parents=[common], help="write every JSON Schema into a directory"
    )
    cmd.add_argument(
        "directory", metavar="DIR", help="directory to write <name>.schema.json files into"
    )
    cmd.set_defaults(func=_cmd_export)

    cmd = commands.add_parser(
        "validate", parents=[common], help="check a YAML or JSON file against a schema"
    )
    cmd.add_argument("name", help="schema name (see `fc-config list`)")
    cmd.add_argument("file", metavar="FILE", help="the YAML or JSON document to check")
    cmd.add_argument(
        "--json", action="store_true", help="print the result as JSON on standard output"
    )
    cmd.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fc-config`` with ``argv`` (default: ``sys.argv[1:]``) and return the exit status.

    0 on success; on an expected failure the error's ``exit_code`` (3 for an invalid document,
    4 for a too-new format) with the message on standard error; 2 for a wrong command line;
    1 for anything else (a bug: rerun with ``--debug`` for the traceback).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    debug: bool = args.debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(message)s")
    try:
        status: int = args.func(args)
    except FcError as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        _write(f"{_PROG}: error: {exc}", stream="stderr")
        return exc.exit_code
    except KeyboardInterrupt:
        _write(f"{_PROG}: interrupted", stream="stderr")
        return 130
    except OSError as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        target = f" {exc.filename}" if exc.filename else ""
        _write(f"{_PROG}: error: cannot write{target}: {exc.strerror or exc}", stream="stderr")
        return 1
    except Exception as exc:
        if debug:
            raise
        _write(
            f"{_PROG}: internal error ({type(exc).__name__}: {exc}). This is a bug in fc-config; "
            "rerun with --debug for the traceback and report it.",
            stream="stderr",
        )
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
