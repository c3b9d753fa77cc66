"""Bad input to the ``grib`` source: each error names the file, the variable and the date."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_config.exceptions import ConfigError
from fc_datasets.exceptions import SourceError
from fc_datasets.sources import BuildContext
from fc_datasets.sources.grib import GribSource


def _load_helpers() -> Any:
    if "_grib_helpers" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "_grib_helpers", Path(__file__).with_name("_grib_helpers.py")
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["_grib_helpers"] = module
        spec.loader.exec_module(module)
    return sys.modules["_grib_helpers"]


H = _load_helpers()

DATES = [dt.datetime(2020, 1, 1, 0) + dt.timedelta(hours=6 * i) for i in range(4)]


def _dates(values: list[dt.datetime]) -> np.ndarray:
    return np.array(values, dtype="datetime64[s]")


def _load(tmp_path: Path, dates: list[dt.datetime] = DATES[:2], **config: Any) -> Any:
    source = GribSource(config, BuildContext(base_dir=tmp_path, path="input.join[0].grib"))
    return source.load(_dates(dates))


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.grib"
    H.write_grib(path, H.fields_for(["2t", "msl"], DATES[:2]))
    H.write_grib(path, H.fields_for(["t"], DATES[:2], levels=[500, 850]), levtype="pl", append=True)
    return path


def test_no_file_matches_the_glob(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"no file matches 'era5/\*.grib'") as info:
        _load(tmp_path, path="era5/*.grib")
    assert str(tmp_path / "era5") in str(info.value)
    assert info.value.exit_code == 5


def test_a_named_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"'data\.grib' does not exist"):
        _load(tmp_path, path="data.grib")


def test_a_date_pattern_without_a_file_names_the_date(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "2020010100.grib", H.fields_for(["2t"], DATES[:1]))
    with pytest.raises(SourceError, match=r"2020-01-01T06:00:00.*2020010106.grib"):
        _load(tmp_path, path="{date:strftime(%Y%m%d%H)}.grib")


def test_truncated_file_names_the_file_and_offset(good: Path) -> None:
    data = good.read_bytes()
    good.write_bytes(data[: len(data) - 100])
    with pytest.raises(
        SourceError, match=r"good.grib.*message #8 at byte offset \d+ is corrupt.*truncated"
    ):
        _load(good.parent, path="good.grib")


def test_garbage_inside_a_message_is_reported(good: Path) -> None:
    data = bytearray(good.read_bytes())
    middle = data.index(b"GRIB", 10) // 2  # inside the first message
    data[middle:middle] = b"\x13garbage\x37" * 10
    good.write_bytes(bytes(data))
    with pytest.raises(SourceError, match=r"good.grib.*byte offset \d+ is corrupt"):
        _load(good.parent, path="good.grib")


def test_garbage_between_messages_is_reported(good: Path) -> None:
    data = good.read_bytes()
    cut = data.index(b"GRIB", 10)
    good.write_bytes(data[:cut] + b"junk\n" + data[cut:])
    with pytest.raises(SourceError, match=rf"good.grib: 5 bytes at offset {cut} are not part"):
        _load(good.parent, path="good.grib")


def test_a_file_that_is_not_grib(tmp_path: Path) -> None:
    (tmp_path / "x.grib").write_bytes(b"\x89HDF\r\n" + bytes(100))
    with pytest.raises(SourceError, match=r"x\.grib"):
        _load(tmp_path, path="x.grib")


def _sections(data: bytes | bytearray, start: int = 0) -> dict[int, int]:
    """Offsets of the sections of the GRIB2 message at ``start``."""
    pos, found = start + 16, {}
    while data[pos : pos + 4] != b"7777":
        found[data[pos + 4]] = pos
        pos += int.from_bytes(data[pos : pos + 4], "big")
    return found


@pytest.mark.parametrize("decoder", ["auto", "eccodes"])
def test_corrupt_data_section_names_variable_and_date(good: Path, decoder: str) -> None:
    data = bytearray(good.read_bytes())
    # claim 24 bits per value: the data section then holds too few values
    data[_sections(data)[5] + 19] = 24
    good.write_bytes(bytes(data))
    with pytest.raises(
        SourceError,
        match=r"cannot decode 2t on 2020-01-01T00:00:00 from .*good.grib \(message at byte offset 0\)",
    ):
        _load(good.parent, path="good.grib", param="2t", decoder=decoder)


def test_misspelled_param_gets_a_suggestion(good: Path) -> None:
    with pytest.raises(SourceError, match=r"param '2tt' is not in the files.*Did you mean '2t'\?"):
        _load(good.parent, path="good.grib", param=["2tt", "msl"])


def test_param_with_another_levtype(good: Path) -> None:
    with pytest.raises(SourceError, match=r"param '2t' is in the files, but not with levtype pl"):
        _load(good.parent, path="good.grib", param=["2t"], levtype="pl")


def test_missing_level(good: Path) -> None:
    with pytest.raises(SourceError, match=r"'t' \(pl\) has no level 925.*500, 850"):
        _load(good.parent, path="good.grib", param="t", levtype="pl", level=[500, 925])


def test_missing_member(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "e.grib", H.fields_for(["2t"], DATES[:1], numbers=[1, 2]))
    with pytest.raises(SourceError, match=r"member\(s\) 7 are not in the files.*1, 2"):
        _load(tmp_path, DATES[:1], path="e.grib", number=[1, 7])


def test_variable_missing_on_some_dates_names_the_first_ones(tmp_path: Path) -> None:
    fields = [
        f
        for f in H.fields_for(["2t", "msl"], DATES)
        if not (f.param == "msl" and f.date > DATES[0])
    ]
    H.write_grib(tmp_path / "a.grib", fields)
    with pytest.raises(
        SourceError,
        match=r"msl is missing on 2020-01-01T06:00:00, 2020-01-01T12:00:00, 2020-01-01T18:00:00 \(3 of 4 dates\) in .*a.grib",
    ):
        _load(tmp_path, DATES, path="a.grib")


def test_member_missing_on_a_date(tmp_path: Path) -> None:
    fields = [
        f
        for f in H.fields_for(["2t"], DATES[:2], numbers=[1, 2])
        if (f.date, f.number) != (DATES[1], 2)
    ]
    H.write_grib(tmp_path / "e.grib", fields)
    with pytest.raises(SourceError, match=r"2t \(member 2\) is missing on 2020-01-01T06:00:00"):
        _load(tmp_path, path="e.grib")


def test_date_not_in_the_files(good: Path) -> None:
    with pytest.raises(
        SourceError,
        match=r"no selected field is valid on 2020-01-01T18:00:00 \(1 of 3 dates\).*valid from 2020-01-01T00:00:00 to 2020-01-01T06:00:00",
    ):
        _load(good.parent, [*DATES[:2], DATES[3]], path="good.grib", param="2t")


def test_duplicated_field_names_both_files(good: Path) -> None:
    (good.parent / "copy.grib").write_bytes(good.read_bytes())
    with pytest.raises(
        SourceError,
        match=r"2t on 2020-01-01T00:00:00 is in the files 2 times.*copy.grib.*good.grib",
    ) as info:
        _load(good.parent, path="*.grib", param="2t")
    assert "Remove the duplicate files" in str(info.value)


def test_fields_on_different_grids(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "a.grib", H.fields_for(["2t"], DATES[:1]))
    H.write_grib(tmp_path / "b.grib", H.fields_for(["msl"], DATES[:1]), resolution=5.0)
    with pytest.raises(
        SourceError,
        match=r"different grids: .*a.grib.*10p0 with 684 points.*b.grib.*5p0 with 2664 points",
    ):
        _load(tmp_path, DATES[:1], path="*.grib")


def test_two_level_types_with_the_same_names(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "pl.grib", H.fields_for(["t"], DATES[:1], levels=[100]), levtype="pl")
    H.write_grib(tmp_path / "ml.grib", H.fields_for(["t"], DATES[:1], levels=[100]), levtype="ml")
    with pytest.raises(SourceError, match=r"both be named 't_100'.*levtype"):
        _load(tmp_path, DATES[:1], path="*.grib")


def test_multi_field_messages_are_refused(tmp_path: Path) -> None:
    H.write_grib(tmp_path / "a.grib", H.fields_for(["2t"], DATES[:1]))
    data = bytearray((tmp_path / "a.grib").read_bytes())
    # repeat sections 4 to 7 inside the message, as a multi-field message does
    pos, sections = 16, {}
    while data[pos : pos + 4] != b"7777":
        size = int.from_bytes(data[pos : pos + 4], "big")
        sections[data[pos + 4]] = (pos, size)
        pos += size
    repeat = data[sections[4][0] : pos]
    data[pos:pos] = repeat
    data[8:16] = len(data).to_bytes(8, "big")
    (tmp_path / "a.grib").write_bytes(bytes(data))
    with pytest.raises(SourceError, match="multi-field message"):
        _load(tmp_path, DATES[:1], path="a.grib")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"path": "x", "grid": "O96"}, "'grid' is not supported.*regrid"),
        ({"path": "x", "area": [60, -10, 30, 20]}, "'area' is not supported"),
        ({"path": "x", "levtyp": "pl"}, "did you mean 'levtype'"),
        ({"path": "x", "level": 500, "levelist": 850}, "not both"),
        ({"path": "x", "param": ["2t", "2t"]}, "listed twice"),
        ({"path": "x", "variable_naming": "{param}_{lev}"}, "unknown placeholder"),
        ({"path": "{year}/x.grib"}, r"\{year\} is not a supported placeholder"),
    ],
)
def test_bad_parameters_are_refused_when_the_source_is_made(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    with pytest.raises((ConfigError, SourceError), match=message):
        GribSource(config, BuildContext(base_dir=tmp_path))
