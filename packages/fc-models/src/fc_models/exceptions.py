"""Exception classes of fc-models. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError

__all__ = ["CheckpointError", "FcError", "ModelError"]


class ModelError(FcError):
    """Base class of the errors raised while building models or reading and writing model checkpoints."""


class CheckpointError(ModelError):
    """A model checkpoint is unreadable, corrupt, unsafe or incompatible."""

    exit_code = 5
