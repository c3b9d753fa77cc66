"""The ``forcings`` and ``constants`` sources: values, grids, templates, refusals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fc_config.errors import validate
from fc_config.exceptions import ConfigError
from fc_datasets.exceptions import SourceError
from fc_datasets.fields import FieldBlock
from fc_datasets.sources.base import SOURCES, BuildContext
from fc_datasets.sources.computed import ConstantsSource, ForcingsSource, template_key
from fc_utils.forcings import compute_forcings
from fc_utils.grids import grid_from_name

DATES = np.array(["2020-03-20T06", "2020-06-21T12", "2020-12-21T18"], dtype="datetime64[s]")


def make(cls: Any, references: dict[str, Any] | None = None, **params: Any) -> Any:
    context = BuildContext(path=f"input.join[1].{cls.kind}", references=references or {})
    return cls(validate(cls.config_model, params), context)


def test_registered_under_anemoi_names() -> None:
    assert SOURCES.get("forcings") is ForcingsSource
    assert SOURCES.get("constants") is ConstantsSource


def test_forcings_equal_fc_utils_on_a_named_grid() -> None:
    names = ["cos_latitude", "sin_julian_day", "cos_local_time", "insolation"]
    block = make(ForcingsSource, grid="O8", param=names).load(DATES)
    grid = grid_from_name("O8")
    expected = compute_forcings(names, DATES, grid.latitudes, grid.longitudes)
    np.testing.assert_array_equal(block.data[:, :, 0], expected)
    assert block.variables == names
    assert block.grid == grid.description()
    assert block.metadata["insolation"]["level_type"] == "computed"


class _Template:
    """A node that knows its coordinates, like an input-tree node."""

    def __init__(self) -> None:
        self.asked: list[np.ndarray] = []

    def coordinates(self, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        self.asked.append(dates)
        return np.array([0.0, 45.0, -60.0]), np.array([0.0, 90.0, 300.0]), None


def test_template_reference_gives_the_grid_once() -> None:
    template = _Template()
    source = make(
        ForcingsSource,
        {"input.join.0.grib": template},
        template="${input.join.0.grib}",
        param=["sin_latitude", "toa_incident_solar_radiation"],
    )
    first = source.load(DATES[:1])
    source.load(DATES[1:])
    np.testing.assert_array_equal(first.latitudes, [0.0, 45.0, -60.0])
    expected = compute_forcings(
        ["sin_latitude", "toa_incident_solar_radiation"],
        DATES[:1],
        [0.0, 45.0, -60.0],
        [0.0, 90.0, 300.0],
    )
    np.testing.assert_array_equal(first.data[:, :, 0], expected)
    assert len(template.asked) == 1 and template.asked[0].size == 1


def test_template_may_be_a_field_block() -> None:
    block = FieldBlock(
        dates=DATES[:1],
        variables=["x"],
        data=np.zeros((1, 1, 1, 2)),
        latitudes=np.array([10.0, 20.0]),
        longitudes=np.array([5.0, 6.0]),
    )
    source = make(
        ForcingsSource,
        {"input.join.0.grib": block},
        template="${input.join.0.grib}",
        param="cos_latitude",
    )
    np.testing.assert_allclose(
        source.load(DATES[:1]).data[0, 0, 0], np.cos(np.radians([10.0, 20.0])), rtol=1e-6
    )


def test_unknown_template_is_explained_with_the_known_ones() -> None:
    source = make(
        ForcingsSource,
        {"input.join.0.grib": _Template()},
        template="${input.join.0.grb}",
        param="cos_latitude",
    )
    with pytest.raises(SourceError, match=r"names no node.*Did you mean 'input\.join\.0\.grib'\?"):
        source.load(DATES)


def test_template_or_grid_is_required() -> None:
    with pytest.raises(ConfigError, match="either 'template'"):
        make(ForcingsSource, param="cos_latitude")


def test_unknown_forcing_gets_a_suggestion() -> None:
    with pytest.raises(SourceError, match=r"'cos_lattitude'.*Did you mean 'cos_latitude'\?"):
        make(ForcingsSource, grid="O8", param=["cos_lattitude"])


def test_constants_are_time_invariant_fields() -> None:
    block = make(ConstantsSource, grid="O8", param=["cos_latitude", "sin_longitude"]).load(DATES)
    np.testing.assert_array_equal(block.data[0], block.data[2])
    assert block.metadata["cos_latitude"]["process"] == "constant"
    assert block.metadata["cos_latitude"]["level_type"] == "constant"


def test_constants_refuse_time_dependent_names() -> None:
    with pytest.raises(SourceError, match=r"'insolation' change\(s\) with the date.*'forcings'"):
        make(ConstantsSource, grid="O8", param=["cos_latitude", "insolation"])


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("${input.join.0.grib}", "input.join.0.grib"),
        ("${ input.join.0.grib }", "input.join.0.grib"),
        ("$input.join.0.grib", "input.join.0.grib"),
        ("input.join[0].grib", "input.join.0.grib"),
    ],
)
def test_template_spellings(text: str, key: str) -> None:
    assert template_key(text) == key
