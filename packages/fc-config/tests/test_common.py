"""Shared sub-schemas: provenance, grid, variable metadata, statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fc_config import (
    ConfigError,
    GridDescription,
    Provenance,
    Statistics,
    VariableMetadata,
    validate,
)


def test_provenance_as_fc_utils_writes_it(provenance_doc: dict[str, Any]) -> None:
    provenance = validate(Provenance, provenance_doc)
    assert provenance.created == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert provenance.git is not None and provenance.git.dirty is False
    assert provenance.inputs["/data/era5-2020.grib"].size == 1024
    assert validate(Provenance, provenance.model_dump(mode="json")) == provenance


def test_provenance_without_git_or_command(provenance_doc: dict[str, Any]) -> None:
    provenance_doc.update(git=None, command=None)
    assert validate(Provenance, provenance_doc).git is None


def test_provenance_time_is_utc(provenance_doc: dict[str, Any]) -> None:
    provenance_doc["created"] = "2024-05-01T14:00:00+02:00"
    assert validate(Provenance, provenance_doc).created == datetime(2024, 5, 1, 12, tzinfo=UTC)
    provenance_doc["created"] = "2024-05-01T12:00:00"  # no zone: read as UTC
    assert validate(Provenance, provenance_doc).created.tzinfo is UTC


def test_provenance_rejects_bad_digest(provenance_doc: dict[str, Any]) -> None:
    provenance_doc["inputs"]["/data/era5-2020.grib"]["sha256"] = "abc"
    with pytest.raises(ConfigError, match=r"inputs\['/data/era5-2020.grib'\]\.sha256 = 'abc'"):
        validate(Provenance, provenance_doc)


def test_octahedral_grid_point_count_is_checked() -> None:
    assert validate(
        GridDescription, {"type": "reduced_gg", "name": "O96", "number_of_points": 40320}
    )
    with pytest.raises(ConfigError, match="O96 has 40320 points"):
        validate(GridDescription, {"type": "reduced_gg", "name": "O96", "number_of_points": 40000})


def test_grid_name_must_fit_the_type() -> None:
    with pytest.raises(ConfigError, match="looks like 'O96' or 'N320'"):
        validate(GridDescription, {"type": "reduced_gg", "name": "1p0", "number_of_points": 10})


def test_grid_type_typo_is_suggested() -> None:
    with pytest.raises(ConfigError, match="did you mean 'regular_ll'"):
        validate(GridDescription, {"type": "regular_lat_lon", "number_of_points": 10})


def test_row_lengths_must_add_up() -> None:
    grid = {"type": "reduced_gg", "name": "N1", "number_of_points": 40, "pl": [20, 20]}
    assert validate(GridDescription, grid).pl == [20, 20]
    with pytest.raises(ConfigError, match="add up to 40 points but number_of_points is 41"):
        validate(GridDescription, {**grid, "number_of_points": 41})


def test_area_is_north_west_south_east() -> None:
    grid = {"type": "regular_ll", "name": "1p0", "number_of_points": 10, "area": [10, 0, 20, 10]}
    with pytest.raises(ConfigError, match=r"-90 <= south <= north <= 90"):
        validate(GridDescription, grid)


def test_levelled_variable_needs_a_level() -> None:
    with pytest.raises(ConfigError, match="'t' is on pl levels but has no level"):
        validate(VariableMetadata, {"name": "t", "units": "K", "level_type": "pl"})


def test_instantaneous_variable_has_no_period() -> None:
    data = {"name": "2t", "units": "K", "level_type": "sfc", "period": "6h"}
    with pytest.raises(ConfigError, match="instantaneous and cannot have a period"):
        validate(VariableMetadata, data)


def test_statistics_lists_must_align() -> None:
    data = {"mean": [1.0, 2.0], "stdev": [1.0], "minimum": [0.0, 0.0], "maximum": [3.0, 3.0]}
    with pytest.raises(ConfigError, match="got 2, 1, 2 and 2 values"):
        validate(Statistics, data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stdev": [-1.0]}, r"stdev\[0\] is negative"),
        ({"minimum": [5.0]}, r"minimum\[0\] \(5.0\) is greater than maximum\[0\]"),
        ({"mean": [9.0]}, r"mean\[0\] \(9.0\) is outside"),
        ({"mean": [float("nan")]}, "finite number"),
    ],
)
def test_statistics_values_are_consistent(change: dict[str, Any], message: str) -> None:
    data = {"mean": [1.0], "stdev": [1.0], "minimum": [0.0], "maximum": [3.0], **change}
    with pytest.raises(ConfigError, match=message):
        validate(Statistics, data)


def test_bad_mapping_key_is_named(provenance_doc: dict[str, Any]) -> None:
    provenance_doc["packages"] = {1: "2.0"}  # YAML reads `1: 2.0` with an integer key
    with pytest.raises(ConfigError, match=r"packages\[1\] \(key\) = 1: expected a valid string"):
        validate(Provenance, provenance_doc)
