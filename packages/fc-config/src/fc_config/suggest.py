""" "Did you mean …?" suggestions for misspelled names (config keys, plugin names, variables)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest_match", "did_you_mean"]


def closest_match(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the candidate closest to ``word``, or ``None`` when none is close enough.

    The comparison ignores case, ``-`` versus ``_`` and surrounding blanks first, so that
    ``Num-Layers`` finds ``num_layers`` whatever the cutoff; otherwise it falls back to
    :func:`difflib.get_close_matches` on the normalised spelling.

    Parameters
    ----------
    word
        The name the user wrote.
    candidates
        The valid names.
    cutoff
        Similarity in [0, 1] below which no suggestion is made.
    """
    pool = [str(c) for c in candidates]
    if not pool:
        return None

    def norm(s: str) -> str:
        return s.strip().lower().replace("-", "_")

    by_norm = {norm(c): c for c in pool}
    if norm(word) in by_norm:
        return by_norm[norm(word)]
    found = difflib.get_close_matches(norm(word), list(by_norm), n=1, cutoff=cutoff)
    return by_norm[found[0]] if found else None


def did_you_mean(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""`` when none is close."""
    match = closest_match(word, candidates, cutoff=cutoff)
    return f" Did you mean '{match}'?" if match is not None else ""
