"""End to end: recipe file → synthetic source → complete dataset; dask threads and schedulers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
import zarr

sys.path.insert(0, str(Path(__file__).parent))
from _build_helpers import assert_identical, make_recipe
from fc_config.metadata import DatasetMetadata
from fc_datasets.build import create, finalise, init, load
from fc_datasets.store import open_store
from fc_datasets.validate import validate_dataset

SYNTHETIC = {
    "description": "synthetic end-to-end test",
    "licence": "CC-BY-4.0",
    "attribution": "fc synthetic data",
    "dates": {"start": "2020-01-01", "end": "2020-01-02T18", "frequency": "6h"},
    "input": {"synthetic": {"grid": "O8", "param": ["2t", "msl", "t", "z"], "level": [850]}},
    "statistics": {"end": "2020-01-02T06", "tendencies": ["6h"]},
    "build": {"group_by": "daily"},
}


def test_a_synthetic_recipe_file_builds_a_valid_dataset(tmp_path: Path) -> None:
    recipe_file = tmp_path / "recipe.yaml"
    recipe_file.write_text(yaml.safe_dump(SYNTHETIC))
    report = create(recipe_file, tmp_path / "synthetic.zarr", workers=1)
    path = report.path
    assert validate_dataset(path, full=True) == []

    root = open_store(path)
    meta = DatasetMetadata.model_validate(dict(root.attrs))
    assert meta.variables == ["2t", "msl", "t_850", "z_850"]
    assert meta.variables_metadata["t_850"].level == 850
    assert meta.variables_metadata["2t"].units == "K"
    assert (meta.grid.type, meta.grid.name, meta.grid.number_of_points) == ("reduced_gg", "O8", 544)
    assert meta.recipe["build"]["group_by"] == "daily"
    assert str(recipe_file) in meta.provenance.inputs
    assert root["_build"].attrs["base_dir"] == str(tmp_path.resolve())

    from fc_datasets.sources.base import BuildContext
    from fc_datasets.sources.synthetic import SyntheticSource

    source = SyntheticSource(SYNTHETIC["input"]["synthetic"], BuildContext())
    expected = source.load(root["dates"][:]).data.astype(np.float32)
    values = root["data"][:]
    np.testing.assert_array_equal(values, expected)

    period = values[:6].astype(np.float64).transpose(1, 0, 2, 3).reshape(4, -1)
    assert np.allclose(root["mean"][:], period.mean(axis=1), rtol=1e-12, atol=0)
    assert np.allclose(root["stdev"][:], period.std(axis=1), rtol=1e-12, atol=0)
    diffs = np.diff(values[:6].astype(np.float64), axis=0).transpose(1, 0, 2, 3).reshape(4, -1)
    tendency = root["tendencies"]["6h"]
    assert np.allclose(tendency["stdev"][:], diffs.std(axis=1), rtol=1e-11, atol=0)
    assert report.finalise.statistics_end == "2020-01-02T06:00:00"


def test_synthetic_parts_in_any_order_give_the_same_bits(tmp_path: Path) -> None:
    one = create(SYNTHETIC, tmp_path / "one.zarr", workers=1).path
    parts = init(SYNTHETIC, tmp_path / "parts.zarr")
    for part in ("2/3", "3/3", "1/3"):
        load(parts, part=part, workers=1)
    finalise(parts)
    assert_identical(one, parts)


@pytest.mark.slow
def test_dask_threads_give_the_same_bits_as_one_thread(tmp_path: Path) -> None:
    recipe = make_recipe(source={"members": 2}, statistics={"tendencies": ["6h"]})
    one = create(recipe, tmp_path / "one.zarr", workers=1).path
    many = create(recipe, tmp_path / "many.zarr", workers=3).path
    assert_identical(one, many)
    chunked = make_recipe(output={"chunking": {"dates": 2}}, build={"group_by": 1})
    a = create(chunked, tmp_path / "a.zarr", workers=1).path
    b = init(chunked, tmp_path / "b.zarr")
    load(b, part="2/2", workers=2)
    load(b, part="1/2", workers=2)
    finalise(b)
    assert_identical(a, b)


@pytest.mark.slow
def test_a_dask_distributed_scheduler_by_address(tmp_path: Path) -> None:
    from distributed import LocalCluster

    recipe = make_recipe(source={"members": 2})
    one = create(recipe, tmp_path / "one.zarr", workers=1).path
    path = init(recipe, tmp_path / "cluster.zarr")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        report = load(path, scheduler=cluster.scheduler_address)
    assert report.loaded == 8
    finalise(path)
    assert_identical(one, path)
    assert zarr.open_group(str(path), mode="r")["_build/done"][:].all()
