"""The ``fc-graphs`` command-line tool: help, version, schema export, errors and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fc_config.exceptions import FcError
from fc_graphs import __version__
from fc_graphs.cli import main
from fc_graphs.exceptions import GraphBuildError, GraphError

HEAVY = ["torch", "torch_geometric", "scipy", "matplotlib"]


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: fc-graphs" in out
    for command in ("create", "describe", "validate", "inspect", "schema"):
        assert command in out
    assert "--debug" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"fc-graphs {__version__}"


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object"
    assert "format_version" in schema["properties"]


def test_unknown_command_is_a_usage_error_with_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["shema"]) == 2
    assert "Did you mean 'schema'?" in capsys.readouterr().err


def test_exceptions_derive_from_fc_error() -> None:
    for cls in (
        GraphError,
        GraphBuildError,
    ):
        assert issubclass(cls, FcError)


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from fc_graphs.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_inspect_defaults_are_those_of_plot_graph() -> None:
    from fc_graphs.cli import build_parser
    from fc_graphs.plots import DEFAULT_DPI, DEFAULT_MAX_EDGES

    args = build_parser().parse_args(["inspect", "g.fcg", "--out", "plots"])
    assert (args.max_edges, args.dpi) == (DEFAULT_MAX_EDGES, DEFAULT_DPI)
    assert (args.nodes, args.edges, args.color_by, args.overwrite) == (None, None, None, False)
