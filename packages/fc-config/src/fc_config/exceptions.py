"""Exception classes of fc-config, and :class:`FcError`, the root of every fc exception.

Every fc package derives its own exceptions from :class:`FcError`, so that a command-line tool
(or a user's script) can tell an expected failure — bad input, a config typo, a corrupt file —
from a bug, and report the former as one readable paragraph without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ConfigError", "ConfigProblem", "FcError", "FormatVersionError"]


class FcError(Exception):
    """Root of every exception that fc raises on purpose.

    The message must say what was wrong and what to do about it. ``hint``, when given, is a
    sentence appended to the message that tells the user how to fix the problem.
    """

    #: Process exit status a command-line tool uses when this error ends it.
    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} {hint}")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a config or metadata document, for programs that act on it.

    A :class:`ConfigError` raised by :func:`fc_config.validate` carries one of these per problem,
    so that an editor plug-in, a web form or a test can point at the offending key without
    parsing the message.

    Attributes
    ----------
    path
        Dotted path to the key, list indices as ``[2]`` (``model.processor.num_layers``);
        ``""`` for the document as a whole.
    value
        ``repr`` of the offending value, shortened; ``None`` where there is none (a missing key,
        an unknown key).
    message
        What was wrong or what was expected, in words.
    suggestion
        The closest valid key or value, when one is close enough to be a likely typo.
    type
        pydantic's error type (``missing``, ``extra_forbidden``, ``literal_error``, ...).
    """

    path: str
    value: str | None
    message: str
    suggestion: str | None = None
    type: str = "value_error"

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as a JSON-serialisable mapping."""
        return asdict(self)


class ConfigError(FcError, ValueError):
    """A config, recipe or metadata document does not match its schema.

    ``problems`` lists what was wrong, one :class:`ConfigProblem` each; it is empty when the
    error is not about individual keys (an unreadable file, a YAML syntax error).
    """

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        problems: Iterable[ConfigProblem] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems: list[ConfigProblem] = list(problems)


class FormatVersionError(FcError):
    """An artifact was written in a format version this installation cannot read."""

    exit_code = 4
