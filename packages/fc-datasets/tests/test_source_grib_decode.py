"""fc's own decoder of simple-packed GRIB gives exactly what eccodes gives."""

from __future__ import annotations

import numpy as np
import pytest

from fc_datasets.sources._grib_decode import DecodeError, decode_values, simple_packing_supported

eccodes = pytest.importorskip("eccodes")

NI, NJ = 36, 19


def _message(
    edition: int,
    nbits: int,
    values: np.ndarray,
    *,
    decimal: int = 0,
    missing: np.ndarray | None = None,
    packing: str | None = None,
) -> bytes:
    handle = eccodes.codes_grib_new_from_samples(f"regular_ll_sfc_grib{edition}")
    try:
        for key, value in {
            "Ni": NI,
            "Nj": NJ,
            "iDirectionIncrementInDegrees": 10.0,
            "jDirectionIncrementInDegrees": 10.0,
            "latitudeOfFirstGridPointInDegrees": 90.0,
            "latitudeOfLastGridPointInDegrees": -90.0,
            "longitudeOfFirstGridPointInDegrees": 0.0,
            "longitudeOfLastGridPointInDegrees": 350.0,
            "bitsPerValue": nbits,
            "decimalScaleFactor": decimal,
        }.items():
            eccodes.codes_set(handle, key, value)
        if packing is not None:
            eccodes.codes_set(handle, "packingType", packing)
        values = values.astype(np.float64).copy()
        if missing is not None:
            eccodes.codes_set(handle, "bitmapPresent", 1)
            values[missing] = eccodes.codes_get(handle, "missingValue")
        eccodes.codes_set_values(handle, values)
        return bytes(eccodes.codes_get_message(handle))
    finally:
        eccodes.codes_release(handle)


def _eccodes_values(message: bytes) -> np.ndarray:
    handle = eccodes.codes_new_from_message(message)
    try:
        values = eccodes.codes_get_values(handle).copy()
        if eccodes.codes_get(handle, "bitmapPresent"):
            values[eccodes.codes_get_array(handle, "bitmap", int) == 0] = np.nan
        return values
    finally:
        eccodes.codes_release(handle)


def _field(seed: int, scale: float, offset: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return offset + scale * rng.standard_normal(NI * NJ)


@pytest.mark.parametrize("edition", [1, 2])
@pytest.mark.parametrize("nbits", [1, 7, 8, 12, 16, 18, 24, 25, 32])
@pytest.mark.parametrize(
    ("scale", "offset", "decimal"), [(50.0, 280.0, 0), (3e-4, 1e-3, 5), (800.0, 1e5, -1)]
)
def test_simple_packing_is_decoded_bit_for_bit(
    edition: int, nbits: int, scale: float, offset: float, decimal: int
) -> None:
    message = _message(edition, nbits, _field(nbits, scale, offset), decimal=decimal)
    assert simple_packing_supported(message)
    out = np.empty(NI * NJ)
    decode_values(message, out)
    np.testing.assert_array_equal(out, _eccodes_values(message))


@pytest.mark.parametrize("edition", [1, 2])
@pytest.mark.parametrize("nbits", [12, 16])
def test_bitmap_points_are_nan(edition: int, nbits: int) -> None:
    missing = np.random.default_rng(1).random(NI * NJ) < 0.3
    message = _message(edition, nbits, _field(2, 5.0, 290.0), missing=missing)
    out = np.empty(NI * NJ, dtype=np.float32)
    decode_values(message, out)
    assert np.array_equal(np.isnan(out), missing)
    np.testing.assert_array_equal(out, _eccodes_values(message).astype(np.float32))


def test_other_packings_go_to_eccodes() -> None:
    message = _message(2, 16, _field(3, 5.0, 290.0), packing="grid_ccsds")
    assert not simple_packing_supported(message)
    out = np.empty(NI * NJ)
    decode_values(message, out)
    np.testing.assert_array_equal(out, _eccodes_values(message))


def test_constant_field_goes_to_eccodes() -> None:
    message = _message(2, 16, np.full(NI * NJ, 273.15))
    out = np.empty(NI * NJ)
    decode_values(message, out)
    np.testing.assert_allclose(out, 273.15, rtol=1e-6)


@pytest.mark.parametrize("use_eccodes", [False, True])
def test_wrong_number_of_points_is_an_error(use_eccodes: bool) -> None:
    message = _message(2, 16, _field(4, 1.0, 0.0))
    with pytest.raises(DecodeError, match="grid points"):
        decode_values(message, np.empty(NI * NJ + 1), use_eccodes=use_eccodes)


def test_float32_output_is_the_rounded_float64_value() -> None:
    message = _message(2, 24, _field(5, 1e4, 5e4))
    out32, out64 = np.empty(NI * NJ, dtype=np.float32), np.empty(NI * NJ)
    decode_values(message, out32)
    decode_values(message, out64)
    np.testing.assert_array_equal(out32, out64.astype(np.float32))
