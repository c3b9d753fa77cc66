"""Tests of fc_utils.dates: frequencies, loose dates, date ranges and parts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fc_utils.dates import (
    DateRange,
    frequency_to_string,
    parse_date,
    parse_frequency,
    parse_part,
    to_datetime64,
)
from fc_utils.exceptions import DateError

H = dt.timedelta(hours=1)


# -- frequencies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6h", 6 * H),
        ("6H", 6 * H),
        ("PT6H", 6 * H),
        ("pt6h", 6 * H),
        ("P1D", 24 * H),
        ("P1DT6H", 30 * H),
        ("PT30M", dt.timedelta(minutes=30)),
        ("1d", 24 * H),
        ("30m", dt.timedelta(minutes=30)),
        ("90s", dt.timedelta(seconds=90)),
        ("1w", dt.timedelta(days=7)),
        (" 6h ", 6 * H),
        (6, 6 * H),
        ("6", 6 * H),
        (dt.timedelta(minutes=15), dt.timedelta(minutes=15)),
        (np.timedelta64(6, "h"), 6 * H),
        (np.timedelta64(21600, "s"), 6 * H),
    ],
)
def test_parse_frequency_accepts_anemoi_and_iso_spellings(
    value: object, expected: dt.timedelta
) -> None:
    assert parse_frequency(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    ["0h", "-6h", 0, -6, "PT0H", dt.timedelta(0), "six hours", "6y", "", "P", "PT", True, 6.5],
)
def test_parse_frequency_rejects_zero_negative_and_garbage(value: object) -> None:
    with pytest.raises(DateError, match="frequency") as info:
        parse_frequency(value)  # type: ignore[arg-type]
    assert "PT6H" in str(info.value)  # the message lists the accepted forms


def test_parse_frequency_rejects_fractions_of_a_second() -> None:
    with pytest.raises(DateError, match="whole number of seconds"):
        parse_frequency(dt.timedelta(milliseconds=1500))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("6h", "6h"),
        ("PT24H", "1d"),
        ("P7D", "7d"),
        ("PT30M", "30m"),
        ("90s", "90s"),
        ("PT90M", "90m"),
    ],
)
def test_frequency_to_string_is_canonical_and_round_trips(value: str, text: str) -> None:
    assert frequency_to_string(value) == text
    assert parse_frequency(text) == parse_frequency(value)


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2020", "2020-01-01T00:00:00", "2020-12-31T23:59:59"),
        (2020, "2020-01-01T00:00:00", "2020-12-31T23:59:59"),
        ("2020-02", "2020-02-01T00:00:00", "2020-02-29T23:59:59"),
        ("2020-12", "2020-12-01T00:00:00", "2020-12-31T23:59:59"),
        ("2020-03-01", "2020-03-01T00:00:00", "2020-03-01T23:59:59"),
        ("20200301", "2020-03-01T00:00:00", "2020-03-01T23:59:59"),
        (20200301, "2020-03-01T00:00:00", "2020-03-01T23:59:59"),
        ("2020-03-01T06", "2020-03-01T06:00:00", "2020-03-01T06:59:59"),
        ("2020-03-01T06:00", "2020-03-01T06:00:00", "2020-03-01T06:00:59"),
        ("2020-03-01 06:00:00", "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
        ("2020-03-01T06:00:00Z", "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
        ("2020-03-01T06:00:00+00:00", "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
        ("2020-03-01T06:00:00+02:00", "2020-03-01T04:00:00", "2020-03-01T04:00:00"),
        ("2020-03-01T00:30-01:00", "2020-03-01T01:30:00", "2020-03-01T01:30:59"),
        ("2020-03-01T06:00:00.000", "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
        (dt.date(2020, 3, 1), "2020-03-01T00:00:00", "2020-03-01T23:59:59"),
        (dt.datetime(2020, 3, 1, 6), "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
        (np.datetime64("2020-03"), "2020-03-01T00:00:00", "2020-03-31T23:59:59"),
        (np.datetime64("2020-03-01T06:00:00", "ns"), "2020-03-01T06:00:00", "2020-03-01T06:00:00"),
    ],
)
def test_parse_date_loose_forms_and_their_end_bound(value: object, start: str, end: str) -> None:
    assert parse_date(value) == dt.datetime.fromisoformat(start)  # type: ignore[arg-type]
    assert parse_date(value, end=True) == dt.datetime.fromisoformat(end)  # type: ignore[arg-type]


def test_parse_date_converts_aware_datetimes_to_naive_utc() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    result = parse_date(dt.datetime(2020, 1, 1, 19, tzinfo=eastern))
    assert result == dt.datetime(2020, 1, 2, 0)
    assert result.tzinfo is None


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2020-13",
        "2020-02-30",
        "2020-03-01T25",
        "202003",
        "2020-03T06",
        "",
        123,
        None,
        1.5,
    ],
)
def test_parse_date_rejects_garbage(value: object) -> None:
    with pytest.raises(DateError, match="date"):
        parse_date(value)  # type: ignore[arg-type]


def test_parse_date_rejects_fractions_of_a_second() -> None:
    with pytest.raises(DateError, match="fraction of a second"):
        parse_date("2020-01-01T00:00:00.5")


def test_to_datetime64_converts_mixed_values_and_arrays() -> None:
    result = to_datetime64(["2020", dt.datetime(2020, 1, 1, 6), np.datetime64("2020-01-01T12")])
    assert result.dtype == np.dtype("M8[s]")
    assert result.tolist() == [
        dt.datetime(2020, 1, 1, 0),
        dt.datetime(2020, 1, 1, 6),
        dt.datetime(2020, 1, 1, 12),
    ]
    nanoseconds = np.array(["2020-01-01T06", "2020-01-02T06"], dtype="M8[ns]").reshape(2, 1)
    converted = to_datetime64(nanoseconds)
    assert converted.dtype == np.dtype("M8[s]")
    assert converted.shape == (2, 1)
    assert to_datetime64("2020-03-01T00:00:00Z").tolist() == [dt.datetime(2020, 3, 1)]


def test_to_datetime64_rejects_nat() -> None:
    with pytest.raises(DateError, match="NaT"):
        to_datetime64(np.array(["2020-01-01", "NaT"], dtype="M8[s]"))


# -- ranges -----------------------------------------------------------------------------------


def test_loose_year_range_ends_on_last_grid_date_of_the_year() -> None:
    dates = DateRange("2020", "2020", "6h")
    assert dates.start == dt.datetime(2020, 1, 1)
    assert dates.end == dt.datetime(2020, 12, 31, 18)
    assert len(dates) == 366 * 4
    assert dates.dates.dtype == np.dtype("M8[s]")
    assert dates.dates[-1] == np.datetime64("2020-12-31T18:00:00")


def test_loose_end_day_and_month_snap_to_the_grid() -> None:
    assert DateRange("2020-01-01T06", "2020-01-02", "12h").end == dt.datetime(2020, 1, 2, 18)
    assert DateRange(2020, "2020-02", "1d").end == dt.datetime(2020, 2, 29)


def test_end_off_the_frequency_grid_names_the_nearest_valid_dates() -> None:
    with pytest.raises(DateError, match="off the 6h frequency grid") as info:
        DateRange("2020-01-01", "2020-01-02T07:00", "6h")
    message = str(info.value)
    assert "2020-01-02T07:00:00" in message
    assert "2020-01-02T06:00:00" in message
    assert "2020-01-02T12:00:00" in message


def test_end_before_start_is_refused() -> None:
    with pytest.raises(DateError, match="before start"):
        DateRange("2020-02-01", "2020-01-01T00:00", "6h")


def test_loose_end_without_any_grid_date_is_refused() -> None:
    with pytest.raises(DateError, match="contains no date"):
        DateRange("2020-01-01", "2020-01-02", "7d")


def test_missing_dates_must_be_inside_and_on_the_grid() -> None:
    with pytest.raises(DateError, match="outside the range"):
        DateRange("2020-01-01", "2020-01-02T00:00", "6h", missing=["2020-01-03T00:00"])
    with pytest.raises(DateError, match="off the 6h frequency grid"):
        DateRange("2020-01-01", "2020-01-02T00:00", "6h", missing=["2020-01-01T03:00"])


def test_dates_valid_dates_and_missing() -> None:
    dates = DateRange(
        "2020-01-01", "2020-01-02T00:00", "6h", missing=["2020-01-01T12", "2020-01-01T06"]
    )
    assert len(dates) == 5
    assert dates.missing.tolist() == [dt.datetime(2020, 1, 1, 6), dt.datetime(2020, 1, 1, 12)]
    assert dates.valid_dates.tolist() == [
        dt.datetime(2020, 1, 1, 0),
        dt.datetime(2020, 1, 1, 18),
        dt.datetime(2020, 1, 2, 0),
    ]
    assert list(dates) == dates.dates.tolist()
    assert dates.is_missing("2020-01-01T06")
    assert not dates.is_missing("2020-01-01T18")
    with pytest.raises(DateError):
        dates.is_missing("2020-01-05")


def test_contains_and_index() -> None:
    dates = DateRange("2020-01-01", "2020-01-02T00:00", "6h")
    assert "2020-01-01T18" in dates
    assert np.datetime64("2020-01-02T00:00") in dates
    assert "2020-01-01T03" not in dates
    assert "2020-01-03" not in dates
    assert "garbage" not in dates
    assert dates.index("2020-01-01T18:00") == 3
    with pytest.raises(DateError, match="nearest valid dates"):
        dates.index("2020-01-01T03")
    with pytest.raises(DateError, match="outside"):
        dates.index("2019-12-31T18")


def test_range_is_immutable_and_hashable() -> None:
    dates = DateRange("2020", "2020", "1d")
    with pytest.raises(AttributeError):
        dates.start = dt.datetime(2021, 1, 1)  # type: ignore[misc]
    assert dates == DateRange("2020-01-01", "2020-12-31", "24h")
    assert len({dates, DateRange("2020-01-01", "2020-12-31", "P1D")}) == 1


@pytest.mark.parametrize("parts", [1, 2, 3, 4, 7, 10])
def test_split_gives_contiguous_nearly_equal_parts(parts: int) -> None:
    dates = DateRange("2020-01-01", "2020-01-03T12", "6h", missing=["2020-01-02T06"])
    pieces = dates.split(parts)
    assert len(pieces) == parts
    assert np.concatenate([p.dates for p in pieces]).tolist() == dates.dates.tolist()
    assert np.concatenate([p.missing for p in pieces]).tolist() == dates.missing.tolist()
    sizes = [len(p) for p in pieces]
    assert max(sizes) - min(sizes) <= 1
    assert sizes == sorted(sizes, reverse=True)


def test_split_into_more_parts_than_dates_is_refused() -> None:
    with pytest.raises(DateError, match="cannot split 3 dates"):
        DateRange("2020-01-01", "2020-01-01T12", "6h").split(4)


def test_to_dict_from_dict_round_trip() -> None:
    dates = DateRange("2020", "2020-02", "6h", missing=["2020-01-15T12"])
    data = dates.to_dict()
    assert data == {
        "start": "2020-01-01T00:00:00",
        "end": "2020-02-29T18:00:00",
        "frequency": "6h",
        "missing": ["2020-01-15T12:00:00"],
    }
    assert DateRange.from_dict(data) == dates


def test_from_dict_names_unknown_keys() -> None:
    with pytest.raises(DateError, match="unknown keys"):
        DateRange.from_dict({"start": "2020", "end": "2020", "frequency": "6h", "step": "6h"})


# -- parts ------------------------------------------------------------------------------------


def test_parse_part() -> None:
    assert parse_part("2/4") == (1, 4)
    assert parse_part(" 1 / 1 ") == (0, 1)


@pytest.mark.parametrize("value", ["0/4", "5/4", "1/0", "2", "a/b", "2/4/6", "-1/4"])
def test_parse_part_rejects_invalid(value: str) -> None:
    with pytest.raises(DateError, match="part"):
        parse_part(value)


def test_parse_part_selects_a_split() -> None:
    index, total = parse_part("2/2")
    dates = DateRange("2020-01-01", "2020-01-01T18", "6h")
    assert dates.split(total)[index].dates.tolist() == dates.dates[2:].tolist()
