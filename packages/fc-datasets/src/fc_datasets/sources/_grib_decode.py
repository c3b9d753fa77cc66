"""Decode the values of one GRIB message into a preallocated array.

Most archives that training datasets are built from (ERA5 from MARS, files written by
eccodes with default settings) use *simple packing*: each value is an unsigned integer ``X`` of
``nbits`` bits, and ``value = (R + X·2^E)·10^-D`` with a reference value ``R``, a binary
scale ``E`` and a decimal scale ``D`` from the header. That is one vectorised numpy expression:
about 0.1 ms for 65,160 values against about 1.3 ms through eccodes (most of which is eccodes
building a handle from the message). :func:`decode_values` uses it for simple packing with up
to 25 bits per value (and 32), with or without a bitmap, and computes exactly what eccodes
computes (same operations in float64, in the same order; the tests compare bit for bit). Every
other packing (CCSDS, JPEG, complex, spectral, ...) goes to eccodes.

Missing values (bitmap) are NaN in both paths.
"""

from __future__ import annotations

import threading

import numpy as np

from fc_datasets.exceptions import SourceError

__all__ = ["DecodeError", "decode_values", "simple_packing_supported"]

_MAX_GATHER_BITS = 25  # a 4-byte window holds any value of up to 25 bits at any bit offset


class DecodeError(SourceError):
    """A message's values could not be decoded (the caller adds the file, field and date)."""


def _power(exponent: int, base: int) -> float:
    """``base**exponent`` by repeated multiplication or division, as eccodes computes scales.

    ``10**-2`` written as ``0.1 / 10`` differs from the literal ``0.01`` in the last bit;
    computing it the same way as eccodes is what makes the two decoders agree exactly.
    """
    value = 1.0
    while exponent < 0:
        value /= base
        exponent += 1
    while exponent > 0:
        value *= base
        exponent -= 1
    return value


def _signed(raw: int, bits: int) -> int:
    """GRIB's sign-and-magnitude integers (the top bit is the sign)."""
    top = 1 << (bits - 1)
    return -(raw & (top - 1)) if raw & top else raw


def _ibm_float(raw: bytes) -> float:
    """An IBM System/360 single-precision float (GRIB1 reference values)."""
    word = int.from_bytes(raw, "big")
    sign = -1.0 if word & 0x80000000 else 1.0
    exponent = (word >> 24) & 0x7F
    mantissa = word & 0x00FFFFFF
    return sign * mantissa * 16.0 ** (exponent - 64) / float(1 << 24)


def _unpack(data: memoryview, count: int, nbits: int) -> np.ndarray:
    """``count`` unsigned integers of ``nbits`` bits, packed big-endian without padding."""
    if nbits in (8, 16, 32):
        dtype = {8: ">u1", 16: ">u2", 32: ">u4"}[nbits]
        return np.frombuffer(data, dtype=dtype, count=count)
    nbytes = (count * nbits + 7) // 8
    padded = np.zeros(nbytes + 4, dtype=np.uint8)
    padded[:nbytes] = np.frombuffer(data, dtype=np.uint8, count=nbytes)
    bit = np.arange(count, dtype=np.int64) * nbits
    byte = bit >> 3
    word = padded[byte].astype(np.uint32) << 24
    word |= padded[byte + 1].astype(np.uint32) << 16
    word |= padded[byte + 2].astype(np.uint32) << 8
    word |= padded[byte + 3]
    word >>= (32 - nbits - (bit & 7)).astype(np.uint32)
    word &= np.uint32((1 << nbits) - 1)
    return word


_local = threading.local()


def _scratch(name: str, size: int) -> np.ndarray:
    """A float64 work array of ``size`` reused by the thread: a fresh array of a few hundred
    kB costs more in page faults than the arithmetic done in it."""
    buf: np.ndarray | None = getattr(_local, name, None)
    if buf is None or len(buf) < size:
        buf = np.empty(size, dtype=np.float64)
        setattr(_local, name, buf)
    return buf[:size]


def _scale(packed: np.ndarray, reference: float, binary: int, decimal: int) -> np.ndarray:
    """``(packed·2^E + R)·10^-D`` in float64, in eccodes' order of operations."""
    values = _scratch("values", len(packed))
    np.multiply(packed, _power(binary, 2), out=values)  # exact: an integer times 2^E
    values += reference
    values *= _power(-decimal, 10)
    return values


def _expand_bitmap(bitmap: np.ndarray, present: np.ndarray, npoints: int) -> np.ndarray:
    if len(bitmap) * 8 < npoints:
        raise DecodeError(f"its bitmap is shorter than its {npoints} grid points")
    mask = np.unpackbits(bitmap, count=npoints).astype(bool)
    if int(mask.sum()) != len(present):
        raise DecodeError(
            f"the bitmap marks {int(mask.sum())} points present but {len(present)} values are coded"
        )
    out = _scratch("expanded", npoints)
    out.fill(np.nan)
    out[mask] = present
    return out


def _simple_grib2(msg: memoryview) -> tuple[np.ndarray, np.ndarray | None, int] | None:
    """(packed integers, bitmap bytes or None, number of points), or None if not simple."""
    pos, end = 16, len(msg) - 4
    sec: dict[int, int] = {}
    while pos < end:
        size = int.from_bytes(msg[pos : pos + 4], "big")
        sec[msg[pos + 4]] = pos
        if msg[pos + 4] == 7:
            break
        pos += size
    p3, p5, p6, p7 = sec.get(3), sec.get(5), sec.get(6), sec.get(7)
    if p3 is None or p5 is None or p6 is None or p7 is None:
        return None
    if int.from_bytes(msg[p5 + 9 : p5 + 11], "big") != 0:  # template 5.0: simple packing
        return None
    nbits = msg[p5 + 19]
    if nbits == 0 or (nbits > _MAX_GATHER_BITS and nbits != 32):
        return None
    indicator = msg[p6 + 5]
    if indicator not in (0, 255):  # 254: a bitmap defined in an earlier field
        return None
    npoints = int.from_bytes(msg[p3 + 6 : p3 + 10], "big")
    count = int.from_bytes(msg[p5 + 5 : p5 + 9], "big")
    reference = float(np.frombuffer(msg[p5 + 11 : p5 + 15], dtype=">f4")[0])
    binary = _signed(int.from_bytes(msg[p5 + 15 : p5 + 17], "big"), 16)
    decimal = _signed(int.from_bytes(msg[p5 + 17 : p5 + 19], "big"), 16)
    size7 = int.from_bytes(msg[p7 : p7 + 4], "big")
    if (count * nbits + 7) // 8 > size7 - 5:
        raise DecodeError(f"its data section holds fewer than the {count} values it announces")
    packed = _scale(_unpack(msg[p7 + 5 : p7 + size7], count, nbits), reference, binary, decimal)
    bitmap = None
    if indicator == 0:
        size6 = int.from_bytes(msg[p6 : p6 + 4], "big")
        bitmap = np.frombuffer(msg[p6 + 6 : p6 + size6], dtype=np.uint8)
    elif count != npoints:
        raise DecodeError(f"it codes {count} values for {npoints} grid points")
    return packed, bitmap, npoints


def _simple_grib1(msg: memoryview) -> tuple[np.ndarray, np.ndarray | None, int] | None:
    pds = 8
    pds_size = int.from_bytes(msg[pds : pds + 3], "big")
    flags = msg[pds + 7]
    pos = pds + pds_size
    npoints = -1
    if flags & 0x80:
        gds_size = int.from_bytes(msg[pos : pos + 3], "big")
        if msg[pos + 5] != 0:  # only regular lat-lon: its point count is Ni * Nj
            return None
        npoints = int.from_bytes(msg[pos + 6 : pos + 8], "big") * int.from_bytes(
            msg[pos + 8 : pos + 10], "big"
        )
        pos += gds_size
    else:
        return None
    bitmap = None
    if flags & 0x40:
        bms_size = int.from_bytes(msg[pos : pos + 3], "big")
        if int.from_bytes(msg[pos + 4 : pos + 6], "big") != 0:  # a predefined bitmap
            return None
        bitmap = np.frombuffer(msg[pos + 6 : pos + bms_size], dtype=np.uint8)
        pos += bms_size
    bds_size = int.from_bytes(msg[pos : pos + 3], "big")
    bds_flags = msg[pos + 3]
    if bds_flags & 0xF0:  # spherical harmonics, second-order, integer or extended flags
        return None
    nbits = msg[pos + 10]
    if nbits == 0 or (nbits > _MAX_GATHER_BITS and nbits != 32):
        return None
    # the section may end with padding: it holds at least as many values as are coded
    capacity = ((bds_size - 11) * 8 - (bds_flags & 0x0F)) // nbits
    if bitmap is None:
        count = npoints
    else:
        if len(bitmap) * 8 < npoints:
            raise DecodeError(f"its bitmap is shorter than its {npoints} grid points")
        count = int(np.unpackbits(bitmap, count=npoints).sum())
    if capacity < count:
        return None  # fewer values than points: let eccodes judge
    binary = _signed(int.from_bytes(msg[pos + 4 : pos + 6], "big"), 16)
    reference = _ibm_float(bytes(msg[pos + 6 : pos + 10]))
    decimal = _signed(int.from_bytes(msg[pds + 26 : pds + 28], "big"), 16)
    packed = _scale(
        _unpack(msg[pos + 11 : pos + bds_size], count, nbits), reference, binary, decimal
    )
    return packed, bitmap, npoints


def simple_packing_supported(message: bytes) -> bool:
    """Whether :func:`decode_values` decodes ``message`` itself (else eccodes does)."""
    msg = memoryview(message)
    parse = _simple_grib2 if msg[7] == 2 else _simple_grib1
    try:
        return parse(msg) is not None
    except (DecodeError, IndexError, ValueError):
        return False  # decoding it reports the problem with the field and the date


def _store(values: np.ndarray, out: np.ndarray, order: np.ndarray | None) -> None:
    if order is None:
        out[:] = values
    else:
        out[:] = values[order]


def _decode_eccodes(message: bytes, out: np.ndarray, order: np.ndarray | None) -> None:
    import eccodes

    try:
        handle = eccodes.codes_new_from_message(message)
    except eccodes.CodesInternalError as exc:
        raise DecodeError(f"eccodes cannot read it ({exc})") from None
    try:
        npoints = int(eccodes.codes_get(handle, "numberOfDataPoints"))
        if npoints != len(out):
            raise DecodeError(f"it has {npoints} grid points where {len(out)} were expected")
        values = eccodes.codes_get_values(handle)
        if len(values) != len(out):
            raise DecodeError(f"it decodes to {len(values)} values for {len(out)} grid points")
        if eccodes.codes_get(handle, "bitmapPresent"):
            missing = eccodes.codes_get_array(handle, "bitmap", int) == 0
            values[missing] = np.nan
        _store(values, out, order)
    except eccodes.CodesInternalError as exc:
        raise DecodeError(f"eccodes cannot decode it ({exc})") from None
    finally:
        eccodes.codes_release(handle)


def decode_values(
    message: bytes,
    out: np.ndarray,
    *,
    order: np.ndarray | None = None,
    use_eccodes: bool = False,
) -> None:
    """Decode the values of ``message`` (one whole GRIB message) into ``out`` (1-D).

    ``out`` must have one element per grid point; it may be float32 or float64. The values
    go in the message's scanning order, or as ``values[order]`` when ``order`` is given.
    Raises :class:`DecodeError` when the message does not decode or has another number of
    points.
    """
    if not use_eccodes:
        msg = memoryview(message)
        try:
            parse = _simple_grib2 if msg[7] == 2 else _simple_grib1
            found = parse(msg)
        except (IndexError, ValueError) as exc:
            raise DecodeError(f"its sections are inconsistent ({exc})") from None
        if found is not None:
            values, bitmap, npoints = found
            if npoints != len(out):
                raise DecodeError(f"it has {npoints} grid points where {len(out)} were expected")
            if bitmap is not None:
                values = _expand_bitmap(bitmap, values, npoints)
            _store(values, out, order)
            return
    _decode_eccodes(message, out, order)
