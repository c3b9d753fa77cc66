"""Dates, frequencies and date ranges, spelt the way dataset recipes (and Anemoi) spell them.

fc works in naive UTC datetimes with a resolution of one second: datasets store ``dates`` as
``datetime64[s]``, and every date that enters fc through a recipe, a command line or an API call
passes through :func:`parse_date`, which converts any explicit UTC offset to UTC and drops it.

Loose dates such as ``2020`` or ``2020-03`` denote a whole period. They mean the first instant
of that period by default and, with ``end=True``, the last second of it, so that
``start: 2020, end: 2020`` in a recipe covers the whole year. :class:`DateRange` snaps such an
end to the last date of its frequency grid within the period (``2020-12-31T18`` for ``6h``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, TypeAlias

import numpy as np

from fc_utils.exceptions import DateError

__all__ = [
    "DateLike",
    "DateRange",
    "FrequencyLike",
    "frequency_to_string",
    "parse_date",
    "parse_frequency",
    "parse_part",
    "to_datetime64",
]

#: Anything :func:`parse_date` understands.
DateLike: TypeAlias = str | int | dt.datetime | dt.date | np.datetime64
#: Anything :func:`parse_frequency` understands.
FrequencyLike: TypeAlias = str | int | dt.timedelta | np.timedelta64

_Precision = Literal["year", "month", "day", "hour", "minute", "second"]
_LOOSE: frozenset[str] = frozenset({"year", "month", "day"})

_EPOCH = dt.datetime(1970, 1, 1)
_SECOND = dt.timedelta(seconds=1)

_FREQUENCY_FORMS = (
    "a positive number of weeks, days, hours, minutes or seconds such as '6h', '1d', '30m', "
    "'90s' or '1w', an ISO 8601 duration such as 'PT6H' or 'P1D', an integer number of hours, "
    "or a datetime.timedelta / numpy.timedelta64"
)
_DATE_FORMS = (
    "a date such as '2020', '2020-03', '2020-03-01', '20200301', '2020-03-01T06', "
    "'2020-03-01T06:00', '2020-03-01 06:00:00' or '2020-03-01T06:00:00Z', a datetime.date, "
    "a datetime.datetime or a numpy.datetime64"
)

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_SHORT_RE = re.compile(r"(\d+)\s*([wdhms])", re.IGNORECASE)
_ISO_DURATION_RE = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?|(?P<cmonth>\d{2})(?P<cday>\d{2}))?"
    r"(?:[T ](?P<hour>\d{2})(?::?(?P<minute>\d{2})(?::?(?P<second>\d{2})(?:\.(?P<frac>\d+))?)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------
# Frequencies


def parse_frequency(value: FrequencyLike) -> dt.timedelta:
    """Return the positive time step that ``value`` denotes.

    Recipes and configs write frequencies as short strings (``"6h"``), ISO 8601 durations
    (``"PT6H"``) or, like Anemoi, a bare integer number of hours; Python and numpy code hands
    over timedeltas. This function is the one place that reconciles them.

    Parameters
    ----------
    value
        ``"6h"``/``"6H"``, ``"1d"``, ``"30m"``, ``"90s"``, ``"1w"``, ``"PT6H"``, ``"P1D"``,
        ``"PT30M"``, an ``int`` (hours; a digit-only string too), a :class:`datetime.timedelta`
        or a :class:`numpy.timedelta64`.

    Returns
    -------
    datetime.timedelta
        A whole, positive number of seconds.

    Raises
    ------
    DateError
        If ``value`` is zero, negative, not a whole number of seconds, or not understood.
    """
    seconds = _frequency_seconds(value)
    if seconds <= 0:
        raise DateError(f"frequency {value!r} is not positive.", hint=f"Give {_FREQUENCY_FORMS}.")
    return dt.timedelta(seconds=seconds)


def _frequency_seconds(value: object) -> int:
    if isinstance(value, bool):
        raise DateError(f"frequency {value!r} is not understood.", hint=f"Give {_FREQUENCY_FORMS}.")
    # numpy.timedelta64 is a numpy integer subclass: test it first.
    if isinstance(value, np.timedelta64):
        if np.isnat(value):
            raise DateError("frequency is NaT.", hint=f"Give {_FREQUENCY_FORMS}.")
        try:
            micro = int(value.astype("m8[us]").astype(np.int64))
        except TypeError:  # years and months have no fixed length
            raise DateError(
                f"frequency {value!r} has no fixed length.", hint=f"Give {_FREQUENCY_FORMS}."
            ) from None
        return _whole_seconds(value, dt.timedelta(microseconds=micro))
    if isinstance(value, int | np.integer):
        return int(value) * 3600
    if isinstance(value, dt.timedelta):
        return _whole_seconds(value, value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text) * 3600
        if match := _SHORT_RE.fullmatch(text):
            return int(match[1]) * _UNIT_SECONDS[match[2].lower()]
        match = _ISO_DURATION_RE.fullmatch(text)
        if match and any(match.groupdict().values()) and not text.upper().endswith("T"):
            return sum(int(n) * _UNIT_SECONDS[k] for k, n in match.groupdict().items() if n)
    raise DateError(f"frequency {value!r} is not understood.", hint=f"Give {_FREQUENCY_FORMS}.")


def _whole_seconds(original: object, delta: dt.timedelta) -> int:
    if delta.microseconds:
        raise DateError(
            f"frequency {original!r} is not a whole number of seconds.",
            hint="fc works to the second; round the frequency to whole seconds.",
        )
    return delta.days * 86_400 + delta.seconds


def frequency_to_string(value: FrequencyLike) -> str:
    """Return the canonical short spelling of a frequency: ``6h``, ``1d``, ``30m`` or ``90s``.

    The largest unit that divides the step exactly is used (so 24 hours is ``1d`` and a week is
    ``7d``), which makes the result stable: ``parse_frequency(frequency_to_string(f)) == f``
    and equal frequencies always print the same, e.g. in dataset attributes.

    Parameters
    ----------
    value
        Anything :func:`parse_frequency` accepts.
    """
    seconds = int(parse_frequency(value).total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


# --------------------------------------------------------------------------------------------
# Dates


def parse_date(value: DateLike, *, end: bool = False) -> dt.datetime:
    """Return the naive UTC datetime that ``value`` denotes.

    Parameters
    ----------
    value
        A string (``2020``, ``2020-03``, ``2020-03-01``, ``20200301``, ``2020-03-01T06``,
        ``2020-03-01T06:00``, ``2020-03-01 06:00:00``, optionally followed by ``Z`` or a UTC
        offset such as ``+02:00``, which is converted to UTC), an ``int`` such as ``2020`` or
        ``20200301`` (YAML reads unquoted dates like these as integers), a
        :class:`datetime.date`, a :class:`datetime.datetime` (aware ones are converted to
        UTC) or a :class:`numpy.datetime64`.
    end
        A loose date — one given to the year, month, day, hour or minute — denotes a period.
        By default the first second of that period is returned; with ``end=True`` the last
        one, so ``parse_date("2020", end=True)`` is ``2020-12-31T23:59:59`` and
        ``parse_date("2020-03-01T06", end=True)`` is ``2020-03-01T06:59:59``. Use it for the
        inclusive end of a range. Dates given to the second are returned unchanged.

    Raises
    ------
    DateError
        If ``value`` is not a date, or names an impossible one (month 13, 30 February...).
    """
    first, last, _ = _parse_period(value)
    return last if end else first


def _parse_period(value: object) -> tuple[dt.datetime, dt.datetime, _Precision]:
    """Return the first and last second that ``value`` denotes, and its precision."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        value = value.replace(tzinfo=None)
        if value.microsecond:
            raise DateError(
                f"date {value.isoformat()} has a fraction of a second.",
                hint="fc works to the second; round the date to whole seconds.",
            )
        return value, value, "second"
    if isinstance(value, dt.date):
        first = dt.datetime(value.year, value.month, value.day)
        return first, first + dt.timedelta(days=1) - _SECOND, "day"
    if isinstance(value, np.datetime64):
        return _parse_datetime64(value)
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        text = str(int(value))
        if len(text) in (4, 8):
            return _parse_text(text, value)
    elif isinstance(value, str):
        return _parse_text(value.strip(), value)
    raise DateError(f"date {value!r} is not understood.", hint=f"Give {_DATE_FORMS}.")


def _parse_datetime64(value: np.datetime64) -> tuple[dt.datetime, dt.datetime, _Precision]:
    if np.isnat(value):
        raise DateError("date is NaT (not a time).", hint=f"Give {_DATE_FORMS}.")
    unit = np.datetime_data(value.dtype)[0]
    seconds = value.astype("M8[s]")
    if seconds != value:
        raise DateError(
            f"date {value} has a fraction of a second.",
            hint="fc works to the second; round the date to whole seconds.",
        )
    first = _from_datetime64(seconds)
    precisions: dict[str, _Precision] = {"Y": "year", "M": "month", "D": "day", "h": "hour"}
    precision = precisions.get(unit, "minute" if unit == "m" else "second")
    return first, _end_of(first, precision), precision


def _parse_text(text: str, original: object) -> tuple[dt.datetime, dt.datetime, _Precision]:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        raise DateError(f"date {original!r} is not understood.", hint=f"Give {_DATE_FORMS}.")
    g = match.groupdict()
    month, day = g["month"] or g["cmonth"], g["day"] or g["cday"]
    if g["hour"] is not None and day is None:
        raise DateError(f"date {original!r} has a time but no day.", hint=f"Give {_DATE_FORMS}.")
    if g["frac"] and int(g["frac"]):
        raise DateError(
            f"date {original!r} has a fraction of a second.",
            hint="fc works to the second; round the date to whole seconds.",
        )
    fields = [g["year"], month, day, g["hour"], g["minute"], g["second"]]
    given = sum(f is not None for f in fields)
    precision: _Precision = ("year", "month", "day", "hour", "minute", "second")[given - 1]
    defaults = (0, 1, 1, 0, 0, 0)
    year, month_, day_, hour, minute, second = (
        int(f) if f is not None else d for f, d in zip(fields, defaults, strict=True)
    )
    try:
        first = dt.datetime(year, month_, day_, hour, minute, second)
    except ValueError as exc:
        raise DateError(
            f"date {original!r} is impossible: {exc}.", hint="Check each field of the date."
        ) from None
    # The period is computed in local time, then both ends are shifted to UTC.
    last = _end_of(first, precision)
    offset = _utc_offset(g["tz"]) if g["tz"] is not None else dt.timedelta(0)
    return first - offset, last - offset, precision


def _utc_offset(text: str) -> dt.timedelta:
    if text.upper() == "Z":
        return dt.timedelta(0)
    digits = text[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return -offset if text[0] == "-" else offset


def _end_of(first: dt.datetime, precision: _Precision) -> dt.datetime:
    if precision == "year":
        nxt = first.replace(year=first.year + 1)
    elif precision == "month":
        nxt = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    else:
        step = {"day": 86_400, "hour": 3_600, "minute": 60, "second": 1}[precision]
        nxt = first + dt.timedelta(seconds=step)
    return nxt - _SECOND


def _from_datetime64(value: np.datetime64) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=int(value.astype("M8[s]").astype(np.int64)))


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def to_datetime64(values: Any) -> np.ndarray:
    """Return ``values`` as an array of ``datetime64[s]``, the unit fc stores dates in.

    Parameters
    ----------
    values
        A ``datetime64`` array of any unit (converted in one vectorised step), or a date-like
        scalar or iterable of date-likes accepted by :func:`parse_date` (strings with UTC
        offsets, aware datetimes... each parsed on its own).

    Returns
    -------
    numpy.ndarray
        ``datetime64[s]``; shape-preserving for arrays, one-dimensional for other iterables,
        and of shape ``(1,)`` for a scalar.

    Raises
    ------
    DateError
        If a value is not a date, is NaT, or has a fraction of a second.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        if np.isnat(values).any():
            raise DateError("dates contain NaT (not a time).", hint="Remove or fill them first.")
        result = values.astype("M8[s]")
        if (result != values).any():
            raise DateError(
                "dates have fractions of a second.",
                hint="fc works to the second; round the dates to whole seconds.",
            )
        return result
    if isinstance(values, str | int | dt.date | np.datetime64 | np.integer):
        values = [values]
    try:
        items = list(values)
    except TypeError:
        raise DateError(
            f"dates {values!r} are not understood.", hint=f"Give {_DATE_FORMS}."
        ) from None
    return np.array([np.datetime64(parse_date(v), "s") for v in items], dtype="M8[s]")


# --------------------------------------------------------------------------------------------
# Ranges


def parse_part(value: str) -> tuple[int, int]:
    """Parse a ``--part i/N`` argument into a zero-based index and the number of parts.

    Parameters
    ----------
    value
        ``"i/N"`` with ``1 <= i <= N`` (one-based, as people count), e.g. ``"2/4"``.

    Returns
    -------
    tuple[int, int]
        ``(i - 1, N)``, e.g. ``(1, 4)``, ready to index :meth:`DateRange.split`.

    Raises
    ------
    DateError
        If the text is not ``i/N`` or ``i`` is outside ``1..N``.
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(value))
    if match is None:
        raise DateError(
            f"part {value!r} is not understood.",
            hint="Write it as i/N, e.g. 2/4 for the second of four parts.",
        )
    index, total = int(match[1]), int(match[2])
    if total < 1 or not 1 <= index <= total:
        raise DateError(
            f"part {value!r} is out of range.",
            hint="The part number i in i/N counts from 1 to N, and N is at least 1.",
        )
    return index - 1, total


class DateRange:
    """An immutable, regular sequence of dates from ``start`` to ``end`` (both included).

    This is the time axis of a dataset: every date on the grid ``start + k * frequency`` up to
    ``end`` is part of it, including the ``missing`` ones, which keep their place (a dataset
    stores them, as NaN or flagged) so that indices stay aligned with dates.

    Parameters
    ----------
    start
        First date; a loose date means the start of its period (``2020`` is 2020-01-01T00).
    end
        Last date, included. A date given to the day or more loosely (``2020``, ``2020-12``,
        ``2020-12-31``) means the last date of the frequency grid within that period: with
        ``start=2020``, ``end=2020`` and ``6h`` the range ends at ``2020-12-31T18``. A date
        given with a time must lie exactly on the grid.
    frequency
        The time step; anything :func:`parse_frequency` accepts.
    missing
        Dates of the range with no data; each must be inside the range and on the grid.

    Raises
    ------
    DateError
        If ``end`` is before ``start``, a date is off the frequency grid (the message names
        the nearest valid dates), or a missing date lies outside the range.
    """

    __slots__ = ("_end", "_frequency", "_missing", "_start")

    _start: dt.datetime
    _end: dt.datetime
    _frequency: dt.timedelta
    _missing: tuple[dt.datetime, ...]

    def __init__(
        self,
        start: DateLike,
        end: DateLike,
        frequency: FrequencyLike,
        missing: Iterable[DateLike] = (),
    ) -> None:
        step = parse_frequency(frequency)
        first = parse_date(start)
        end_first, end_last, precision = _parse_period(end)
        if precision in _LOOSE:
            if end_last < first:
                last = end_last
            else:
                last = first + step * ((end_last - first) // step)
                if last < end_first:
                    raise DateError(
                        f"end date {end!r} contains no date of the {frequency_to_string(step)} "
                        f"grid that starts at {_iso(first)}.",
                        hint="Choose an end date that covers at least one date of the grid.",
                    )
        else:
            last = end_first
        if last < first:
            raise DateError(
                f"end date {_iso(last)} is before start date {_iso(first)}.",
                hint="Swap them, or correct the one that is wrong.",
            )
        object.__setattr__(self, "_start", first)
        object.__setattr__(self, "_frequency", step)
        self._check_on_grid(last, "end date")
        object.__setattr__(self, "_end", last)
        gaps: set[dt.datetime] = set()
        for item in missing:
            date = parse_date(item)
            if not first <= date <= last:
                raise DateError(
                    f"missing date {_iso(date)} is outside the range {_iso(first)} to {_iso(last)}.",
                    hint="List only missing dates that belong to the range.",
                )
            self._check_on_grid(date, "missing date")
            gaps.add(date)
        object.__setattr__(self, "_missing", tuple(sorted(gaps)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("DateRange is immutable; build a new one instead.")

    def _check_on_grid(self, date: dt.datetime, what: str) -> None:
        offset = (date - self._start) % self._frequency
        if offset:
            before = date - offset
            after = before + self._frequency
            raise DateError(
                f"{what} {_iso(date)} is off the {frequency_to_string(self._frequency)} frequency "
                f"grid that starts at {_iso(self._start)}; the nearest valid dates are "
                f"{_iso(before)} and {_iso(after)}.",
                hint="Use a date on the grid, or change the start date or frequency.",
            )

    # -- attributes ----------------------------------------------------------------------------

    @property
    def start(self) -> dt.datetime:
        """First date of the range."""
        return self._start

    @property
    def end(self) -> dt.datetime:
        """Last date of the range (included)."""
        return self._end

    @property
    def frequency(self) -> dt.timedelta:
        """Time step between consecutive dates."""
        return self._frequency

    @property
    def dates(self) -> np.ndarray:
        """Every date of the range, the missing ones included, as ``datetime64[s]``."""
        step = np.timedelta64(int(self._frequency.total_seconds()), "s")
        start = np.datetime64(self._start, "s")
        return start + step * np.arange(len(self), dtype=np.int64)

    @property
    def valid_dates(self) -> np.ndarray:
        """The dates of the range that are not missing, as ``datetime64[s]``."""
        dates = self.dates
        return dates[~np.isin(dates, self.missing)]

    @property
    def missing(self) -> np.ndarray:
        """The missing dates, sorted, as ``datetime64[s]``."""
        return np.array([np.datetime64(d, "s") for d in self._missing], dtype="M8[s]")

    # -- container protocol --------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of dates, the missing ones included."""
        return (self._end - self._start) // self._frequency + 1

    def __iter__(self) -> Iterator[dt.datetime]:
        """Iterate over every date, the missing ones included, as naive UTC datetimes."""
        for k in range(len(self)):
            yield self._start + k * self._frequency

    def __contains__(self, date: object) -> bool:
        """Whether ``date`` is one of the dates of the range (missing or not)."""
        try:
            value = _parse_period(date)[0]
        except DateError:
            return False
        return self._start <= value <= self._end and not (value - self._start) % self._frequency

    def index(self, date: DateLike) -> int:
        """Return the position of ``date`` in :attr:`dates`.

        Raises
        ------
        DateError
            If ``date`` is outside the range or off its frequency grid.
        """
        value = parse_date(date)
        if not self._start <= value <= self._end:
            raise DateError(
                f"date {_iso(value)} is outside the range {_iso(self._start)} to "
                f"{_iso(self._end)}.",
                hint="Use a date inside the range.",
            )
        self._check_on_grid(value, "date")
        return (value - self._start) // self._frequency

    def is_missing(self, date: DateLike) -> bool:
        """Whether ``date``, a date of the range, is one of its missing dates.

        Raises
        ------
        DateError
            If ``date`` is not a date of the range, which usually reveals a bug upstream.
        """
        self.index(date)
        return parse_date(date) in self._missing

    def split(self, parts: int) -> list[DateRange]:
        """Split the range into ``parts`` contiguous ranges of nearly equal length.

        The first ``len(self) % parts`` parts get one date more than the others. Each part
        keeps the missing dates that fall inside it. This is how ``load --part i/N`` shares
        the dates of a dataset between independent jobs.

        Raises
        ------
        DateError
            If ``parts`` is not between 1 and the number of dates.
        """
        if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= len(self):
            raise DateError(
                f"cannot split {len(self)} dates into {parts!r} parts.",
                hint=f"Choose a whole number of parts between 1 and {len(self)}.",
            )
        size, extra = divmod(len(self), parts)
        result: list[DateRange] = []
        first = 0
        for k in range(parts):
            count = size + (1 if k < extra else 0)
            start = self._start + first * self._frequency
            end = start + (count - 1) * self._frequency
            gaps = [d for d in self._missing if start <= d <= end]
            result.append(DateRange(start, end, self._frequency, gaps))
            first += count
        return result

    # -- serialisation -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description, the inverse of :meth:`from_dict`."""
        return {
            "start": _iso(self._start),
            "end": _iso(self._end),
            "frequency": frequency_to_string(self._frequency),
            "missing": [_iso(d) for d in self._missing],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DateRange:
        """Build a range from the output of :meth:`to_dict` (``missing`` may be left out)."""
        known = {"start", "end", "frequency", "missing"}
        unknown = sorted(set(data) - known)
        absent = sorted({"start", "end", "frequency"} - set(data))
        if unknown or absent:
            problem = f"unknown keys {unknown}" if unknown else f"missing keys {absent}"
            raise DateError(
                f"date range description has {problem}.",
                hint="Expected the keys start, end, frequency and optionally missing.",
            )
        return cls(data["start"], data["end"], data["frequency"], data.get("missing", ()))

    # -- value semantics -----------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DateRange):
            return NotImplemented
        return (self._start, self._end, self._frequency, self._missing) == (
            other._start,
            other._end,
            other._frequency,
            other._missing,
        )

    def __hash__(self) -> int:
        return hash((self._start, self._end, self._frequency, self._missing))

    def __repr__(self) -> str:
        missing = f", {len(self._missing)} missing" if self._missing else ""
        return (
            f"DateRange({_iso(self._start)!r}, {_iso(self._end)!r}, "
            f"{frequency_to_string(self._frequency)!r}{missing})"
        )
