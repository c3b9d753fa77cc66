"""Constrained scalar types shared by fc schemas: durations, UTC dates, hex digests.

Each checks its value with a message a user understands ("expected a duration such as '6h'")
rather than a regular expression, and still exports a ``pattern`` in the JSON Schema.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

__all__ = [
    "AwareUtcDatetime",
    "Duration",
    "Frequency",
    "GitCommit",
    "HexDigest",
    "Sha256",
    "UtcDatetime",
    "duration_seconds",
]

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_PATTERN = r"^[0-9]+[smhd]$"
_FREQUENCY_PATTERN = r"^[0-9]*[1-9][0-9]*[smhd]$"


def duration_seconds(text: str) -> int:
    """Return the number of seconds in a duration such as ``6h``, ``30m``, ``1d`` or ``90s``.

    This is the spelling of every duration in fc metadata; richer parsing (``PT6H``,
    ``6 hours``) belongs to fc-utils, which writes this spelling.

    Raises
    ------
    ValueError
        When ``text`` is not a whole number followed by ``s``, ``m``, ``h`` or ``d``.
    """
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(
            f"expected a duration such as '6h', '30m', '1d' or '90s' "
            f"(a whole number and one of s, m, h, d), got {text!r}"
        )
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def _duration(text: str) -> str:
    duration_seconds(text)
    return text


def _frequency(text: str) -> str:
    if duration_seconds(text) == 0:
        raise ValueError(f"expected a positive duration such as '6h', got {text!r}")
    return text


def _date_to_datetime(value: Any) -> Any:
    # YAML reads `2020-01-01` as a date; a date in fc metadata means its midnight
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _hex(length: int | None, what: str) -> Any:
    def check(text: str) -> str:
        lowered = text.lower()
        ok = re.fullmatch(r"[0-9a-f]+", lowered) is not None
        if length is not None:
            ok = ok and len(lowered) == length
        else:
            ok = ok and 7 <= len(lowered) <= 64
        if not ok:
            raise ValueError(f"expected {what}, got {text!r}")
        return lowered

    return AfterValidator(check)


def _content_hash(text: str) -> str:
    if re.fullmatch(r"([a-z0-9]+:)?[0-9a-f]{8,128}", text) is None:
        raise ValueError(
            f"expected a hexadecimal content hash such as 'sha256:3f2a...', got {text!r}"
        )
    return text


#: A duration such as ``6h`` (zero allowed, e.g. a lead time of ``0h``).
Duration = Annotated[
    str,
    AfterValidator(_duration),
    WithJsonSchema(
        {"type": "string", "pattern": _DURATION_PATTERN, "examples": ["0h", "6h", "1d"]}
    ),
]

#: A positive duration such as ``6h``: a data frequency, a model timestep.
Frequency = Annotated[
    str,
    AfterValidator(_frequency),
    WithJsonSchema(
        {"type": "string", "pattern": _FREQUENCY_PATTERN, "examples": ["1h", "6h", "1d"]}
    ),
]

#: A date and time in UTC, stored without time zone (as in the dataset's ``datetime64``).
#: An aware value is converted to UTC; a naive one is taken to be UTC already.
UtcDatetime = Annotated[datetime, BeforeValidator(_date_to_datetime), AfterValidator(_naive_utc)]

#: A date and time in UTC with its time zone (``2024-05-01T12:00:00Z``).
AwareUtcDatetime = Annotated[
    datetime, BeforeValidator(_date_to_datetime), AfterValidator(_aware_utc)
]

#: A SHA-256 digest: 64 hexadecimal digits (stored in lower case).
Sha256 = Annotated[
    str,
    _hex(64, "a SHA-256 digest (64 hexadecimal digits)"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}),
]

#: A git commit id: 7 to 64 hexadecimal digits.
GitCommit = Annotated[
    str,
    _hex(None, "a git commit id (7 to 64 hexadecimal digits)"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9a-fA-F]{7,64}$"}),
]

#: A content hash, optionally prefixed by its algorithm (``sha256:3f2a...``).
HexDigest = Annotated[
    str,
    AfterValidator(_content_hash),
    WithJsonSchema({"type": "string", "pattern": "^([a-z0-9]+:)?[0-9a-f]{8,128}$"}),
]
