"""Format migrations: v1 → v2 in memory and on disk, the same model afterwards."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from fc_config.exceptions import FormatVersionError
from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
from fc_models.checkpoint import (
    load_checkpoint,
    migrate_checkpoint,
    read_checkpoint_metadata,
    save_checkpoint,
)
from fc_models.cli import main
from fc_models.migrations import MIGRATIONS, migrate, migrate_v1_to_v2
from fc_models.model import ForecastModel
from fc_utils.artifact import read_artifact, write_artifact

from .tiny_models import make_real_model, physical_state

V2_ONLY = ("processing", "tensors", "parameter_count")


def _write_v1(model: ForecastModel, path: Path) -> Path:
    """Write ``model`` as fc-models wrote it in format 1 (format 2 without its new keys)."""
    current = save_checkpoint(
        model,
        path.with_suffix(".v2"),
        dataset_uuid="5f0c2d1e-8a43-4b7e-9a54-6f1d2c3b4a59",
        grid={"type": "unstructured", "number_of_points": 6},
    )
    artifact = read_artifact(current)
    document = {k: v for k, v in artifact.metadata.items() if k not in V2_ONLY}
    document["format_version"] = 1
    return write_artifact(path, kind="checkpoint", metadata=document, tensors=artifact.tensors)


def _v1_document() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    document = {"format_version": 1, "kind": "checkpoint", "variables": ["a"]}
    tensors = {
        "model/network.weight": np.ones((3, 4), np.float32),
        "model/network.steps": np.zeros((), np.int64),  # an integer buffer: not a parameter
        "graph/nodes/data/coords": np.zeros((7, 2), np.float32),
    }
    return document, tensors


def test_v1_to_v2_adds_processing_inventory_and_parameter_count() -> None:
    document, tensors = _v1_document()
    before = copy.deepcopy(document)
    migrated, same_tensors = migrate_v1_to_v2(document, tensors)
    assert document == before  # the input is left alone
    assert migrated["format_version"] == 2
    assert migrated["processing"] == {
        "normaliser": {"default": "mean-std", "per_variable": {}},
        "imputer": None,
        "bounding": [],
    }
    assert migrated["tensors"]["model/network.weight"] == {"shape": [3, 4], "dtype": "float32"}
    assert migrated["tensors"]["model/network.steps"] == {"shape": [], "dtype": "int64"}
    assert migrated["parameter_count"] == 12
    assert same_tensors.keys() == tensors.keys()


def test_every_older_version_has_a_migration() -> None:
    assert sorted(MIGRATIONS) == list(range(1, CHECKPOINT_FORMAT_VERSION))


def test_migrate_runs_the_chain_and_reports_it() -> None:
    document, tensors = _v1_document()
    result = migrate(document, tensors)
    assert result.from_version == 1
    assert result.applied == ["migrate_v1_to_v2"]
    assert result.document["format_version"] == CHECKPOINT_FORMAT_VERSION
    again = migrate(result.document, result.tensors)
    assert not again.changed


def test_migrate_refuses_a_newer_format() -> None:
    with pytest.raises(FormatVersionError, match="upgrade fc-models"):
        migrate({"kind": "checkpoint", "format_version": CHECKPOINT_FORMAT_VERSION + 1}, {})


def test_a_v1_file_loads_migrated_in_memory(tmp_path: Path) -> None:
    model = make_real_model()
    path = _write_v1(model, tmp_path / "old.fc")
    loaded = load_checkpoint(path)
    assert loaded.metadata is not None
    assert loaded.metadata.format_version == CHECKPOINT_FORMAT_VERSION
    assert read_checkpoint_metadata(path).parameter_count == model.parameter_count()
    x = physical_state()
    assert torch.equal(loaded.step(x), model.step(x))
    assert read_artifact(path).metadata["format_version"] == 1  # the file is untouched


def test_migrate_rewrites_the_file_and_keeps_the_model(tmp_path: Path) -> None:
    model = make_real_model()
    path = _write_v1(model, tmp_path / "old.fc")
    result = migrate_checkpoint(path)
    assert result.from_version == 1 and result.changed
    rewritten = read_artifact(path)
    assert rewritten.metadata["format_version"] == CHECKPOINT_FORMAT_VERSION
    x = physical_state()
    assert torch.equal(load_checkpoint(path).step(x), model.step(x))


def test_cli_migrate_dry_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_v1(make_real_model(), tmp_path / "old.fc")
    before = path.read_bytes()
    assert main(["migrate", str(path), "--dry-run"]) == 0
    assert "is in format 1; would migrate it to format 2" in capsys.readouterr().out
    assert path.read_bytes() == before


def test_cli_migrate_to_another_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write_v1(make_real_model(), tmp_path / "old.fc")
    out = tmp_path / "new.fc"
    assert main(["migrate", str(path), "--out", str(out)]) == 0
    assert "from format 1 to 2 (migrate_v1_to_v2)" in capsys.readouterr().out
    assert read_artifact(out).metadata["format_version"] == 2
    assert read_artifact(path).metadata["format_version"] == 1
    assert main(["migrate", str(out)]) == 0
    assert "already in the current format" in capsys.readouterr().out


# --- the committed format-1 file (tests/fixtures/make_checkpoint_v1.py made it) ---------------

FIXTURE = Path(__file__).parent / "fixtures" / "checkpoint_v1.fc"


def _fixture_input() -> torch.Tensor:
    return physical_state(batch=1, steps=1)


def test_fixture_is_format_1() -> None:
    stored = read_artifact(FIXTURE)
    assert stored.metadata["format_version"] == 1
    assert not set(V2_ONLY) & set(stored.metadata)


def test_fixture_loads_migrated_in_memory() -> None:
    model = load_checkpoint(FIXTURE)
    assert model.metadata is not None
    assert model.metadata.format_version == CHECKPOINT_FORMAT_VERSION
    assert model.processing.normaliser.default == "mean-std"
    assert model.processing.bounding == []
    stored = read_artifact(FIXTURE).tensors
    for key, value in model.state_dict().items():
        assert np.array_equal(value.numpy(), stored["model/" + key]), key
    assert torch.isfinite(model.step(_fixture_input())).all()


def test_fixture_migrated_on_disk_gives_the_same_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "migrated.fc"
    assert main(["migrate", str(FIXTURE), "--out", str(out)]) == 0
    migrated = read_artifact(out)
    assert migrated.metadata["format_version"] == CHECKPOINT_FORMAT_VERSION
    assert migrated.metadata["uuid"] == read_artifact(FIXTURE).metadata["uuid"]
    assert main(["validate", str(out)]) == 0
    x = _fixture_input()
    in_memory = load_checkpoint(FIXTURE).step(x)
    assert torch.equal(load_checkpoint(out).step(x), in_memory)
