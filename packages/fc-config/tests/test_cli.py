"""The fc-config command: list, schema, export, validate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fc_config import __version__
from fc_config.cli import main

from .conftest import DOCUMENTS


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    path = tmp_path / "dataset.yaml"
    path.write_text(yaml.safe_dump(DOCUMENTS["dataset-metadata"]))
    return path


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)
    assert any(line.startswith("dataset-metadata ") for line in lines)


def test_schema_prints_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "graph-metadata"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "GraphMetadata"


def test_schema_to_file(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    assert main(["schema", "graph-metadata", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["$id"] == "urn:fc:schema:graph-metadata"


def test_schema_typo_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "graph-metdata"]) == 3
    assert "Did you mean 'graph-metadata'" in capsys.readouterr().err


def test_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.schema.json"))) >= 4


def test_validate_ok(dataset_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "dataset-metadata", str(dataset_file)]) == 0
    out = capsys.readouterr().out
    assert out == f"{dataset_file}: OK (dataset-metadata)\n"


def test_validate_json_file_with_json_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "forecast.json"
    path.write_text(json.dumps(DOCUMENTS["forecast-metadata"]))
    assert main(["validate", "forecast-metadata", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True


def test_validate_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = dict(DOCUMENTS["dataset-metadata"], frequncy="6h")
    del document["frequency"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["validate", "dataset-metadata", str(path)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"fc-config: error: {path}: 2 problems in DatasetMetadata:")
    assert "frequncy: unknown key; did you mean 'frequency'?" in captured.err
    assert "Traceback" not in captured.err


def test_validate_bad_file_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(dict(DOCUMENTS["graph-metadata"], hash="nothex")))
    assert main(["validate", "graph-metadata", str(path), "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(p["path"], p["value"]) for p in report["problems"]] == [("hash", "'nothex'")]


def test_validate_yaml_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: dataset\nvariables: [2t, 10u\n")
    assert main(["validate", "dataset-metadata", str(path)]) == 3
    err = capsys.readouterr().err
    assert "broken.yaml, line 3" in err
    assert "Traceback" not in err


def test_validate_newer_format_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new.json"
    path.write_text(json.dumps(dict(DOCUMENTS["graph-metadata"], format_version=7)))
    assert main(["validate", "graph-metadata", str(path)]) == 4
    assert "upgrade fc-graphs" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "validate", "dataset-metadata", str(tmp_path / "none.yaml")]) == 3
    assert "Traceback" in capsys.readouterr().err
    assert main(["validate", "dataset-metadata", str(tmp_path / "none.yaml"), "--debug"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_version_help_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"fc-config {__version__}"
    assert main(["--help"]) == 0
    assert "validate" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
    assert main([]) == 2


def test_help_does_not_import_pydantic() -> None:
    # keeps `fc-config --help` (and every fc CLI that imports fc_config) fast
    code = "import sys, fc_config, fc_config.cli; sys.exit('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fc_config", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, f"fc-config {__version__}")
