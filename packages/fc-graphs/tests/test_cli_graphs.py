"""``fc-graphs create``, ``describe``, ``validate`` and ``schema graph-recipe``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from fc_graphs.cli import main

RECIPE = """
nodes:
  data:
    builder: {kind: healpix, nside: 8}
    attributes: {area_weight: {kind: uniform, norm: unit-sum}}
  hidden:
    builder: {kind: icosahedral, resolution: 2}
edges:
  - {source: data, target: hidden, builders: [{kind: cutoff, cutoff_factor: 0.6}],
     attributes: {edge_length: {}}}
  - {source: hidden, target: hidden, builders: [{kind: multi_scale}]}
  - {source: hidden, target: data, builders: [{kind: knn, num_nearest_neighbours: 3}],
     attributes: {edge_length: {}, edge_dirs: {}}}
"""


@pytest.fixture
def recipe(tmp_path: Path) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


def test_create_describe_validate_round_trip(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.fcg"
    assert main(["create", str(recipe), str(out)]) == 0
    assert out.exists()
    capsys.readouterr()

    assert main(["describe", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["nodes"]["data"] == {"nodes": 768, "isolated": 0, "attributes": ["area_weight"]}
    assert summary["nodes"]["hidden"]["nodes"] == 162
    decoder = next(e for e in summary["edges"] if e["target"] == "data")
    assert decoder["edges"] == 3 * 768
    assert decoder["in_degree"] == {"min": 3, "mean": 3.0, "max": 3}
    assert decoder["attributes"] == ["edge_dirs", "edge_length"]
    # nside 8 pixels are ~ 7.3 degrees apart, a level-2 mesh edge ~ 15 degrees: a few 100 km
    lengths = decoder["length_km"]
    assert 0 <= lengths["min"] <= lengths["median"] <= lengths["max"] < 2000

    assert main(["describe", str(out)]) == 0
    text = capsys.readouterr().out
    assert "nodes data: 768 (0 isolated)" in text
    assert "edges hidden -to-> data: 2304" in text

    assert main(["validate", str(out)]) == 0
    assert "OK" in capsys.readouterr().out


def test_create_refuses_an_existing_file_without_overwrite(
    recipe: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graph.fcg"
    out.write_bytes(b"precious")
    assert main(["create", str(recipe), str(out)]) != 0
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"
    assert main(["create", str(recipe), str(out), "--overwrite"]) == 0
    assert main(["validate", str(out)]) == 0


def test_validate_reports_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.fcg"
    bad.write_bytes(b"not a graph")
    assert main(["validate", str(bad)]) != 0
    assert str(bad) in capsys.readouterr().out


def test_create_with_an_invalid_recipe_exits_with_invalid_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "recipe.yaml"
    path.write_text(RECIPE.replace("target: hidden,", "target: hiden,", 1), encoding="utf-8")
    assert main(["create", str(path), str(tmp_path / "g.fcg")]) == 3
    assert "hidden" in capsys.readouterr().err
    assert not (tmp_path / "g.fcg").exists()


def test_schema_graph_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "graph-recipe"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"nodes", "edges", "checks"} <= set(schema["properties"])


# --------------------------------------------------------------------------------------------
# inspect


@pytest.fixture
def graph_file(recipe: Path, tmp_path: Path) -> Path:
    pytest.importorskip("matplotlib.figure")  # a one-off cost of seconds, kept out of the tests
    out = tmp_path / "graph.fcg"
    assert main(["create", str(recipe), str(out)]) == 0
    return out


def test_inspect_writes_the_plots_and_lists_them_as_json(
    graph_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plots"
    capsys.readouterr()
    argv = ["inspect", str(graph_file), "--out", str(out), "--dpi", "30", "--max-edges", "50"]
    assert main([*argv, "--nodes", "hidden", "--edges", "data:hidden", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    names = [Path(f).name for f in listing["files"]]
    assert names == [
        "nodes_hidden.png",
        "edges_data_to_hidden.png",
        "hist_edges_data_to_hidden.png",
    ]
    for name in names:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(listing["index"]).read_text(encoding="utf-8").count("\n") == 3


def test_inspect_refuses_to_overwrite_plots_without_overwrite(
    graph_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plots"
    argv = ["inspect", str(graph_file), "--out", str(out), "--dpi", "30", "--nodes", "hidden"]
    argv += ["--edges"]
    assert main(argv) == 0
    assert f"{out / 'nodes_hidden.png'}" in capsys.readouterr().out
    (out / "nodes_hidden.png").write_bytes(b"kept")
    assert main(argv) != 0
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "nodes_hidden.png").read_bytes() == b"kept"
    assert main([*argv, "--overwrite"]) == 0
    assert (out / "nodes_hidden.png").read_bytes() != b"kept"


def test_inspect_names_a_misspelled_set(
    graph_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["inspect", str(graph_file), "--out", str(tmp_path / "p"), "--nodes", "dta"]
    assert main(argv) != 0
    assert "Did you mean 'data'?" in capsys.readouterr().err


def test_inspect_reports_a_broken_file_as_describe_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")  # without it, the missing extra is reported first
    bad = tmp_path / "bad.fcg"
    bad.write_bytes(b"not a graph")
    described = main(["describe", str(bad)])
    describe_error = capsys.readouterr().err
    assert main(["inspect", str(bad), "--out", str(tmp_path / "plots")]) == described == 5
    assert capsys.readouterr().err == describe_error
    assert not (tmp_path / "plots").exists()


def test_inspect_without_matplotlib_says_what_to_install_before_reading_the_graph(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, module, None)
    never_read = tmp_path / "missing.fcg"
    assert main(["inspect", str(never_read), "--out", str(tmp_path / "plots")]) == 1
    err = capsys.readouterr().err
    assert 'pip install "fc-graphs[plots]"' in err
    assert "Traceback" not in err
