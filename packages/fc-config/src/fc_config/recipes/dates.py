"""Dates and frequencies as dataset recipes write them, and the date sections of a recipe.

Recipes come from YAML, which turns ``2020-01-01`` into a :class:`datetime.date`,
``2020-01-01 06:00:00`` into a :class:`datetime.datetime` and ``2020`` into an ``int``; users
also write ``"2020-03"``, ``"2020-03-01T06"`` or ``"PT6H"``. This module accepts all of them
(fc-config sits below fc-utils, so it parses them itself) and stores exact naive UTC datetimes
and canonical frequencies (``6h``, ``1d``), so that everything downstream works with one
spelling.

A *loose* date — given to the year, month or day — denotes a period. As a start it means the
first instant of the period; as an end it means the last date of the frequency grid within the
period, so that ``start: 2020, end: 2020`` with ``frequency: 6h`` covers 2020-01-01T00 to
2020-12-31T18. An end given with a time must lie on the grid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from fc_config.base import FcModel

__all__ = [
    "ConcatDates",
    "GroupBy",
    "MissingRange",
    "RecipeDates",
    "RecipeEndDate",
    "RecipeFrequency",
    "RecipeSection",
    "RecipeStartDate",
    "default_statistics_period",
    "first_on_grid",
    "frequency_seconds",
    "frequency_string",
    "is_loose",
    "last_on_grid",
    "model_keys",
    "parse_recipe_date",
    "problem",
    "raise_problems",
    "resolve_end",
    "rewrap",
]

Precision = Literal["year", "month", "day", "hour", "minute", "second"]
Loc = tuple[str | int, ...]

_LOOSE: frozenset[str] = frozenset({"year", "month", "day"})
_DATE_RE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?|(?P<cmonth>\d{2})(?P<cday>\d{2}))?"
    r"(?:[T ](?P<hour>\d{2})(?::?(?P<minute>\d{2})(?::?(?P<second>\d{2})(?:\.0+)?)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_DATE_FORMS = (
    "a date such as 2020, 2020-03, 2020-03-01, 20200301, 2020-03-01T06, 2020-03-01T06:00 or "
    "'2020-03-01 06:00:00' (optionally ending in Z or a UTC offset)"
)
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_SHORT_FREQUENCY = re.compile(r"(\d+)\s*([wdhms])", re.IGNORECASE)
_ISO_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?",
    re.IGNORECASE,
)
_FREQUENCY_FORMS = (
    "a positive duration such as 6h, 1d, 30m or 90s, an ISO 8601 duration such as PT6H, "
    "or a whole number of hours"
)
_SECOND = timedelta(seconds=1)


# --- errors with a location, for validators that check several keys at once ------------------


def problem(loc: Loc, message: str, *, value: Any = None, choices: Sequence[str] = ()) -> Any:
    """One error for :func:`raise_problems`, shown by fc as ``<loc> = <value>: <message>``.

    With ``choices``, ``value`` (a string) is compared with them and the closest one is
    suggested ("did you mean ...?"). Without ``value`` the message stands alone.
    """
    if choices:
        ctx = {"expected": ", ".join(repr(c) for c in choices)}
        return InitErrorDetails(
            type=PydanticCustomError("literal_error", message, ctx), loc=loc, input=value
        )
    # fc shows no value for a value_error whose input is a mapping (a check across keys)
    shown = {} if value is None else value
    return InitErrorDetails(type=PydanticCustomError("value_error", message), loc=loc, input=shown)


def rewrap(error: Any, prefix: Loc = ()) -> Any:
    """Turn one entry of ``ValidationError.errors()`` back into an error, under ``prefix``."""
    ctx = error.get("ctx")
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], error["msg"], ctx),
        loc=(*prefix, *error["loc"]),
        input=error.get("input"),
    )


def raise_problems(title: str, problems: Iterable[Any]) -> None:
    """Raise one pydantic ``ValidationError`` holding ``problems`` (if there are any)."""
    found = list(problems)
    if found:
        raise ValidationError.from_exception_data(title, found)


class RecipeSection(FcModel):
    """Base of the recipe sections: reports Anemoi keys that fc does not support, clearly.

    ``UNSUPPORTED`` maps such a key to the sentence that explains why and what to do. The other
    keys are still validated, so one run reports every problem.
    """

    UNSUPPORTED: ClassVar[dict[str, str]] = {}

    @model_validator(mode="wrap")
    @classmethod
    def _unsupported_keys(cls, data: Any, handler: Any) -> Any:
        if not isinstance(data, dict) or not cls.UNSUPPORTED.keys() & data.keys():
            return handler(data)
        problems = [
            problem((key,), f"not supported by fc: {cls.UNSUPPORTED[key]}")
            for key in data
            if key in cls.UNSUPPORTED
        ]
        try:
            handler({k: v for k, v in data.items() if k not in cls.UNSUPPORTED})
        except ValidationError as exc:
            problems += [rewrap(e) for e in exc.errors(include_url=False)]
        raise_problems(cls.__name__, problems)
        return None  # unreachable: problems is never empty here


# --- parsing ----------------------------------------------------------------------------------


def _end_of(first: datetime, precision: Precision) -> datetime:
    if precision == "year":
        nxt = first.replace(year=first.year + 1)
    elif precision == "month":
        nxt = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    else:
        step = {"day": 86_400, "hour": 3_600, "minute": 60, "second": 1}[precision]
        nxt = first + timedelta(seconds=step)
    return nxt - _SECOND


def parse_recipe_date(value: Any) -> tuple[datetime, datetime, Precision]:
    """Return the first and last second that a recipe date denotes, and its precision.

    Parameters
    ----------
    value
        A string (``2020``, ``2020-03``, ``2020-03-01``, ``20200301``, ``2020-03-01T06``,
        ``2020-03-01T06:00``, ``2020-03-01 06:00:00``, optionally followed by ``Z`` or a UTC
        offset), an ``int`` of 4 or 8 digits (YAML reads ``2020`` and ``20200301`` as
        integers), a :class:`datetime.date` or a :class:`datetime.datetime` (an aware one is
        converted to UTC).

    Raises
    ------
    ValueError
        When the value is not a date or names an impossible one (month 13, 30 February).
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(UTC)
        value = value.replace(tzinfo=None)
        if value.microsecond:
            raise ValueError(f"fc works to the second; {value.isoformat()} has a fraction of one")
        return value, value, "second"
    if isinstance(value, date):
        first = datetime(value.year, value.month, value.day)
        return first, _end_of(first, "day"), "day"
    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) in (4, 8):
        return _parse_text(str(value), value)
    if isinstance(value, str):
        return _parse_text(value.strip(), value)
    raise ValueError(f"expected {_DATE_FORMS}, got {value!r}")


def _parse_text(text: str, original: Any) -> tuple[datetime, datetime, Precision]:
    found = _DATE_RE.fullmatch(text)
    if found is None:
        raise ValueError(f"expected {_DATE_FORMS}, got {original!r}")
    g = found.groupdict()
    month, day = g["month"] or g["cmonth"], g["day"] or g["cday"]
    parts = [g["year"], month, day, g["hour"], g["minute"], g["second"]]
    given = sum(part is not None for part in parts)
    precision: Precision = ("year", "month", "day", "hour", "minute", "second")[given - 1]
    year, month_, day_, hour, minute, second = (
        int(p) if p is not None else default
        for p, default in zip(parts, (0, 1, 1, 0, 0, 0), strict=True)
    )
    try:
        first = datetime(year, month_, day_, hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"{original!r} is not a possible date ({exc})") from None
    offset = timedelta(0)
    if g["tz"] is not None and g["tz"].upper() != "Z":
        digits = g["tz"][1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        offset = -offset if g["tz"][0] == "-" else offset
    return first - offset, _end_of(first, precision) - offset, precision


def is_loose(value: Any) -> bool:
    """Whether ``value`` is a date given to the year, month or day only (False if invalid)."""
    try:
        return parse_recipe_date(value)[2] in _LOOSE
    except ValueError:
        return False


def frequency_seconds(value: Any) -> int:
    """Return the number of seconds in a recipe frequency.

    Accepts ``6h``/``6H``, ``1d``, ``30m``, ``90s``, ``1w``, ISO 8601 durations (``PT6H``,
    ``P1D``), a whole number of hours (``6`` or ``"6"``, as Anemoi allows) or a
    :class:`datetime.timedelta`.

    Raises
    ------
    ValueError
        When the value is not a positive whole number of seconds in one of those spellings.
    """
    seconds: int | None = None
    if isinstance(value, bool):
        seconds = None
    elif isinstance(value, int):
        seconds = value * 3600
    elif isinstance(value, timedelta):
        if value % _SECOND:
            raise ValueError(f"fc works to the second; {value} has a fraction of one")
        seconds = int(value.total_seconds())
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            seconds = int(text) * 3600
        elif short := _SHORT_FREQUENCY.fullmatch(text):
            seconds = int(short[1]) * _UNIT_SECONDS[short[2].lower()]
        elif (iso := _ISO_DURATION.fullmatch(text)) and any(iso.groupdict().values()):
            seconds = sum(int(n) * _UNIT_SECONDS[k] for k, n in iso.groupdict().items() if n)
    if seconds is None:
        raise ValueError(f"expected {_FREQUENCY_FORMS}, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"expected a positive frequency, got {value!r}")
    return seconds


def frequency_string(seconds: int) -> str:
    """The canonical spelling of a frequency: the largest of d, h, m that divides it, else s."""
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def _canonical_frequency(value: Any) -> str:
    return frequency_string(frequency_seconds(value))


def _first_instant(value: Any) -> Any:
    return parse_recipe_date(value)[0]


def _last_instant(value: Any) -> Any:
    first, last, precision = parse_recipe_date(value)
    return last if precision in _LOOSE else first


_DATE_JSON = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "examples": ["2020", "2020-03", "2020-03-01", "2020-03-01T06:00"]},
            {"type": "integer", "examples": [2020, 20200301]},
        ]
    }
)

#: A date that starts something: a loose date means the first instant of its period.
RecipeStartDate = Annotated[datetime, BeforeValidator(_first_instant), _DATE_JSON]
#: A date that ends something (included): a loose date (year, month or day) means the last
#: second of its period, to be snapped to a frequency grid; any other date is taken as it is.
RecipeEndDate = Annotated[datetime, BeforeValidator(_last_instant), _DATE_JSON]
#: A positive frequency, stored in its canonical spelling (``6h``, ``1d``, ``30m``).
RecipeFrequency = Annotated[
    str,
    BeforeValidator(_canonical_frequency),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "examples": ["6h", "1d", "PT6H"]},
                {"type": "integer", "minimum": 1, "description": "hours"},
            ]
        }
    ),
]


_GROUPS = ("daily", "weekly", "monthly", "yearly")


def _group_by(value: Any) -> Any:
    if isinstance(value, str) and value not in _GROUPS and not value.strip().isdigit():
        raise PydanticCustomError(
            "literal_error",
            "expected daily, weekly, monthly, yearly or a number of dates per task",
            {"expected": ", ".join(repr(g) for g in _GROUPS)},
        )
    if isinstance(value, bool):
        raise ValueError(
            f"expected daily, weekly, monthly, yearly or a number of dates, got {value!r}"
        )
    return value


#: How many dates one load task of a build takes: all those of a day, week (ISO week), month or
#: year, or a fixed number of dates.
GroupBy = Annotated[
    Literal["daily", "weekly", "monthly", "yearly"] | Annotated[int, Field(ge=1)],
    BeforeValidator(_group_by),
]


# --- frequency grids --------------------------------------------------------------------------


def last_on_grid(start: datetime, step: int, limit: datetime) -> datetime:
    """The last date ``start + k * step`` (k >= 0) not after ``limit`` (``start`` if none)."""
    if limit <= start:
        return start
    return start + timedelta(seconds=step * (int((limit - start).total_seconds()) // step))


def first_on_grid(start: datetime, step: int, limit: datetime) -> datetime:
    """The first date ``start + k * step`` (k >= 0) not before ``limit``."""
    if limit <= start:
        return start
    return start + timedelta(seconds=step * -(-int((limit - start).total_seconds()) // step))


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _off_grid(what: str, value: datetime, start: datetime, step: int) -> str:
    before = last_on_grid(start, step, value)
    return (
        f"{what} {_iso(value)} is off the {frequency_string(step)} grid that starts at "
        f"{_iso(start)}; the nearest dates on it are {_iso(before)} and "
        f"{_iso(before + timedelta(seconds=step))}"
    )


def resolve_end(raw: Any, start: datetime, end: datetime, step: int) -> tuple[datetime, str | None]:
    """Snap a parsed end to the grid: a loose end to its last grid date, a precise one checked.

    Returns the end and, when it is wrong, the message that says why.
    """
    if is_loose(raw):
        last = last_on_grid(start, step, end)
        if end < start:
            return end, f"the end {raw!r} is before the start {_iso(start)}"
        if last < parse_recipe_date(raw)[0]:
            return end, (
                f"the end {raw!r} contains no date of the {frequency_string(step)} grid that "
                f"starts at {_iso(start)}"
            )
        return last, None
    if end < start:
        return end, f"the end {_iso(end)} is before the start {_iso(start)}"
    if (end - start).total_seconds() % step:
        return end, _off_grid("the end", end, start, step)
    return end, None


# --- date sections ----------------------------------------------------------------------------


class MissingRange(FcModel):
    """A run of missing dates: every date of the grid from ``start`` to ``end``."""

    start: RecipeStartDate
    """First missing date."""

    end: RecipeEndDate
    """Last missing date, included (a loose date means the end of its period)."""

    frequency: RecipeFrequency | None = None
    """Step between the missing dates; the dataset's frequency when left out."""


def _missing_kind(value: Any) -> str:
    return "range" if isinstance(value, dict | MissingRange) else "date"


MissingItem = Annotated[
    Annotated[RecipeStartDate, Tag("date")] | Annotated[MissingRange, Tag("range")],
    Discriminator(_missing_kind),
]


class RecipeDates(RecipeSection):
    """The dates of the dataset: a regular grid from ``start`` to ``end`` (both included).

    Validation resolves them: ``start`` and ``end`` become the first and last dates of the
    grid, ``frequency`` its canonical spelling and ``missing`` a sorted list of grid dates.
    """

    UNSUPPORTED: ClassVar[dict[str, str]] = {
        "values": "fc datasets have regular dates; give start, end and frequency, and list the "
        "dates without data under missing.",
        "hindcasts": "hindcast date sets are not supported; give start, end and frequency.",
        "steps": "trajectory (forecast step) datasets are not supported.",
        "years": "hindcast date sets are not supported; give start, end and frequency.",
    }

    start: RecipeStartDate
    """First date (``2020``, ``2020-01-01``, ``2020-01-01T00:00``; a loose date means the first
    instant of its period)."""

    end: RecipeEndDate
    """Last date, included. A date given to the year, month or day means the last date of the
    grid in that period (``end: 2020`` with ``6h`` is 2020-12-31T18); a date with a time must
    lie on the grid."""

    frequency: RecipeFrequency = "1h"
    """Step between dates: ``6h``, ``1d``, ``PT6H`` or a whole number of hours. Anemoi's
    default, ``1h``, when left out."""

    missing: list[MissingItem] = Field(default_factory=list)
    """Dates of the grid that have no data (stored as NaN and left out of the statistics):
    dates, or ranges ``{start, end, frequency}``. Validation expands them to a sorted list."""

    group_by: GroupBy | None = None
    """Anemoi's older place for ``build.group_by``; fc moves it there."""

    @model_validator(mode="wrap")
    @classmethod
    def _resolve(cls, data: Any, handler: Any) -> RecipeDates:
        raw_end = data.get("end") if isinstance(data, dict) else None
        dates: RecipeDates = handler(data)
        step = frequency_seconds(dates.frequency)
        end, error = resolve_end(raw_end, dates.start, dates.end, step)
        if error is not None:
            raise_problems(cls.__name__, [problem(("end",), error)])
        dates.__dict__["end"] = end
        problems, expanded = [], set()
        for i, item in enumerate(dates.missing):
            found, message = _expand_missing(item, dates.start, end, step)
            if message is not None:
                problems.append(problem(("missing", i), message))
            expanded.update(found)
        raise_problems(cls.__name__, problems)
        dates.__dict__["missing"] = sorted(expanded)
        return dates

    @property
    def frequency_seconds(self) -> int:
        """The frequency in seconds."""
        return frequency_seconds(self.frequency)

    @property
    def number_of_dates(self) -> int:
        """Number of dates of the grid, the missing ones included."""
        return int((self.end - self.start).total_seconds()) // self.frequency_seconds + 1


def _expand_missing(
    item: datetime | MissingRange, start: datetime, end: datetime, step: int
) -> tuple[list[datetime], str | None]:
    """The grid dates one ``missing`` entry names, or a message saying why it is wrong."""
    if isinstance(item, datetime):
        first, last, item_step = item, item, step
    else:
        first, last = item.start, item.end
        item_step = frequency_seconds(item.frequency) if item.frequency else step
    if first < start or first > end:
        return (
            [],
            f"the missing date {_iso(first)} is outside the dates {_iso(start)} to {_iso(end)}",
        )
    if (first - start).total_seconds() % step:
        return [], _off_grid("the missing date", first, start, step)
    if item_step % step:
        return [], (
            f"the missing dates step by {frequency_string(item_step)}, which is not a multiple "
            f"of the dataset's {frequency_string(step)}"
        )
    if last < first:
        return [], f"the missing range ends ({_iso(last)}) before it starts ({_iso(first)})"
    last = min(last, end)
    count = int((last - first).total_seconds()) // item_step + 1 if last >= first else 0
    return [first + timedelta(seconds=item_step * k) for k in range(count)], None


class ConcatDates(RecipeSection):
    """The dates one item of a ``concat`` provides: the dataset's dates from start to end.

    Validation of the recipe snaps ``start`` and ``end`` to the first and last dataset dates
    in that range and fills in ``frequency`` with the dataset's, so that fc-datasets can
    select the item's dates by comparing with them.
    """

    UNSUPPORTED: ClassVar[dict[str, str]] = {
        "missing": "list missing dates once, under the top-level dates.missing.",
        "values": "give the item's dates as start and end.",
    }

    start: RecipeStartDate
    """First date the item provides (a loose date means the first instant of its period)."""

    end: RecipeEndDate
    """Last date the item provides, included (a loose date means the end of its period)."""

    frequency: RecipeFrequency | None = None
    """Step of the item's dates; when given, every dataset date in the range must be on it
    (it is then the dataset's frequency or divides it)."""


def default_statistics_period(
    start: datetime, end: datetime, frequency: str | int | timedelta
) -> tuple[datetime, datetime]:
    """The dates the statistics cover when the recipe does not say: the record minus its end.

    Normalisation statistics that include the last part of the record would let a model see,
    through its inputs' scaling, the period it is validated on. The rule is Anemoi's, so a
    dataset built by fc from an Anemoi recipe has the same statistics period:

    - fewer than 10 dates: the first 80 % of them (at least one);
    - a record shorter than 10 years (years rounded to the nearest whole): the first 80 % of
      the dates;
    - 10 to 19 years: everything up to the last date of the year before the last one;
    - 20 years or more: everything up to the last date three years before the last one.

    Parameters
    ----------
    start, end
        First and last dates of the dataset (on its grid).
    frequency
        Step between dates (``6h``, ``PT6H``, hours, a timedelta).

    Returns
    -------
    tuple of datetime
        First and last dates of the statistics period, both on the grid.
    """
    step = frequency_seconds(frequency)
    count = int((end - start).total_seconds()) // step + 1
    years = round((end - start).total_seconds() / (365.25 * 86_400))
    if count < 10 or years < 10:
        keep = max(1, count * 4 // 5)
        return start, start + timedelta(seconds=step * (keep - 1))
    leave_out = 3 if years >= 20 else 1
    year_end = datetime(end.year - leave_out, 12, 31, 23, 59, 59)
    return start, last_on_grid(start, step, year_end)


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts (aliases where it has them)."""
    return [field.alias or name for name, field in model.model_fields.items()]
