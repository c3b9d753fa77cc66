"""What every fc command-line tool shares: options, logging, exit codes and error reporting.

Each package's CLI is a thin layer over its Python API::

    def build_parser() -> FcArgumentParser:
        parser = make_parser("fc-graphs", "Build graphs ...", version=__version__)
        commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        cmd = add_command(commands, "describe", _describe, help="...")
        cmd.add_argument("path")
        return parser

    def main(argv: list[str] | None = None) -> int:
        return run(build_parser(), argv)

:func:`run` turns an :class:`~fc_config.exceptions.FcError` into one readable paragraph on standard
error and the error's exit code, with no traceback unless ``--debug`` is given. Anything else is
reported as a bug. ``--verbose``/``--quiet`` set the logging level and whether progress bars show.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import textwrap
import traceback
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NoReturn

from fc_config.exceptions import FcError
from fc_config.suggest import did_you_mean
from fc_utils.progress import set_progress_enabled

__all__ = [
    "Command",
    "ExitCode",
    "FcArgumentParser",
    "add_command",
    "add_schema_command",
    "configure_logging",
    "echo",
    "echo_json",
    "format_error",
    "make_parser",
    "run",
]

Command = Callable[[argparse.Namespace], "int | None"]


class ExitCode(IntEnum):
    """Exit statuses shared by every fc command (also documented in ``docs/development.md``)."""

    OK = 0
    #: Any failure that has no more specific code, including bugs.
    FAILURE = 1
    #: The command line itself was wrong (unknown option, missing argument).
    USAGE = 2
    #: A config, recipe or input does not validate (``ConfigError``, bad dates, unknown plugin).
    INVALID_INPUT = 3
    #: An artifact was written in a newer format than this installation reads.
    FORMAT_VERSION = 4
    #: An artifact is corrupt, truncated or incomplete.
    CORRUPT = 5
    #: Interrupted by the user (Ctrl-C).
    INTERRUPTED = 130


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class FcArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors suggest the closest valid command or choice."""

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.search(message)
        if found:
            choices = re.findall(r"'([^']*)'", found.group(2)) or [
                c.strip() for c in found.group(2).split(",")
            ]
            message += "." + did_you_mean(found.group(1), choices)
        super().error(message)


def _add_common_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Sub-commands repeat the options with SUPPRESS defaults so that `fc-x cmd --debug` and
    # `fc-x --debug cmd` both work and the sub-parser does not overwrite the main parser's value.
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("output and diagnostics")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default if suppress else 0,
        help="more log messages (-vv for debug messages)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default if suppress else False,
        help="only warnings and errors; no progress bars",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default if suppress else False,
        help="show the full traceback of an error, and debug log messages",
    )


def make_parser(
    prog: str, description: str, *, version: str, epilog: str | None = None
) -> FcArgumentParser:
    """Create the top-level parser of an fc tool with ``--version``, ``-v``, ``-q`` and ``--debug``."""
    parser = FcArgumentParser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{prog} {version}")
    _add_common_options(parser, suppress=False)
    return parser


def add_command(
    subparsers: Any,
    name: str,
    func: Command,
    *,
    help: str,
    description: str | None = None,
) -> FcArgumentParser:
    """Add a sub-command that runs ``func(args)``; returns its parser for adding arguments."""
    parser: FcArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description or help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common_options(parser, suppress=True)
    parser.set_defaults(func=func)
    return parser


def configure_logging(verbose: int = 0, quiet: bool = False, debug: bool = False) -> None:
    """Set the log level of the ``fc_*`` loggers and whether progress bars are drawn.

    Default: INFO for fc's own messages, WARNING for third-party libraries. ``-v`` shows fc's
    DEBUG messages, ``-vv`` or ``--debug`` everything at DEBUG; ``--quiet`` only warnings and
    errors, and no progress bars.
    """
    if quiet:
        fc_level, other_level = logging.WARNING, logging.WARNING
    elif debug or verbose >= 2:
        fc_level, other_level = logging.DEBUG, logging.DEBUG
    elif verbose == 1:
        fc_level, other_level = logging.DEBUG, logging.WARNING
    else:
        fc_level, other_level = logging.INFO, logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(other_level)
    for name in (
        "fc_config",
        "fc_utils",
        "fc_datasets",
        "fc_graphs",
        "fc_models",
        "fc_training",
        "fc_inference",
    ):
        logging.getLogger(name).setLevel(fc_level)
    set_progress_enabled(False if quiet else None)


def _width() -> int:
    import shutil

    return max(40, min(100, shutil.get_terminal_size((100, 20)).columns))


def format_error(exc: BaseException, prog: str) -> str:
    """Render an exception as the paragraph a user sees: ``prog: error: what went wrong ...``.

    Multi-line messages (a config error listing several problems) keep their lines; a long single
    line is wrapped to the terminal width.
    """
    if isinstance(exc, FcError):
        text = str(exc)
        head = f"{prog}: error: "
    elif isinstance(exc, OSError) and exc.filename is not None:
        text = f"{exc.strerror or exc}: {exc.filename}"
        head = f"{prog}: error: "
    elif isinstance(exc, MemoryError):
        text = "out of memory. Reduce the amount of work per process (fewer dates, smaller chunks) or use a larger machine."
        head = f"{prog}: error: "
    else:
        text = (
            f"{type(exc).__name__}: {exc}. This is a bug in fc, not in your input: "
            f"rerun with --debug to see the traceback, and please report it."
        )
        head = f"{prog}: internal error: "
    lines = text.splitlines() or [""]
    # never break inside a word: `pip install "fc-graphs[plots]"` and paths must stay whole
    first = textwrap.fill(
        head + lines[0],
        width=_width(),
        subsequent_indent="  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    rest = [f"  {line}" if line and not line.startswith(" ") else line for line in lines[1:]]
    return "\n".join([first, *rest])


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, FcError):
        return int(exc.exit_code)
    return int(ExitCode.FAILURE)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, configure logging and run the chosen command; return the exit status.

    Never raises (except ``SystemExit`` from ``--help``/``--version``, which is turned into its
    status too): errors are printed as one paragraph and mapped to exit codes (:class:`ExitCode`).
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else int(ExitCode.USAGE)
    debug = bool(getattr(args, "debug", False))
    configure_logging(getattr(args, "verbose", 0) or 0, bool(getattr(args, "quiet", False)), debug)
    func: Command | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return int(ExitCode.USAGE)
    try:
        status = func(args)
    except KeyboardInterrupt:
        sys.stderr.write(f"{parser.prog}: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # `fc-x ... | head`: not an error
        return int(ExitCode.OK)
    except Exception as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        sys.stderr.write(format_error(exc, parser.prog) + "\n")
        return _exit_code(exc)
    return int(status or 0)


def echo(text: str = "") -> None:
    """Write a line of command output to standard output (library code logs instead)."""
    sys.stdout.write(text + "\n")


def echo_json(obj: Any) -> None:
    """Write ``obj`` as indented JSON to standard output (for ``--json`` options)."""
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def add_schema_command(subparsers: Any, names: Sequence[str]) -> FcArgumentParser:
    """Add ``schema [NAME] [-o FILE]``, printing the JSON Schema of one of the package's schemas."""

    def _schema(args: argparse.Namespace) -> int:
        from fc_config.schemas import json_schema

        text = json.dumps(json_schema(args.name), indent=2)
        if args.output:
            from pathlib import Path

            Path(args.output).write_text(text + "\n", encoding="utf-8")
            logging.getLogger("fc_utils.cli").info(
                "wrote the JSON Schema of %s to %s", args.name, args.output
            )
        else:
            echo(text)
        return 0

    cmd = add_command(
        subparsers,
        "schema",
        _schema,
        help="print the JSON Schema of "
        + ("/".join(names) if len(names) < 3 else "this package's documents"),
    )
    cmd.add_argument(
        "name",
        nargs="?",
        default=names[0],
        choices=list(names),
        help=f"schema name (default: {names[0]})",
    )
    cmd.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    return cmd
