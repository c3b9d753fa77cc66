"""Provenance: where, when, from what and with which software an artifact was made.

Every fc artifact (dataset, graph, checkpoint, forecast) stores the dictionary that
:func:`gather_provenance` returns, so that a forecast can be traced back to the exact code and
inputs that made it. The shape is fixed; ``fc_config`` validates it with its ``Provenance``
schema::

    {
        "created": "2026-05-09T07:35:25Z",          # UTC, ISO 8601
        "python": "3.11.7",
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "packages": {"fc-utils": "0.1.0", "numpy": "2.4.6", ...},
        "git": {"repository": str | None, "commit": str, "branch": str | None, "dirty": bool}
               | None,
        "inputs": {"path/as/given": {"sha256": "...", "size": 1234}},
        "command": ["fc-datasets", "create", ...] | None,
    }

Gathering never imports the packages it reports (versions come from installed metadata) and
never fails because git is missing: provenance must not be the reason a run breaks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import platform
import re
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fc_utils.exceptions import ProvenanceError

__all__ = ["DEFAULT_PACKAGES", "gather_provenance", "hash_file"]

_LOG = logging.getLogger(__name__)

#: Third-party distributions whose versions are recorded, when installed, besides every ``fc-*``.
DEFAULT_PACKAGES: tuple[str, ...] = (
    "numpy",
    "torch",
    "torch-geometric",
    "zarr",
    "xarray",
    "eccodes",
    "eccodeslib",
    "cfgrib",
    "dask",
    "lightning",
    "hydra-core",
    "mlflow",
    "pydantic",
    "safetensors",
    "scipy",
)

_CHUNK = 1 << 20
_GIT_TIMEOUT_S = 5.0


def hash_file(path: str | Path) -> str:
    """Return the hexadecimal SHA-256 digest of a file, read in 1 MiB chunks.

    Streaming keeps memory flat whatever the size of the file (GRIB archives run to many GB).

    Raises
    ------
    ProvenanceError
        If the file does not exist, is a directory, or cannot be read.
    """
    return _hash_and_size(Path(path))[0]


def _hash_and_size(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise ProvenanceError(
            f"input file {str(path)!r} does not exist.",
            hint="Check the path, or leave the file out of the inputs.",
        ) from None
    except IsADirectoryError:
        raise ProvenanceError(
            f"input {str(path)!r} is a directory, not a file.",
            hint="List the files inside it instead.",
        ) from None
    except OSError as exc:
        raise ProvenanceError(f"input file {str(path)!r} cannot be read: {exc.strerror}.") from exc
    return digest.hexdigest(), size


def gather_provenance(
    *,
    packages: Iterable[str] | None = None,
    input_files: Iterable[str | Path] = (),
    repo: str | Path | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """Return the provenance record of an artifact about to be written.

    Parameters
    ----------
    packages
        Distribution names whose versions to record. By default every installed distribution
        whose name starts with ``fc-`` plus those of :data:`DEFAULT_PACKAGES` that are
        installed. Names that are not installed are left out.
    input_files
        Files the artifact was made from; each is recorded under ``str(path)`` with its
        SHA-256 digest and size, so that a later run can tell whether its inputs changed.
    repo
        A directory inside the git working tree whose state to record; by default the
        current directory. ``git`` is ``None`` when git is not installed, the directory is
        not in a repository, or the repository has no commit yet.
    command
        The command line that made the artifact, e.g. ``sys.argv``; recorded as given.

    Returns
    -------
    dict
        The record; see the module docstring for its exact shape.

    Raises
    ------
    ProvenanceError
        If an input file is missing or unreadable.
    """
    inputs: dict[str, dict[str, Any]] = {}
    for item in input_files:
        sha256, size = _hash_and_size(Path(item))
        inputs[str(item)] = {"sha256": sha256, "size": size}
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "created": created.isoformat().replace("+00:00", "Z"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": _package_versions(packages),
        "git": _git_state(Path(repo) if repo is not None else Path.cwd()),
        "inputs": inputs,
        "command": [str(arg) for arg in command] if command is not None else None,
    }


def _canonical(name: str) -> str:
    """Normalise a distribution name the way PEP 503 does (``Hydra_Core`` → ``hydra-core``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _package_versions(packages: Iterable[str] | None) -> dict[str, str]:
    installed: dict[str, str] = {}
    for dist in metadata.distributions():
        name, version = _name_and_version(dist)
        # The first distribution found on sys.path is the one that imports, as in metadata.version().
        if name and version and _canonical(name) not in installed:
            installed[_canonical(name)] = version
    if packages is None:
        wanted = sorted(name for name in installed if name.startswith("fc-"))
        wanted += [name for name in DEFAULT_PACKAGES if name in installed]
    else:
        wanted = [_canonical(name) for name in packages]
    versions = {name: installed[name] for name in wanted if name in installed}
    if skipped := [name for name in wanted if name not in installed]:
        _LOG.debug("not installed, left out of provenance: %s", ", ".join(skipped))
    return versions


def _name_and_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    """Read ``Name`` and ``Version`` from the metadata headers.

    Scanning the two header lines directly is about ten times faster than ``dist.metadata``,
    which parses every file with the e-mail parser; a full environment holds hundreds.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in headers:
            headers[key] = value.strip()
    if "Name" in headers and "Version" in headers:
        return headers["Name"], headers["Version"]
    return dist.metadata["Name"], dist.version


def _git(directory: Path, *args: str) -> str | None:
    """Run one git command in ``directory``; ``None`` on any failure."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _LOG.debug("git %s failed: %s", " ".join(args), exc)
        return None
    if done.returncode != 0:
        _LOG.debug("git %s failed: %s", " ".join(args), done.stderr.strip())
        return None
    return done.stdout.strip()


def _git_state(directory: Path) -> dict[str, Any] | None:
    if not directory.is_dir():
        _LOG.debug("%s is not a directory; no git provenance", directory)
        return None
    commit = _git(directory, "rev-parse", "--verify", "HEAD")
    if not commit:
        return None
    branch = _git(directory, "rev-parse", "--abbrev-ref", "HEAD")
    # Untracked files are not counted as dirty, as in `git describe --dirty`.
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    remote = _git(directory, "config", "--get", "remote.origin.url")
    return {
        "repository": _without_credentials(remote) if remote else None,
        "commit": commit,
        "branch": branch if branch and branch != "HEAD" else None,
        "dirty": bool(status) if status is not None else True,
    }


def _without_credentials(url: str) -> str:
    """Drop any ``user:token@`` from a remote URL, which must never end up in an artifact.

    For URLs with a scheme the whole user part goes, since a token is often given as the
    user name alone (``https://ghp_xxx@github.com/...``). An scp-like ``git@host:path`` keeps
    its user, which is not a secret, unless it carries a password.
    """
    if "://" in url:
        parts = urlsplit(url)
        if "@" in parts.netloc:
            host = parts.netloc.rsplit("@", 1)[1]
            return urlunsplit(parts._replace(netloc=host))
        return url
    user, at, rest = url.partition("@")
    if at and ":" in user:
        return rest
    return url
