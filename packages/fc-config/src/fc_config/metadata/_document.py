"""What every artifact's metadata shares: ``kind``, ``format_version`` and a few checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from pydantic import field_validator, model_validator

from fc_config.base import FcModel
from fc_config.common import VariableMetadata
from fc_config.versioning import check_format_version

__all__ = ["ArtifactMetadata"]


class ArtifactMetadata(FcModel):
    """Base of the metadata of a versioned artifact (dataset, graph, checkpoint, forecast).

    A document written by a newer fc raises :class:`~fc_config.FormatVersionError` ("upgrade
    ...") before any other check, rather than a list of unknown keys; one written in an older
    format must be migrated first.
    """

    #: The artifact kind, the value of the ``kind`` field.
    FORMAT_KIND: ClassVar[str] = ""
    #: The format version this installation writes and reads.
    FORMAT_VERSION: ClassVar[int] = 0

    @model_validator(mode="before")
    @classmethod
    def _refuse_newer_format(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            kind = data.get("kind")
            if isinstance(kind, str) and kind != cls.FORMAT_KIND:
                # stop here: the other keys of another kind of document only add noise
                raise ValueError(
                    f"this is {kind!r} metadata, not {cls.FORMAT_KIND} metadata; "
                    f"check that the file is a {cls.FORMAT_KIND}'s metadata"
                )
            version = data.get("format_version")
            newer = (
                isinstance(version, int)
                and not isinstance(version, bool)
                and version > cls.FORMAT_VERSION
            )
            if newer:
                # FormatVersionError is not a ValueError: pydantic lets it through as is
                check_format_version(data, cls.FORMAT_KIND, cls.FORMAT_VERSION)
        return data

    @field_validator("format_version", check_fields=False)
    @classmethod
    def _current_format(cls, value: int) -> int:
        if value < cls.FORMAT_VERSION:
            raise ValueError(
                f"this {cls.FORMAT_KIND} metadata is in format {value}, older than the format "
                f"{cls.FORMAT_VERSION} this installation reads; migrate it first"
            )
        return value


def duplicates(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, in order of first occurrence."""
    return [name for name, count in Counter(names).items() if count > 1]


def check_unique(names: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming the repeated entries of ``names``."""
    repeated = duplicates(names)
    if repeated:
        raise ValueError(f"{what} repeats {', '.join(repr(n) for n in repeated)}")


def check_variables_metadata(
    metadata: Mapping[str, VariableMetadata], variables: list[str], *, complete: bool
) -> None:
    """Check that per-variable metadata is keyed by known variables under their own name."""
    known = set(variables)
    unknown = [name for name in metadata if name not in known]
    if unknown:
        raise ValueError(
            f"variables_metadata describes {', '.join(map(repr, unknown))}, "
            "which is not in variables"
        )
    if complete:
        absent = [name for name in variables if name not in metadata]
        if absent:
            raise ValueError(f"variables_metadata has no entry for {', '.join(map(repr, absent))}")
    for key, entry in metadata.items():
        if entry.name != key:
            raise ValueError(
                f"variables_metadata[{key!r}] has name {entry.name!r}; they must agree"
            )
