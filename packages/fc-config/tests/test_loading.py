"""Reading YAML/JSON files: errors name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fc_config import ConfigError, DatasetMetadata, load_config, load_yaml_or_json


def test_reads_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1\nb: [x, y]\n")
    (tmp_path / "b.json").write_text('{"a": 1, "b": ["x", "y"]}')
    assert load_yaml_or_json(tmp_path / "a.yaml") == {"a": 1, "b": ["x", "y"]}
    assert load_yaml_or_json(tmp_path / "b.json") == {"a": 1, "b": ["x", "y"]}


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text("dates:\n  start: 2020-01-01\n  end: [2020-01-31\nother: 1\n")
    with pytest.raises(ConfigError, match=r"recipe\.yaml, line 4, column \d+: invalid YAML"):
        load_yaml_or_json(path)


def test_json_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text('{\n  "a": 1,\n  "b": ,\n}')
    with pytest.raises(ConfigError, match=r"meta\.json, line 3, column 8: invalid JSON"):
        load_yaml_or_json(path)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("lr: 0.1\nbatch: 4\nlr: 0.01\n")
    with pytest.raises(ConfigError, match=r"line 3.*'lr' twice \(first on line 1\)"):
        load_yaml_or_json(path)


def test_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"lr": 0.1, "lr": 0.01}')
    with pytest.raises(ConfigError, match="'lr' twice"):
        load_yaml_or_json(path)


def test_yaml_python_tags_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("a: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="line 1"):
        load_yaml_or_json(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "is empty"), ("- 1\n- 2\n", "top level must be a mapping.*list")],
)
def test_document_must_be_a_mapping(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_yaml_or_json(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: no such file"):
        load_yaml_or_json(tmp_path / "nope.yaml")


def test_load_config_names_the_file_in_validation_errors(tmp_path: Path) -> None:
    path = tmp_path / "meta.yaml"
    path.write_text("kind: dataset\nfrequency: 6 hours\n")
    with pytest.raises(ConfigError) as info:
        load_config(DatasetMetadata, path)
    assert str(info.value).startswith(f"{path}: ")
    assert "frequency = '6 hours': expected a duration such as '6h'" in str(info.value)
