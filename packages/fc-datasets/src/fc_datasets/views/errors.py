"""Exceptions raised by :func:`~fc_datasets.views.open_dataset` and the views it builds."""

from __future__ import annotations

from fc_datasets.exceptions import DatasetError

__all__ = ["MissingDateError", "OpenDatasetError"]


class OpenDatasetError(DatasetError, ValueError):
    """The arguments of ``open_dataset`` are wrong: an unknown option or variable, dates that
    select nothing, datasets that cannot be concatenated or joined.

    It is a :class:`ValueError` too, so code written for Anemoi's ``open_dataset`` (which raises
    ``ValueError``) keeps working.
    """

    exit_code = 3


class MissingDateError(DatasetError):
    """A date whose data is missing was read, and no missing-date policy was chosen.

    Missing dates are stored as NaN; reading one silently would feed NaN into training, so a
    view refuses unless ``fill_missing_dates`` or ``skip_missing_dates`` says what to do.
    """
