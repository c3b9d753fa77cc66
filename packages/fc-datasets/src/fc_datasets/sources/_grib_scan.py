"""Split a GRIB file into messages and read what identifies each one, without eccodes.

Asking eccodes for ``shortName`` or ``paramId`` costs about a millisecond per message (a
concept lookup through its definition files), more than decoding the data. But everything that
identifies a field except its reference time lies in a few header bytes: GRIB2 sections 1
(without the reference time), 2, 4 and 3 (the grid); GRIB1's product definition section
(without the date) and grid description section. So the scan reads those bytes from a memory
map and keeps, per message, its offset, length, reference time and two *signatures* (the
header bytes with the time masked, and the grid bytes). eccodes then interprets each distinct
signature once (:mod:`fc_datasets.sources._grib_keys`): an archive of 6,000 messages of 25
fields needs 25 eccodes lookups instead of 6,000.

The scan also checks the framing of every message (``GRIB`` ... ``7777``, section lengths), so
a truncated or corrupt file is reported with its name and the byte offset of the bad message.
"""

from __future__ import annotations

import calendar
import mmap
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fc_datasets.exceptions import SourceError

__all__ = ["ScannedFile", "scan_file"]

# GRIB2 section 4 templates whose "end of overall time interval" repeats the date (0-based
# byte range inside the section); masked like the reference time so signatures repeat.
_END_OF_INTERVAL = {8: (34, 41), 11: (37, 44)}
# GRIB2 section 4 templates with the forecast time at octets 19-22, as template 4.0
_FORECAST_TIME_AT_19 = (0, 1, 2, 8, 11, 12)


@dataclass(frozen=True, eq=False)
class ScannedFile:
    """The messages of one GRIB file, in file order.

    Attributes
    ----------
    path, size, mtime_ns
        The file and the size and modification time it had when scanned (the cache key).
    offsets, lengths
        int64 ``[message]``: where each message starts and how many bytes it has.
    references
        int64 ``[message]``: reference (base) time in seconds since 1970-01-01 UTC.
    signatures, grids
        int32 ``[message]``: index of the message's header signature in
        :attr:`signature_table` and of its grid signature in :attr:`grid_table`.
    signature_table, grid_table
        The distinct signatures of the file (bytes).
    concept_table
        For each signature, its *concept* signature: the bytes that decide the parameter,
        level and statistical processing, without the step, member and local section, so
        that the slow concept lookups of eccodes (``paramId``: ~5 ms) run once per field
        rather than once per step and member.
    """

    path: str
    size: int
    mtime_ns: int
    offsets: np.ndarray
    lengths: np.ndarray
    references: np.ndarray
    signatures: np.ndarray
    grids: np.ndarray
    signature_table: list[bytes]
    concept_table: list[bytes]
    grid_table: list[bytes]

    def __len__(self) -> int:
        return len(self.offsets)


class _Corrupt(Exception):
    """A message whose framing is wrong; turned into a SourceError naming file and offset."""


def _intern(value: bytes, table: list[bytes], ids: dict[bytes, int]) -> int:
    found = ids.get(value)
    if found is None:
        found = ids[value] = len(table)
        table.append(value)
    return found


def _timegm(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60):
        raise _Corrupt(
            f"its reference time {year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d} "
            "is not a valid date"
        )
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def _grib2_header(mm: mmap.mmap, start: int, length: int) -> tuple[bytes, bytes, bytes, int]:
    """Signature, concept signature, grid signature and reference time of a GRIB2 message."""
    end = start + length - 4
    pos = start + 16
    sections: dict[int, bytes] = {}
    last = 0
    while pos < end:
        size = int.from_bytes(mm[pos : pos + 4], "big")
        number = mm[pos + 4]
        if size < 5 or pos + size > end:
            raise _Corrupt(f"section {number} at byte {pos - start} has an impossible length")
        if number <= last:
            raise _Corrupt(f"its section {number} comes after section {last}")
        last = number
        if number in (1, 2, 3, 4):
            sections[number] = mm[pos : pos + size]
        elif number == 7:
            # the data section is last before 7777 unless the message holds several fields
            if pos + size != end:
                raise _Corrupt(
                    "it holds several fields (a multi-field message); split it into one field "
                    "per message, e.g. with eccodes' grib_copy"
                )
            break
        pos += size
    if 1 not in sections or 3 not in sections or 4 not in sections:
        raise _Corrupt("it lacks its identification, grid or product section")
    sec1, sec4 = sections[1], sections[4]
    if len(sec1) < 19 or len(sec4) < 9:
        raise _Corrupt("its identification or product section is too short")
    reference = _timegm(
        int.from_bytes(sec1[12:14], "big"), sec1[14], sec1[15], sec1[16], sec1[17], sec1[18]
    )
    template = int.from_bytes(sec4[7:9], "big")
    masked = _END_OF_INTERVAL.get(template)
    if masked is not None and len(sec4) >= masked[1]:
        sec4 = sec4[: masked[0]] + bytes(masked[1] - masked[0]) + sec4[masked[1] :]
    head = b"2|" + mm[start + 6 : start + 7] + sec1[:12] + sec1[19:] + b"|"
    signature = head + sections.get(2, b"") + b"|" + sec4
    # the concept (parameter, level type, statistics) does not depend on the forecast time
    # (octets 19-22), the ensemble member (36-37 of templates 1 and 11) or the local section
    # (templates that share the layout of 4.0; others keep every byte, which is only slower)
    concept = bytearray(sec4)
    if template in _FORECAST_TIME_AT_19 and len(concept) >= 22:
        concept[18:22] = bytes(4)
        if template in (1, 11) and len(concept) >= 37:
            concept[35:37] = bytes(2)
    return signature, head + bytes(concept), sections[3], reference


def _grib1_header(mm: mmap.mmap, start: int, length: int) -> tuple[bytes, bytes, bytes, int]:
    """Signature, concept signature, grid signature and reference time of a GRIB1 message."""
    pos = start + 8
    size = int.from_bytes(mm[pos : pos + 3], "big")
    if size < 28 or pos + size > start + length - 4:
        raise _Corrupt("its product definition section has an impossible length")
    pds = mm[pos : pos + size]
    century, yy = pds[24], pds[12]
    reference = _timegm((century - 1) * 100 + yy, pds[13], pds[14], pds[15], pds[16], 0)
    # mask the date (octets 13-17 and 25) and the decimal scale factor (27-28, a packing detail)
    signature = b"1|" + pds[:12] + pds[17:24] + pds[25:26] + pds[28:]
    # the concept leaves out the time range (P1, P2: octets 19-20) and ECMWF's local part
    concept = b"1|" + pds[:12] + pds[17:18] + pds[20:24] + pds[25:26] + pds[28:40]
    if pds[7] & 0x80:
        gpos = pos + size
        gsize = int.from_bytes(mm[gpos : gpos + 3], "big")
        if gsize < 32 or gpos + gsize > start + length - 4:
            raise _Corrupt("its grid description section has an impossible length")
        grid = mm[gpos : gpos + gsize]
    else:
        grid = b"grib1-catalogued-grid-" + bytes([pds[6]])
    return signature, concept, grid, reference


def _grib1_length(path: Path, start: int) -> int:
    """Length of a GRIB1 message over 8 MB (ECMWF's coding in units of 120 bytes): ask eccodes."""
    import eccodes

    with open(path, "rb") as f:
        f.seek(start)
        handle = eccodes.codes_grib_new_from_file(f, headers_only=True)
        if handle is None:
            raise _Corrupt("eccodes cannot read its length")
        try:
            return int(eccodes.codes_get(handle, "totalLength"))
        finally:
            eccodes.codes_release(handle)


def _check_gap(mm: mmap.mmap, path: Path, start: int, stop: int) -> None:
    """Bytes between messages may only be padding (NUL); anything else is not GRIB."""
    if stop > start and mm[start:stop].strip(b"\x00"):
        raise SourceError(
            f"{path}: {stop - start} bytes at offset {start} are not part of a GRIB message "
            "(the file is corrupt, or not only GRIB).",
            hint="Check that the file was copied whole; eccodes' grib_ls lists what it can read.",
        )


def scan_file(path: Path) -> ScannedFile:
    """Read the framing and identity of every message in ``path``.

    Raises
    ------
    SourceError
        When the file cannot be read, holds no GRIB message, is truncated, or has a message
        whose framing is corrupt (the message's byte offset is named).
    """
    try:
        with open(path, "rb") as f:
            stat = os.fstat(f.fileno())
            if stat.st_size == 0:
                raise SourceError(f"{path} is empty; it holds no GRIB message.")
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}.") from None
    size = stat.st_size
    offsets: list[int] = []
    lengths: list[int] = []
    references: list[int] = []
    sig_ids: list[int] = []
    grid_ids: list[int] = []
    sig_table: list[bytes] = []
    grid_table: list[bytes] = []
    sig_index: dict[bytes, int] = {}
    concepts: dict[int, bytes] = {}
    grid_index: dict[bytes, int] = {}
    try:
        pos = 0
        while pos < size:
            start = mm.find(b"GRIB", pos)
            if start < 0:
                _check_gap(mm, path, pos, size)
                break
            _check_gap(mm, path, pos, start)
            try:
                if start + 16 > size:
                    raise _Corrupt("the file ends inside its first section")
                edition = mm[start + 7]
                if edition == 2:
                    length = int.from_bytes(mm[start + 8 : start + 16], "big")
                elif edition == 1:
                    length = int.from_bytes(mm[start + 4 : start + 7], "big")
                    if length & 0x800000:
                        length = _grib1_length(path, start)
                else:
                    raise _Corrupt(f"its edition number {edition} is neither 1 nor 2")
                if start + length > size:
                    raise _Corrupt(
                        f"it needs {length} bytes but the file ends after {size - start} "
                        "(the file is truncated)"
                    )
                if length < 16 or mm[start + length - 4 : start + length] != b"7777":
                    raise _Corrupt("it does not end with '7777' where its length says")
                header = _grib2_header if edition == 2 else _grib1_header
                signature, concept, grid, reference = header(mm, start, length)
            except _Corrupt as exc:
                raise SourceError(
                    f"{path}: the GRIB message #{len(offsets) + 1} at byte offset {start} "
                    f"is corrupt: {exc}.",
                    hint="Re-copy or re-download the file; eccodes' grib_ls shows what it "
                    "can read.",
                ) from None
            offsets.append(start)
            lengths.append(length)
            references.append(reference)
            sig_ids.append(_intern(signature, sig_table, sig_index))
            concepts.setdefault(sig_ids[-1], concept)
            grid_ids.append(_intern(grid, grid_table, grid_index))
            pos = start + length
    finally:
        mm.close()
    if not offsets:
        raise SourceError(f"{path} holds no GRIB message; is it a GRIB file?")
    return ScannedFile(
        path=str(path),
        size=size,
        mtime_ns=stat.st_mtime_ns,
        offsets=np.asarray(offsets, dtype=np.int64),
        lengths=np.asarray(lengths, dtype=np.int64),
        references=np.asarray(references, dtype=np.int64),
        signatures=np.asarray(sig_ids, dtype=np.int32),
        grids=np.asarray(grid_ids, dtype=np.int32),
        signature_table=sig_table,
        concept_table=[concepts[i] for i in range(len(sig_table))],
        grid_table=grid_table,
    )
