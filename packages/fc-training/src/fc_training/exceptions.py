"""Exception classes of fc-training. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = ["FcError", "TrainingError"]


class TrainingError(FcError):
    """Base class of the errors raised while configuring or running training."""
