"""The ``regrid`` filter and its nearest-neighbour search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_datasets.fields import FieldBlock
from fc_datasets.filters._nearest import SphereIndex, to_xyz
from fc_datasets.filters._select import FilterError
from fc_datasets.filters.regrid import RegridFilter, interpolation_weights
from fc_datasets.sources.base import FILTERS, BuildContext
from fc_utils.grids import grid_from_name

DATES = np.array(["2020-01-01T00"], dtype="datetime64[s]")


def smooth(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A smooth field on the sphere (a polynomial of the unit vector), of amplitude ~4."""
    x, y, z = to_xyz(lat, lon).T
    return x + 2.0 * y - z + x * y + 0.5 * z * z


def field_block(grid_name: str, *, variables: int = 2) -> FieldBlock:
    grid = grid_from_name(grid_name)
    values = smooth(grid.latitudes, grid.longitudes)
    data = np.stack([values * (k + 1) for k in range(variables)])[None, :, None, :]
    names = [f"v{k}" for k in range(variables)]
    return FieldBlock(
        DATES,
        names,
        data.astype(np.float32),
        grid.latitudes,
        grid.longitudes,
        {n: {"name": n, "units": "1", "level_type": "sfc"} for n in names},
        grid.description(),
    )


def regrid(params: dict[str, Any], tmp_path: Path | None = None) -> RegridFilter:
    context = BuildContext(base_dir=tmp_path or Path.cwd(), path="input.pipe[1].regrid")
    return RegridFilter(validate(RegridFilter.config_model, params), context)


def test_registered() -> None:
    assert FILTERS.get("regrid") is RegridFilter


@pytest.mark.parametrize(("method", "tolerance"), [("linear", 0.02), ("nearest", 0.15)])
def test_smooth_field_is_interpolated_accurately(method: str, tolerance: float) -> None:
    out = regrid({"out_grid": "5p0", "method": method}).apply(field_block("O32"))
    target = grid_from_name("5p0")
    np.testing.assert_array_equal(out.latitudes, target.latitudes)
    assert out.grid == target.description()
    assert out.data.dtype == np.float32
    error = np.abs(out.data[0, 0, 0] - smooth(target.latitudes, target.longitudes))
    assert error.max() < tolerance
    np.testing.assert_allclose(out.data[0, 1], 2.0 * out.data[0, 0], rtol=1e-6)


def test_linear_is_closer_than_nearest() -> None:
    target = grid_from_name("5p0")
    truth = smooth(target.latitudes, target.longitudes)
    errors = {
        m: np.abs(
            regrid({"out_grid": "5p0", "method": m}).apply(field_block("O32")).data[0, 0, 0] - truth
        ).mean()
        for m in ("nearest", "linear")
    }
    assert errors["linear"] < errors["nearest"] / 5


@pytest.mark.parametrize("method", ["nearest", "linear"])
def test_coincident_points_are_copied_exactly(tmp_path: Path, method: str) -> None:
    source = field_block("O8")
    pick = np.array([0, 17, 200, 543, 300])
    np.savez(
        tmp_path / "points.npz",
        latitudes=source.latitudes[pick],
        longitudes=source.longitudes[pick],
    )
    out = regrid({"out_grid": "points.npz", "method": method}, tmp_path).apply(source)
    np.testing.assert_array_equal(out.data, source.data[..., pick])
    assert out.grid is not None and out.grid["type"] == "unstructured"
    assert out.grid["number_of_points"] == 5


def test_nearest_search_matches_brute_force() -> None:
    source = grid_from_name("O16")
    rng = np.random.default_rng(3)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 500)))
    lon = rng.uniform(0, 360, 500)
    idx, dist = SphereIndex(source.latitudes, source.longitudes).query(lat, lon, 3)
    chord = np.linalg.norm(
        to_xyz(lat, lon)[:, None, :] - to_xyz(source.latitudes, source.longitudes)[None], axis=2
    )
    np.testing.assert_allclose(dist, np.sort(chord, axis=1)[:, :3], atol=1e-12)
    np.testing.assert_allclose(chord[np.arange(500)[:, None], idx], dist, atol=1e-12)


def test_limited_area_source_still_finds_neighbours() -> None:
    grid = grid_from_name("O16")
    inside = (grid.latitudes > 30) & (grid.latitudes < 60) & (grid.longitudes < 40)
    _, dist = SphereIndex(grid.latitudes[inside], grid.longitudes[inside]).query(
        np.array([-80.0, 45.0]), np.array([200.0, 20.0]), 1
    )
    chord = np.linalg.norm(
        to_xyz(np.array([-80.0]), np.array([200.0]))
        - to_xyz(grid.latitudes[inside], grid.longitudes[inside]),
        axis=1,
    )
    assert dist[0, 0] == pytest.approx(chord.min())


def test_linear_respects_nans() -> None:
    source = field_block("O8", variables=1)
    source.data[..., :] = 1.0
    source.data[..., 0] = np.nan  # one point near the north pole
    out = regrid({"out_grid": "30p0", "method": "linear"}).apply(source)
    finite = out.data[np.isfinite(out.data)]
    np.testing.assert_allclose(finite, 1.0, rtol=1e-6)
    all_nan = field_block("O8", variables=1)
    all_nan.data[...] = np.nan
    assert np.isnan(regrid({"out_grid": "30p0"}).apply(all_nan).data).all()


def test_weights_are_computed_once_per_pair_of_grids() -> None:
    a, b = grid_from_name("O8"), grid_from_name("30p0")
    first = interpolation_weights(
        (a.latitudes, a.longitudes), (b.latitudes, b.longitudes), "linear"
    )
    again = interpolation_weights(
        (a.latitudes.copy(), a.longitudes.copy()), (b.latitudes, b.longitudes), "linear"
    )
    other = interpolation_weights(
        (a.latitudes, a.longitudes), (b.latitudes, b.longitudes), "nearest"
    )
    assert again is first and other is not first


def test_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(FilterError, match="Unknown grid name 'O9x6'"):
        regrid({"out_grid": "O9x6"})
    with pytest.raises(FilterError, match="the fields have 544 points, but in_grid O16 has 1,600"):
        regrid({"out_grid": "5p0", "in_grid": "O16"}).apply(field_block("O8"))
    np.savez(tmp_path / "bad.npz", x=np.zeros(3))
    with pytest.raises(FilterError, match="not 'latitudes' and 'longitudes'"):
        regrid({"out_grid": "bad.npz"}, tmp_path)
    with pytest.raises(ConfigError, match="expected 'nearest' or 'linear'"):
        regrid({"out_grid": "5p0", "method": "cubic"})
