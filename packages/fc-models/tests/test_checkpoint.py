"""The checkpoint: identical model after a round trip, metadata, refusals, security."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch

from fc_config.exceptions import ConfigError, FormatVersionError
from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
from fc_models.checkpoint import (
    load_checkpoint,
    read_checkpoint,
    read_checkpoint_metadata,
    required_versions,
    save_checkpoint,
)
from fc_models.exceptions import CheckpointError, UnsafeCheckpointError
from fc_models.model import ForecastModel
from fc_utils.artifact import read_artifact, write_artifact
from fc_utils.exceptions import ArtifactError

from .tiny_models import make_real_model, physical_state

DATASET_UUID = "5f0c2d1e-8a43-4b7e-9a54-6f1d2c3b4a59"
GRID = {"type": "unstructured", "number_of_points": 6}
BIAS = "network.decoder.extractor.linear.bias"
PROCESSING: dict[str, Any] = {
    "normaliser": {"per_variable": {"tp": "std", "cp": "std"}},
    "imputer": {"variables": {"sst": {"fill": "mean"}}},
    "bounding": [
        {"kind": "relu", "variables": ["tp"]},
        {"kind": "fraction", "variables": ["cp"], "total_variable": "tp"},
    ],
}


def _model() -> ForecastModel:
    return make_real_model(**PROCESSING)


def _save(model: ForecastModel, path: Path, **extra: Any) -> Path:
    return save_checkpoint(model, path, dataset_uuid=DATASET_UUID, grid=GRID, **extra)


def test_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    model = _model()
    x = physical_state()
    x[:, -1, 0, 2] = float("nan")  # an sst gap: imputer and mask survive the round trip
    expected = model.step(x)
    loaded = load_checkpoint(_save(model, tmp_path / "model.fc"))
    got = loaded.step(x)
    assert torch.equal(torch.nan_to_num(got, nan=-1.0), torch.nan_to_num(expected, nan=-1.0))
    assert torch.isnan(got[:, 0, 2]).all()
    assert not loaded.training  # ready for inference


def test_round_trip_keeps_everything_that_defines_the_model(tmp_path: Path) -> None:
    model = _model()
    loaded = load_checkpoint(_save(model, tmp_path / "model.fc"))
    assert loaded.indices == model.indices
    assert loaded.processing == model.processing
    assert loaded.statistics == model.statistics
    assert (loaded.timestep, loaded.multistep) == ("6h", 2)
    assert loaded.config == model.config
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert torch.equal(loaded.graph.nodes["data"]["coords"], model.graph.nodes["data"]["coords"])
    edges = ("hidden", "to", "data")
    assert torch.equal(
        loaded.graph.edges[edges]["edge_index"], model.graph.edges[edges]["edge_index"]
    )


def test_metadata_describes_the_model(tmp_path: Path) -> None:
    path = _save(
        _model(),
        tmp_path / "model.fc",
        training={"lr": 1e-3},
        tracking_run_id="run-7",
        dataset_recipe={"dates": {"start": "2020-01-01"}},
    )
    metadata = read_checkpoint_metadata(path)
    assert metadata.format_version == CHECKPOINT_FORMAT_VERSION
    assert metadata.variables == ["z", "2t", "sst", "lsm", "tp", "cp"]
    assert metadata.forcing == ["lsm"]
    assert metadata.model["num_channels"] == 4
    assert metadata.training == {"lr": 1e-3}
    assert metadata.tracking_run_id == "run-7"
    assert str(metadata.dataset_uuid) == DATASET_UUID
    assert metadata.parameter_count == sum(p.numel() for p in _model().parameters())
    assert metadata.tensors["model/" + BIAS].shape == [5]
    assert metadata.tensors["graph/nodes/data/coords"].shape == [6, 2]
    assert metadata.tensors["graph/nodes/data/coords"].dtype == "float64"
    assert metadata.required_versions["fc-models"] == ">=0.1,<0.2"
    assert "fc-models" in metadata.provenance.packages


def test_file_holds_json_and_safetensors_only(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "fc-artifact.json",
            "metadata.json",
            "tensors.safetensors",
        ]
        header = json.loads(archive.read("fc-artifact.json"))
    assert header["kind"] == "checkpoint"
    names = set(read_artifact(path).tensors)
    model_keys = {"model/" + key for key in _model().state_dict()}
    graph_keys = {
        "graph/nodes/data/coords",
        "graph/nodes/hidden/coords",
        "graph/edges/data/to/hidden/edge_index",
        "graph/edges/hidden/to/hidden/edge_index",
        "graph/edges/hidden/to/data/edge_index",
    }
    assert names == model_keys | graph_keys


def test_a_loaded_model_saves_again_with_its_provenance(tmp_path: Path) -> None:
    first = load_checkpoint(_save(_model(), tmp_path / "a.fc", tracking_run_id="run-1"))
    again = read_checkpoint_metadata(save_checkpoint(first, tmp_path / "b.fc"))
    assert str(again.dataset_uuid) == DATASET_UUID
    assert again.tracking_run_id == "run-1"
    assert again.uuid != first.metadata.uuid  # type: ignore[union-attr]  # a new file


def test_saving_a_new_model_needs_its_dataset(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="needs dataset_uuid and grid"):
        save_checkpoint(_model(), tmp_path / "model.fc")
    assert not (tmp_path / "model.fc").exists()


def test_bfloat16_weights_come_back_as_bfloat16(tmp_path: Path) -> None:
    model = _model().to(torch.bfloat16)
    loaded = load_checkpoint(_save(model, tmp_path / "model.fc"))
    weight = loaded.network.decoder.extractor.linear.weight
    assert weight.dtype == torch.bfloat16
    assert torch.equal(weight, model.network.decoder.extractor.linear.weight)


def test_device_option_places_the_model(tmp_path: Path) -> None:
    loaded = load_checkpoint(_save(_model(), tmp_path / "model.fc"), device="meta")
    assert all(p.device.type == "meta" for p in loaded.parameters())


@pytest.mark.gpu
def test_loads_onto_a_gpu(tmp_path: Path) -> None:  # pragma: no cover - needs CUDA
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    model = _model()
    loaded = load_checkpoint(_save(model, tmp_path / "model.fc"), device="cuda")
    x = physical_state()
    assert torch.allclose(loaded.step(x.cuda()).cpu(), model.step(x), atol=1e-5)


def test_metadata_is_read_without_the_tensors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _save(_model(), tmp_path / "model.fc")
    import fc_models.checkpoint

    def no_tensors(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tensors were read")

    monkeypatch.setattr(fc_models.checkpoint, "read_artifact", no_tensors)
    assert read_checkpoint_metadata(path).multistep_input == 2


def test_required_versions_are_ranges_of_the_installed_packages() -> None:
    ranges = required_versions()
    assert set(ranges) == {"fc-models", "fc-config", "fc-utils"}
    assert all(r.startswith(">=") and ",<" in r for r in ranges.values())


# --- refusals ---------------------------------------------------------------------------------


def _rewrite(path: Path, out: Path, change: Any) -> Path:
    artifact = read_artifact(path)
    metadata, tensors = dict(artifact.metadata), dict(artifact.tensors)
    change(metadata, tensors)
    return write_artifact(out, kind="checkpoint", metadata=metadata, tensors=tensors)


def test_newer_format_names_the_fc_models_it_needs(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")

    def newer(metadata: dict[str, Any], tensors: dict[str, Any]) -> None:
        metadata["format_version"] = CHECKPOINT_FORMAT_VERSION + 1
        metadata["required_versions"] = {"fc-models": ">=0.7,<0.8"}
        metadata["a_new_section"] = {}

    future = _rewrite(path, tmp_path / "future.fc", newer)
    for reader in (load_checkpoint, read_checkpoint_metadata):
        with pytest.raises(FormatVersionError) as info:
            reader(future)
        text = str(info.value)
        assert f"checkpoint format {CHECKPOINT_FORMAT_VERSION + 1}, newer than" in text
        assert "it needs fc-models>=0.7,<0.8" in text
        assert info.value.exit_code == 4


def test_corrupt_tensors_fail_their_checksum(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("tensors.safetensors")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.file_size - 3] ^= 0xFF  # a byte of the last tensor's values
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"checksum|corrupt"):
        load_checkpoint(path)


def test_tensors_must_match_the_inventory(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")

    def drop(metadata: dict[str, Any], tensors: dict[str, Any]) -> None:
        del tensors["model/" + BIAS]

    with pytest.raises(CheckpointError, match=rf"'model/{BIAS}' is listed .* not stored"):
        load_checkpoint(_rewrite(path, tmp_path / "bad.fc", drop))


def test_tensors_must_fit_the_network(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")

    def rename(metadata: dict[str, Any], tensors: dict[str, Any]) -> None:
        tensors["model/renamed"] = tensors.pop("model/" + BIAS)
        inventory = metadata["tensors"]
        inventory["model/renamed"] = inventory.pop("model/" + BIAS)

    with pytest.raises(CheckpointError, match=rf"missing '{BIAS}'; unexpected 'renamed'"):
        load_checkpoint(_rewrite(path, tmp_path / "bad.fc", rename))


def test_invalid_metadata_names_the_field(tmp_path: Path) -> None:
    path = _save(_model(), tmp_path / "model.fc")

    def bad(metadata: dict[str, Any], tensors: dict[str, Any]) -> None:
        metadata["multistep_input"] = 0

    with pytest.raises(ConfigError, match="multistep_input"):
        load_checkpoint(_rewrite(path, tmp_path / "bad.fc", bad))


class _Boom:
    """Unpickling this creates the marker file: proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.fc"
    path.write_bytes(pickle.dumps(_Boom(marker)))
    for reader in (load_checkpoint, read_checkpoint_metadata):
        with pytest.raises(UnsafeCheckpointError, match="is a Python pickle") as info:
            reader(path)
        assert "fc never unpickles" in str(info.value)
    assert not marker.exists()


def test_a_torch_save_or_lightning_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "last.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}, "callback": _Boom(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match=r"written by torch\.save") as info:
        load_checkpoint(path)
    assert "export an inference checkpoint from it with fc-training" in str(info.value)
    assert not marker.exists()


def test_an_fc_file_with_a_smuggled_pickle_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = _save(_model(), tmp_path / "model.fc")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("extra/model.pkl", pickle.dumps(_Boom(marker)))
    with pytest.raises(UnsafeCheckpointError, match=r"pickled member\(s\) \(extra/model.pkl\)"):
        read_checkpoint(path)
    assert not marker.exists()


def test_a_graph_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = write_artifact(tmp_path / "graph.fc", kind="graph", metadata={"kind": "graph"})
    with pytest.raises(ArtifactError, match="expected a checkpoint, got a graph"):
        load_checkpoint(path)
