"""Which files a ``grib`` node names, and their scans, cached for the life of the process.

A recipe usually reads the same archive from two nodes (surface and pressure levels), and a
build calls each node once per group of dates; scanning each file once per process, keyed by
its path, size and modification time, makes every later call free. A file that changes on
disk is scanned again.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from fc_datasets.exceptions import SourceError
from fc_datasets.sources._grib_scan import ScannedFile, scan_file

__all__ = ["DatePattern", "clear_file_cache", "indexed_file", "resolve_files"]

_DATE_FIELD = re.compile(r"\{date:strftime\(([^)]*)\)\}")
_ANY_FIELD = re.compile(r"\{[^{}]*\}")
_GLOB = re.compile(r"[*?\[]")

LOG = logging.getLogger(__name__)

_files: dict[str, ScannedFile] = {}
_lock = threading.Lock()


def indexed_file(path: Path) -> ScannedFile:
    """The scan of ``path``, from the cache unless the file changed since it was scanned."""
    key = str(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}.") from None
    found = _files.get(key)
    if found is not None and (found.size, found.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return found
    started = time.perf_counter()
    scanned = scan_file(path)
    LOG.debug(
        "scanned %s: %d messages in %.3f s", path, len(scanned), time.perf_counter() - started
    )
    with _lock:
        _files[key] = scanned
    return scanned


def clear_file_cache() -> None:
    """Forget every scanned file (tests; long-running processes that read many archives)."""
    with _lock:
        _files.clear()


class DatePattern:
    """A path with ``{date:strftime(FORMAT)}`` fields, naming one file (or glob) per date."""

    def __init__(self, text: str) -> None:
        self.text = text
        others = [m for m in _ANY_FIELD.findall(_DATE_FIELD.sub("", text))]
        if others:
            raise SourceError(
                f"path '{text}': {others[0]} is not a supported placeholder; only "
                "{date:strftime(FORMAT)} is, e.g. data/{date:strftime(%Y%m%d)}.grib"
            )

    @staticmethod
    def applies(text: str) -> bool:
        """Whether ``text`` has a placeholder."""
        return bool(_ANY_FIELD.search(text))

    def format(self, date: dt.datetime) -> str:
        """The path for ``date``."""
        return _DATE_FIELD.sub(lambda m: date.strftime(m.group(1)), self.text)


def _expand(text: str, resolve: Callable[[str], Path]) -> list[Path]:
    """Files that one path entry names: itself, or what its glob matches (sorted)."""
    path = resolve(text)
    if _GLOB.search(str(path)):
        # Path.glob wants a relative pattern; a recipe's may have wildcards anywhere
        matches = sorted(glob.glob(str(path), recursive=True))  # noqa: PTH207
        files = [Path(m) for m in matches if Path(m).is_file()]
        if not files:
            raise SourceError(
                f"no file matches '{text}' (looked for {path}).",
                hint="Check the path; relative paths start from the recipe's folder.",
            )
        return files
    if not path.is_file():
        raise SourceError(
            f"GRIB file '{text}' does not exist (looked for {path}).",
            hint="Check the path; relative paths start from the recipe's folder.",
        )
    return [path]


def resolve_files(
    paths: Sequence[str], dates: np.ndarray, resolve: Callable[[str], Path]
) -> list[Path]:
    """The files of ``paths`` (globs expanded, date patterns filled for ``dates``), in order.

    Raises :class:`SourceError` naming the entry (and the date) when no file is found.
    """
    files: dict[Path, None] = {}
    for text in paths:
        if not DatePattern.applies(text):
            files.update(dict.fromkeys(_expand(text, resolve)))
            continue
        pattern = DatePattern(text)
        seen: set[str] = set()
        for value in dates.astype("datetime64[s]").tolist():
            name = pattern.format(value)
            if name in seen:
                continue
            seen.add(name)
            try:
                files.update(dict.fromkeys(_expand(name, resolve)))
            except SourceError as exc:
                raise SourceError(
                    f"for the date {value.isoformat()} the path '{text}' names '{name}': "
                    f"{exc.message}",
                    hint=exc.hint,
                ) from None
    return list(files)
