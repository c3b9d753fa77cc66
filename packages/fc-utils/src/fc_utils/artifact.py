"""The fc artifact container: one file of JSON metadata and tensors, never a pickle.

Checkpoints and graphs are stored in this container. It is a zip file whose members are stored
uncompressed (``ZIP_STORED``, so that tensors are read at disk speed):

``fc-artifact.json``
    The container header: ``container_version``, the artifact ``kind`` (``checkpoint``,
    ``graph``...), ``created`` (UTC), ``writer`` and ``members``, a manifest giving the
    ``sha256`` and ``size`` of every other member.
``metadata.json``
    The artifact's metadata, validated by the ``fc_config`` schema of its kind.
``tensors.safetensors``
    The arrays, in the safetensors format.
``extra/<name>.json``
    Optional further JSON documents (a recipe, a resolved config...).

Reading refuses any member that is not one of these, so that a file cannot smuggle in code;
nothing in the container is ever unpickled or executed. Writing is atomic: the file appears
complete at its path, or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load as _load_tensors
from safetensors.numpy import save as _save_tensors

from fc_config.exceptions import FormatVersionError
from fc_utils.exceptions import ArtifactError

__all__ = [
    "CONTAINER_VERSION",
    "Artifact",
    "read_artifact",
    "read_metadata",
    "write_artifact",
]

_LOG = logging.getLogger(__name__)

#: Version of the container layout this module writes and the newest it reads.
CONTAINER_VERSION = 1

_HEADER = "fc-artifact.json"
_METADATA = "metadata.json"
_TENSORS = "tensors.safetensors"
_EXTRA_RE = re.compile(r"extra/(?P<name>[A-Za-z0-9_][A-Za-z0-9_.-]*)\.json")
_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_KIND_RE = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class Artifact:
    """The contents of an artifact file.

    Attributes
    ----------
    kind
        What the artifact is: ``"checkpoint"``, ``"graph"``...
    metadata
        The contents of ``metadata.json``.
    header
        The container header (``container_version``, ``kind``, ``created``, ``writer``,
        ``members``).
    tensors
        The arrays by name.
    extra_json
        Further JSON documents by name.
    """

    kind: str
    metadata: dict[str, Any]
    header: dict[str, Any]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)
    extra_json: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Writing


def write_artifact(
    path: str | Path,
    *,
    kind: str,
    metadata: Mapping[str, Any],
    tensors: Mapping[str, np.ndarray] | None = None,
    extra_json: Mapping[str, Any] | None = None,
) -> Path:
    """Write an artifact file atomically and return its path.

    The container is first written to a temporary file in the destination directory, flushed
    to disk, then renamed over ``path``; an interrupted or failing write therefore leaves no
    partial file behind and does not damage a file already at ``path``.

    Parameters
    ----------
    path
        Destination file; its directory must exist.
    kind
        What the artifact is (lower case, e.g. ``"checkpoint"``), checked again on reading.
    metadata
        JSON-serialisable mapping (strings as keys; no NaN or infinity; tuples become lists).
    tensors
        Arrays by name, stored with safetensors. Numeric and boolean dtypes only.
    extra_json
        Further JSON documents by name (letters, digits, ``_``, ``.``, ``-``).

    Raises
    ------
    ArtifactError
        If an argument cannot be stored (the message names the offending key), or the file
        cannot be written.
    """
    target = Path(path)
    if not isinstance(kind, str) or not _KIND_RE.fullmatch(kind):
        raise ArtifactError(
            f"artifact kind {kind!r} is not valid.",
            hint="Use a lower-case word such as 'checkpoint' or 'graph'.",
        )
    members: dict[str, bytes] = {_METADATA: _encode_json(metadata, "metadata")}
    for name, document in (extra_json or {}).items():
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise ArtifactError(
                f"extra JSON name {name!r} is not valid.",
                hint="Use letters, digits, '_', '.' and '-' only.",
            )
        members[f"extra/{name}.json"] = _encode_json(document, f"extra_json.{name}")
    members[_TENSORS] = _encode_tensors(tensors or {})

    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    header = {
        "container_version": CONTAINER_VERSION,
        "kind": kind,
        "created": created.isoformat().replace("+00:00", "Z"),
        "writer": f"fc-utils {_own_version()}",
        "members": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in members.items()
        },
    }
    members[_HEADER] = _encode_json(header, "header")

    directory = target.parent
    if not directory.is_dir():
        raise ArtifactError(
            f"cannot write {str(target)!r}: directory {str(directory)!r} does not exist.",
            hint="Create it first.",
        )
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
                for name, data in members.items():
                    info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
                    info.compress_type = zipfile.ZIP_STORED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data)
            stream.flush()
            os.fsync(stream.fileno())
        temp.chmod(_default_mode())
        temp.replace(target)  # os.replace: atomic on POSIX and Windows
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise ArtifactError(f"cannot write {str(target)!r}: {exc}.") from exc
        raise
    _fsync_directory(directory)
    _LOG.debug("wrote %s artifact %s", kind, target)
    return target


def _encode_json(document: Any, where: str) -> bytes:
    if not isinstance(document, Mapping):
        raise ArtifactError(
            f"{where} must be a mapping (a JSON object), not {type(document).__name__}."
        )
    _check_json(document, where)
    return json.dumps(document, allow_nan=False, ensure_ascii=False, indent=1).encode()


def _check_json(value: Any, where: str) -> None:
    """Raise an ArtifactError naming the dotted key of the first value JSON cannot hold."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArtifactError(
                f"{where} is {value}, which JSON cannot hold.",
                hint="Store NaN or infinity as null or as a string.",
            )
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ArtifactError(
                    f"{where} has key {key!r} of type {type(key).__name__}; JSON keys are strings.",
                    hint="Convert the key to a string.",
                )
            _check_json(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]")
        return
    hint = (
        "Convert numpy values with .item() or .tolist(), or store arrays as tensors."
        if isinstance(value, np.generic | np.ndarray)
        else "Convert it to a string, number, boolean, list or mapping."
    )
    raise ArtifactError(
        f"{where} is a {type(value).__name__}, which is not JSON-serialisable.", hint=hint
    )


def _encode_tensors(tensors: Mapping[str, np.ndarray]) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    for name, array in tensors.items():
        if not isinstance(name, str) or not name:
            raise ArtifactError(f"tensor name {name!r} is not a non-empty string.")
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
            what = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
            raise ArtifactError(
                f"tensor '{name}' is {what}; only numeric and boolean numpy arrays can be stored.",
                hint="Convert it with numpy.asarray(..., dtype=...) first.",
            )
        arrays[name] = np.ascontiguousarray(array)
    try:
        return _save_tensors(arrays)
    except (SafetensorError, ValueError, TypeError) as exc:
        raise ArtifactError(f"tensors cannot be stored: {exc}.") from exc


def _own_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fc-utils")
    except PackageNotFoundError:
        return "unknown"


def _default_mode() -> int:
    """Permissions a newly created file gets under the process umask (mkstemp uses 0600)."""
    umask = 0o022
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; best effort, as not every platform can open directories."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------------------------
# Reading


def read_artifact(path: str | Path, *, kind: str | None = None, verify: bool = True) -> Artifact:
    """Read an artifact file, metadata and tensors.

    Parameters
    ----------
    path
        The artifact file.
    kind
        The kind expected (``"checkpoint"``...); a file of another kind is refused.
    verify
        Check every member against the SHA-256 digest in the manifest, which catches
        corruption that would otherwise surface much later as wrong numbers.

    Raises
    ------
    ArtifactError
        If the file is missing, not a zip file, truncated, lacks a member, holds a member
        that is not part of the format, fails its checksum, or is of another kind.
    FormatVersionError
        If the file was written by a newer, incompatible version of fc-utils.
    """
    return _read(Path(path), kind=kind, verify=verify, with_tensors=True)


def read_metadata(
    path: str | Path, *, kind: str | None = None, verify: bool = True
) -> dict[str, Any]:
    """Return the metadata of an artifact without loading its tensors.

    Only the JSON members are read, which makes this fast even for a checkpoint of several
    gigabytes (e.g. to inspect it, or to check that it fits a dataset before loading it).
    Parameters and errors are those of :func:`read_artifact`; ``verify`` checks the JSON
    members only.
    """
    return _read(Path(path), kind=kind, verify=verify, with_tensors=False).metadata


def _read(path: Path, *, kind: str | None, verify: bool, with_tensors: bool) -> Artifact:
    where = f"artifact {str(path)!r}"
    if not path.is_file():
        reason = "does not exist" if not path.exists() else "is not a file"
        raise ArtifactError(f"{where} {reason}.", hint="Check the path.")
    try:
        with zipfile.ZipFile(path, "r") as archive:
            return _read_archive(
                archive, where, kind=kind, verify=verify, with_tensors=with_tensors
            )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArtifactError(
            f"{where} is not a valid fc artifact: the zip file is truncated or corrupt ({exc}).",
            hint="Copy or write it again.",
        ) from exc


def _read_archive(
    archive: zipfile.ZipFile, where: str, *, kind: str | None, verify: bool, with_tensors: bool
) -> Artifact:
    names = archive.namelist()
    if len(set(names)) != len(names):
        raise ArtifactError(f"{where} holds the same member more than once; refusing to load it.")
    if _HEADER not in names:
        raise ArtifactError(f"{where} is not an fc artifact: it has no {_HEADER}.")
    header = _decode_json(archive.read(_HEADER), where, _HEADER)
    version = header.get("container_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ArtifactError(f"{where} has an invalid container_version {version!r}.")
    if version > CONTAINER_VERSION:
        raise FormatVersionError(
            f"{where} uses container version {version}, but this fc-utils reads up to "
            f"version {CONTAINER_VERSION}.",
            hint="Upgrade fc-utils to read it.",
        )
    found_kind = header.get("kind")
    if not isinstance(found_kind, str):
        raise ArtifactError(f"{where} has no valid kind in its header.")
    if kind is not None and found_kind != kind:
        raise ArtifactError(
            f"{where} is not the right kind: expected {_a(kind)}, got {_a(found_kind)}."
        )
    manifest = _manifest(header, where)

    for name in names:
        if name != _HEADER and name not in manifest:
            raise ArtifactError(
                f"{where} holds member '{name}', which is not part of the fc artifact format; "
                "refusing to load it.",
                hint="Only load artifacts from sources you trust, and write them with fc.",
            )

    def member(name: str) -> bytes:
        if name not in names:
            raise ArtifactError(f"{where} is missing its member '{name}'.")
        expected = manifest[name]
        if archive.getinfo(name).file_size != expected["size"]:
            raise ArtifactError(
                f"{where}: member '{name}' has the wrong size; the file is corrupt."
            )
        try:
            data = archive.read(name)
        except zipfile.BadZipFile as exc:
            raise ArtifactError(
                f"{where}: member '{name}' fails its checksum or is damaged ({exc}); "
                "the file is corrupt.",
                hint="Copy or write it again.",
            ) from exc
        if verify and hashlib.sha256(data).hexdigest() != expected["sha256"]:
            raise ArtifactError(
                f"{where}: member '{name}' fails its checksum; the file is corrupt.",
                hint="Copy or write it again.",
            )
        return data

    metadata = _decode_json(member(_METADATA), where, _METADATA)
    extra: dict[str, Any] = {}
    for name in manifest:
        if match := _EXTRA_RE.fullmatch(name):
            extra[match["name"]] = _decode_json(member(name), where, name)
    tensors: dict[str, np.ndarray] = {}
    if with_tensors:
        data = member(_TENSORS)
        try:
            tensors = dict(_load_tensors(data))
        except SafetensorError as exc:
            raise ArtifactError(
                f"{where}: member '{_TENSORS}' is not valid safetensors: {exc}."
            ) from exc
    elif _TENSORS not in names:
        raise ArtifactError(f"{where} is missing its member '{_TENSORS}'.")
    return Artifact(
        kind=found_kind, metadata=metadata, header=header, tensors=tensors, extra_json=extra
    )


def _manifest(header: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    manifest = header.get("members")
    if not isinstance(manifest, dict):
        raise ArtifactError(f"{where} has no member manifest in its header.")
    for name, entry in manifest.items():
        if name not in (_METADATA, _TENSORS) and not _EXTRA_RE.fullmatch(name):
            raise ArtifactError(
                f"{where} lists member '{name}', which is not part of the fc artifact format; "
                "refusing to load it.",
                hint="Only load artifacts from sources you trust, and write them with fc.",
            )
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or not isinstance(entry.get("size"), int)
        ):
            raise ArtifactError(f"{where} has an invalid manifest entry for '{name}'.")
    for name in (_METADATA, _TENSORS):
        if name not in manifest:
            raise ArtifactError(f"{where} is missing its member '{name}' in the manifest.")
    return manifest


def _decode_json(data: bytes, where: str, name: str) -> dict[str, Any]:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not valid JSON")

    try:
        document = json.loads(data.decode("utf-8"), parse_constant=refuse)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ArtifactError(f"{where}: member '{name}' is not valid JSON ({exc}).") from exc
    if not isinstance(document, dict):
        raise ArtifactError(f"{where}: member '{name}' is not a JSON object.")
    return document


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
