"""Tests of fc_utils.artifact: the zip + JSON + safetensors container, never a pickle."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fc_utils import artifact as artifact_module
from fc_utils.artifact import CONTAINER_VERSION, read_artifact, read_metadata, write_artifact
from fc_utils.exceptions import ArtifactError, FormatVersionError

METADATA = {
    "format_version": 1,
    "model": {"layers": [4, 8], "lr": 1e-3},
    "name": "tiny",
    "ok": True,
}


def _tensors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "weights.f32": rng.standard_normal((3, 4)).astype(np.float32),
        "stats.f64": rng.standard_normal(5),
        "index.i64": np.arange(7, dtype=np.int64).reshape(7, 1),
        "mask.bool": np.array([True, False, True]),
        "empty": np.zeros((0, 2), dtype=np.float32),
    }


def _write(path: Path, **overrides: Any) -> Path:
    arguments: dict[str, Any] = {"kind": "checkpoint", "metadata": METADATA, "tensors": _tensors()}
    arguments.update(overrides)
    return write_artifact(path, **arguments)


def _rewrite(source: Path, target: Path, change: dict[str, bytes | None]) -> None:
    """Copy a zip file member by member, replacing (bytes) or dropping (None) some members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name in change:
                if change[name] is not None:
                    new.writestr(name, change[name])  # type: ignore[arg-type]
            else:
                new.writestr(name, old.read(name))
        for name, data in change.items():
            if name not in old.namelist() and data is not None:
                new.writestr(name, data)


# -- round trip -------------------------------------------------------------------------------


def test_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc", extra_json={"recipe": {"frequency": "6h"}})
    loaded = read_artifact(path, kind="checkpoint")
    assert loaded.kind == "checkpoint"
    assert loaded.metadata == METADATA
    assert loaded.extra_json == {"recipe": {"frequency": "6h"}}
    assert loaded.header["container_version"] == CONTAINER_VERSION
    assert loaded.header["created"].endswith("Z")
    expected = _tensors()
    assert set(loaded.tensors) == set(expected)
    for name, array in expected.items():
        assert loaded.tensors[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded.tensors[name], array)


def test_round_trip_without_tensors(tmp_path: Path) -> None:
    options: tuple[dict[str, np.ndarray] | None, ...] = (None, {})
    for tensors in options:
        path = write_artifact(tmp_path / "g.fc", kind="graph", metadata={}, tensors=tensors)
        loaded = read_artifact(path, kind="graph")
        assert loaded.tensors == {}
        assert loaded.metadata == {}


def test_non_contiguous_arrays_are_stored_as_seen(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4).T
    path = write_artifact(tmp_path / "a.fc", kind="graph", metadata={}, tensors={"t": array})
    np.testing.assert_array_equal(read_artifact(path).tensors["t"], array)


def test_members_are_stored_uncompressed_and_listed_in_the_manifest(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert {i.filename for i in infos} == {
            "fc-artifact.json",
            "metadata.json",
            "tensors.safetensors",
        }
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        header = json.loads(archive.read("fc-artifact.json"))
        for name, entry in header["members"].items():
            data = archive.read(name)
            assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_read_metadata_does_not_read_tensors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "model.fc")

    def forbidden(data: bytes) -> dict[str, np.ndarray]:
        raise AssertionError("tensors were loaded")

    monkeypatch.setattr(artifact_module, "_load_tensors", forbidden)
    assert read_metadata(path, kind="checkpoint") == METADATA


def test_loading_never_unpickles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "model.fc")

    def forbidden(*args: object, **kwargs: object) -> Any:
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    assert read_artifact(path).metadata == METADATA


# -- writing: validation and atomicity --------------------------------------------------------


@pytest.mark.parametrize(
    ("metadata", "key"),
    [
        ({"model": {"lr": float("nan")}}, "metadata.model.lr"),
        ({"stats": [1.0, float("inf")]}, r"metadata.stats\[1\]"),
        ({"when": object()}, "metadata.when"),
        ({"mean": np.float32(1.5)}, "metadata.mean"),
        ({"grid": {1: "a"}}, "metadata.grid"),
    ],
)
def test_metadata_that_json_cannot_hold_is_refused_naming_the_key(
    tmp_path: Path, metadata: dict[str, Any], key: str
) -> None:
    with pytest.raises(ArtifactError, match=key):
        write_artifact(tmp_path / "x.fc", kind="checkpoint", metadata=metadata)
    assert list(tmp_path.iterdir()) == []


def test_invalid_kind_tensor_and_extra_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="kind"):
        write_artifact(tmp_path / "x.fc", kind="Check Point", metadata={})
    with pytest.raises(ArtifactError, match="tensor 'names'"):
        write_artifact(
            tmp_path / "x.fc", kind="graph", metadata={}, tensors={"names": np.array(["a"])}
        )
    with pytest.raises(ArtifactError, match="extra JSON name"):
        write_artifact(tmp_path / "x.fc", kind="graph", metadata={}, extra_json={"../evil": {}})
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="does not exist"):
        _write(tmp_path / "nowhere" / "model.fc")


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(ArtifactError, match="No space left"):
        _write(tmp_path / "model.fc")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_the_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "model.fc")
    before = path.read_bytes()
    real_writestr = zipfile.ZipFile.writestr

    def interrupted(self: zipfile.ZipFile, info: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(info, "filename", info) == "tensors.safetensors":
            raise KeyboardInterrupt
        real_writestr(self, info, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _write(path, metadata={"other": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["model.fc"]
    assert path.read_bytes() == before


def test_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = _write(tmp_path / "model.fc")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640


# -- reading: refusing bad files --------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"model\.fc' does not exist"):
        read_artifact(tmp_path / "model.fc")


def test_not_a_zip_file(tmp_path: Path) -> None:
    path = tmp_path / "model.fc"
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ArtifactError, match="truncated or corrupt"):
        read_artifact(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactError, match=r"model\.fc'.*truncated"):
        read_artifact(path)


def test_flipped_byte_fails_the_checksum(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    data = bytearray(path.read_bytes())
    weights = _tensors()["weights.f32"].tobytes()
    offset = bytes(data).index(weights) + 5
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"tensors\.safetensors' fails its checksum"):
        read_artifact(path)


def test_sha256_mismatch_is_caught_even_with_a_valid_zip_crc(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    changed = tmp_path / "changed.fc"
    tampered = json.dumps({**METADATA, "name": "evil"}).encode()
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("fc-artifact.json"))
    header["members"]["metadata.json"]["size"] = len(tampered)
    _rewrite(
        path, changed, {"metadata.json": tampered, "fc-artifact.json": json.dumps(header).encode()}
    )
    with pytest.raises(ArtifactError, match=r"metadata\.json' fails its checksum"):
        read_artifact(changed)
    assert read_artifact(changed, verify=False).metadata["name"] == "evil"


def test_wrong_kind(tmp_path: Path) -> None:
    path = write_artifact(tmp_path / "graph.fc", kind="graph", metadata={})
    with pytest.raises(ArtifactError, match="expected a checkpoint, got a graph"):
        read_artifact(path, kind="checkpoint")
    with pytest.raises(ArtifactError, match="expected a checkpoint, got a graph"):
        read_metadata(path, kind="checkpoint")


def test_missing_member(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    broken = tmp_path / "broken.fc"
    _rewrite(path, broken, {"tensors.safetensors": None})
    with pytest.raises(ArtifactError, match=r"missing its member 'tensors\.safetensors'"):
        read_artifact(broken)


def test_zip_without_header_is_not_an_artifact(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ArtifactError, match="not an fc artifact"):
        read_artifact(path)


def test_injected_pickle_member_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    evil = tmp_path / "evil.fc"
    _rewrite(path, evil, {"data.pkl": pickle.dumps({"payload": 1})})
    with pytest.raises(
        ArtifactError, match=r"'data\.pkl', which is not part of the fc artifact format"
    ):
        read_artifact(evil)
    with pytest.raises(ArtifactError, match=r"data\.pkl"):
        read_metadata(evil)


def test_pickle_member_listed_in_the_manifest_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    evil = tmp_path / "evil.fc"
    payload = pickle.dumps({"payload": 1})
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("fc-artifact.json"))
    header["members"]["data.pkl"] = {
        "sha256": hashlib.sha256(payload).hexdigest(),
        "size": len(payload),
    }
    _rewrite(path, evil, {"data.pkl": payload, "fc-artifact.json": json.dumps(header).encode()})
    with pytest.raises(ArtifactError, match=r"lists member 'data\.pkl'"):
        read_artifact(evil)


def test_newer_container_version_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    newer = tmp_path / "newer.fc"
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read("fc-artifact.json"))
    header["container_version"] = CONTAINER_VERSION + 1
    _rewrite(path, newer, {"fc-artifact.json": json.dumps(header).encode()})
    with pytest.raises(FormatVersionError, match="Upgrade fc-utils"):
        read_artifact(newer)


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "model.fc")
    with (
        pytest.warns(UserWarning, match="Duplicate name"),
        zipfile.ZipFile(path, "a") as archive,
    ):
        archive.writestr("metadata.json", json.dumps({"name": "shadow"}))
    with pytest.raises(ArtifactError, match="same member more than once"):
        read_artifact(path)
