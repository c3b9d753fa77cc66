"""Exception classes of fc-inference. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = ["FcError", "InferenceError"]


class InferenceError(FcError):
    """Base class of the errors raised while running forecasts, writing outputs or verifying them."""
