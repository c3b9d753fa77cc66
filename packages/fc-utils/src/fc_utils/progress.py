"""Progress bars for long work, rendered with one library (tqdm) the same way in every fc tool.

Library code wraps its long loops in :func:`progress`; whether a bar is drawn is decided once, by
the command-line layer (``--quiet``, ``FC_PROGRESS=0``, or standard error not being a terminal),
so that scripts, CI logs and notebooks are not flooded with carriage returns.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["ProgressBar", "progress", "progress_enabled", "set_progress_enabled"]

T = TypeVar("T")

_enabled: bool | None = None


def set_progress_enabled(enabled: bool | None) -> None:
    """Force progress bars on or off for this process; ``None`` restores the automatic choice."""
    global _enabled
    _enabled = enabled


def progress_enabled() -> bool:
    """Whether progress bars are drawn: the forced choice, else ``FC_PROGRESS``, else a TTY check."""
    if _enabled is not None:
        return _enabled
    env = os.environ.get("FC_PROGRESS")
    if env is not None:
        return env.strip().lower() not in ("0", "false", "no", "off", "")
    return sys.stderr.isatty()


class ProgressBar:
    """A manually advanced progress bar (``with ProgressBar(total=n, desc=...) as bar: bar.update()``).

    When progress is disabled it does nothing, at no cost, so library code can use it unconditionally.
    """

    def __init__(
        self, total: float | None = None, desc: str | None = None, unit: str = "it", **kwargs: Any
    ) -> None:
        self._bar: Any = None
        if progress_enabled():
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=False, **kwargs
            )

    def update(self, n: float = 1) -> None:
        """Advance the bar by ``n`` units."""
        if self._bar is not None:
            self._bar.update(n)

    def set_postfix(self, **values: Any) -> None:
        """Show ``key=value`` figures (throughput, current date, ...) after the bar."""
        if self._bar is not None:
            self._bar.set_postfix(**values)

    def close(self) -> None:
        """Remove the bar from the terminal."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    iterable: Iterable[T], *, total: int | None = None, desc: str | None = None, unit: str = "it"
) -> Iterator[T]:
    """Iterate over ``iterable`` while drawing a progress bar when progress is enabled.

    Parameters
    ----------
    iterable
        What to iterate over.
    total
        Number of items, when ``len(iterable)`` is not available.
    desc
        Short label shown before the bar.
    unit
        Name of one item (``"date"``, ``"file"``, ...).
    """
    if not progress_enabled():
        yield from iterable
        return
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    with ProgressBar(total=total, desc=desc, unit=unit) as bar:
        for item in iterable:
            yield item
            bar.update()
