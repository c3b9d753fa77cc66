"""Pre- and post-processors: the wrappers that stand between physical fields and the network.

Each is a small :class:`torch.nn.Module` with no learnable parameters whose constants are
non-persistent buffers (they follow ``.to(device)`` but are rebuilt from the checkpoint's
metadata rather than stored as tensors):

:class:`Normaliser`
    ``(x - offset) / scale`` per variable and its inverse.
:class:`Imputer`
    NaN → a fill value on the way in; NaN put back on the way out.
:class:`Bounding`
    Clamps and fractions that keep outputs physical, in physical units.
"""

from __future__ import annotations

from fc_models.preprocessing.bounding import Bounding
from fc_models.preprocessing.imputer import Imputer
from fc_models.preprocessing.normaliser import Normaliser

__all__ = ["Bounding", "Imputer", "Normaliser"]
