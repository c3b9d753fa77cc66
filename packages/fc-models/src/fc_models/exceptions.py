"""Exception classes of fc-models. All derive from :class:`fc_config.exceptions.FcError`."""

from __future__ import annotations

from fc_config.exceptions import FcError, FormatVersionError

__all__ = [
    "CheckpointError",
    "FcError",
    "FormatVersionError",
    "ModelError",
    "ModelInputError",
    "UnsafeCheckpointError",
    "VariablesError",
]


class ModelError(FcError):
    """Base class of the errors raised while building models or reading and writing model checkpoints."""


class VariablesError(ModelError, ValueError):
    """The variables and their roles (prognostic, forcing, diagnostic) are inconsistent."""

    exit_code = 3


class ModelInputError(ModelError, ValueError):
    """A tensor given to a model has the wrong shape or does not match the model's variables."""

    exit_code = 3


class CheckpointError(ModelError):
    """A model checkpoint is unreadable, corrupt, unsafe or incompatible."""

    exit_code = 5


class UnsafeCheckpointError(CheckpointError):
    """A file that would execute code when loaded (a pickle, torch.save, Lightning ``.ckpt``).

    fc refuses such files without reading their contents: unpickling runs whatever code the
    file names.
    """
