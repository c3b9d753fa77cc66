"""The fc-datasets commands end to end on small synthetic recipes: what a user types."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fc_datasets.cli import main

RECIPE = """\
description: cli test
licence: CC-BY-4.0
attribution: fc tests
dates:
  start: 2020-01-01T00:00:00
  end: 2020-01-02T18:00:00
  frequency: 6h
input:
  join:
    - synthetic:
        grid: O16
        param: [2t, msl]
    - forcings:
        template: ${input.join.0.synthetic}
        param: [cos_latitude, insolation]
"""


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE)
    return path


def test_create_inspect_validate(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ds.zarr"
    assert main(["create", str(recipe), str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["complete"] is True
    assert info["variables"] == ["2t", "msl", "cos_latitude", "insolation"]
    assert info["shape"] == [8, 4, 1, 1600]
    assert 270 < info["statistics"]["2t"]["mean"] < 300
    assert main(["validate", str(out), "--full"]) == 0
    assert "valid fc dataset" in capsys.readouterr().out


def test_parts_then_finalise_equals_one_go(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, parts = tmp_path / "one.zarr", tmp_path / "parts.zarr"
    assert main(["create", str(recipe), str(one), "-q"]) == 0
    assert main(["init", str(recipe), str(parts), "-q"]) == 0
    assert main(["load", str(parts), "--part", "2/2", "-q"]) == 0
    # finalising before every part is loaded is an error naming what to run
    assert main(["finalise", str(parts), "-q"]) != 0
    assert "--part 1/2" in capsys.readouterr().err
    assert main(["inspect", str(parts), "--parts", "2"]) == 0
    assert "INCOMPLETE" in capsys.readouterr().out
    assert main(["load", str(parts), "--part", "1/2", "-q"]) == 0
    assert main(["finalise", str(parts), "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(one), str(parts)]) == 0
    assert "identical" in capsys.readouterr().out


def test_compare_reports_differences(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.zarr", tmp_path / "b.zarr"
    assert main(["create", str(recipe), str(a), "-q"]) == 0
    recipe.write_text(RECIPE.replace("param: [2t, msl]", "param: [2t, msl]\n        seed: 7"))
    assert main(["create", str(recipe), str(b), "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["variables"]["2t"]["status"] == "different"
    assert report["variables"]["cos_latitude"]["status"] == "identical"


def test_typo_in_recipe_is_a_clear_error(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe.write_text(RECIPE.replace("synthetic:", "synthetc:"))
    out = tmp_path / "ds.zarr"
    assert main(["create", str(recipe), str(out)]) == 3
    err = capsys.readouterr().err
    assert "synthetc" in err and "did you mean 'synthetic'" in err.lower()
    assert "Traceback" not in err
    assert not out.exists()


def test_reading_an_incomplete_dataset_is_an_error(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ds.zarr"
    assert main(["init", str(recipe), str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["validate", str(out)]) != 0
    assert "incomplete" in capsys.readouterr().err.lower()


def test_schema_of_the_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "dataset-recipe"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"dates", "input"} <= set(schema["properties"])


def test_synthetic_grib_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "grib"
    argv = [
        "synthetic",
        str(folder),
        "--grid",
        "10p0",
        "--end",
        "2020-01-01T06",
        "--param",
        "2t",
        "t",
        "--level",
        "850",
    ]
    assert main([*argv, "-q"]) == 0
    files = sorted(folder.glob("*.grib"))
    assert len(files) == 2
    recipe = tmp_path / "grib.yaml"
    recipe.write_text(
        "licence: CC-BY-4.0\nattribution: t\n"
        "dates: {start: 2020-01-01T00:00:00, end: 2020-01-01T06:00:00, frequency: 6h}\n"
        "input:\n  join:\n"
        f"    - grib: {{path: '{folder}/*.grib', param: [2t], levtype: sfc}}\n"
        f"    - grib: {{path: '{folder}/*.grib', param: [t], levtype: pl, level: [850]}}\n"
    )
    out = tmp_path / "ds.zarr"
    assert main(["create", str(recipe), str(out), "-q"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["variables"] == ["2t", "t_850"]
    assert info["shape"] == [2, 2, 1, 19 * 36]
