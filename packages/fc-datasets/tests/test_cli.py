"""The ``fc-datasets`` command-line tool: help, version, schema export, errors and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fc_config.exceptions import FcError
from fc_datasets import __version__
from fc_datasets.cli import main
from fc_datasets.exceptions import DatasetError, IncompleteDatasetError, SourceError

HEAVY = ["dask", "zarr", "xarray", "torch", "cfgrib", "eccodes"]


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "usage: fc-datasets" in out
    assert "schema" in out
    assert "--debug" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"fc-datasets {__version__}"


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "dataset-metadata"]) == 0
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
        DatasetError,
        SourceError,
        IncompleteDatasetError,
    ):
        assert issubclass(cls, FcError)


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from fc_datasets.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
