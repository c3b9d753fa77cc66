"""``fc-models inspect`` and ``validate``: what they report, and their exit statuses."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
from fc_models.checkpoint import save_checkpoint
from fc_models.cli import main
from fc_utils.artifact import read_artifact, write_artifact

from .tiny_models import make_real_model

DATASET_UUID = "5f0c2d1e-8a43-4b7e-9a54-6f1d2c3b4a59"
GRAPH_METADATA: dict[str, Any] = {
    "format_version": 1,
    "kind": "graph",
    "nodes": {"data": {"count": 6}, "hidden": {"count": 3}},
    "edges": [
        {"source": "data", "name": "to", "target": "hidden", "count": 6},
        {"source": "hidden", "name": "to", "target": "hidden", "count": 6},
        {"source": "hidden", "name": "to", "target": "data", "count": 6},
    ],
    "hash": "sha256:" + "cd" * 32,
    "dataset_uuid": DATASET_UUID,
    "provenance": {
        "created": "2024-05-01T12:00:00Z",
        "python": "3.11.7",
        "platform": "Linux",
    },
}


PARAMETERS = make_real_model().parameter_count()


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    model = make_real_model(bounding=[{"kind": "relu", "variables": ["tp"]}])
    return save_checkpoint(
        model,
        tmp_path / "model.fc",
        dataset_uuid=DATASET_UUID,
        grid={"type": "unstructured", "number_of_points": 6},
        graph_metadata=GRAPH_METADATA,
        tracking_run_id="run-42",
    )


def test_inspect_json(checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(checkpoint), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format_version"] == CHECKPOINT_FORMAT_VERSION
    assert info["variables"] == {
        "order": ["z", "2t", "sst", "lsm", "tp", "cp"],
        "prognostic": ["z", "2t", "sst"],
        "forcing": ["lsm"],
        "diagnostic": ["tp", "cp"],
    }
    assert info["grid"] == {"type": "unstructured", "number_of_points": 6}
    assert (info["timestep"], info["multistep_input"]) == ("6h", 2)
    assert info["parameter_count"] == PARAMETERS
    assert info["graph"] == {
        "nodes": {"data": 6, "hidden": 3},
        "edges": [
            {"source": "data", "name": "to", "target": "hidden", "count": 6},
            {"source": "hidden", "name": "to", "target": "hidden", "count": 6},
            {"source": "hidden", "name": "to", "target": "data", "count": 6},
        ],
        "hash": "sha256:" + "cd" * 32,
    }
    assert info["processing"]["bounding"] == [{"kind": "relu", "variables": ["tp"]}]
    assert info["tracking_run_id"] == "run-42"
    assert info["dataset_uuid"] == DATASET_UUID
    assert "fc-models" in info["provenance"]["packages"]
    assert info["required_versions"]["fc-models"].startswith(">=")


def test_inspect_text(checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    assert "prognostic   3: z, 2t, sst" in out
    assert "forcing      1: lsm" in out
    assert "timestep     6h, 2 input step(s)" in out
    assert f"parameters   {PARAMETERS:,}" in out
    assert "graph nodes  data 6, hidden 3" in out
    assert "graph edges  hidden -to-> data: 6" in out
    assert f"format       {CHECKPOINT_FORMAT_VERSION}\n" in out


def test_validate_reports_each_check(checkpoint: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(checkpoint)]) == 0
    out = capsys.readouterr().out
    assert "ok  container: members and checksums are valid" in out
    assert "ok  graph: 2 node set(s) and 3 edge set(s) match the graph metadata" in out
    tensors = len(make_real_model().state_dict())
    assert (
        f"ok  network: the {tensors} model tensors fit the network built from the config "
        f"({PARAMETERS:,} parameters)" in out
    )
    assert out.rstrip().endswith("valid")


def test_validate_catches_a_graph_that_disagrees_with_its_metadata(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = read_artifact(checkpoint)
    metadata = dict(artifact.metadata)
    metadata["graph"] = {
        **metadata["graph"],
        "nodes": {"data": {"count": 7}, "hidden": {"count": 3}},
    }
    bad = write_artifact(
        tmp_path / "bad.fc", kind="checkpoint", metadata=metadata, tensors=artifact.tensors
    )
    assert main(["validate", str(bad), "--no-build"]) == 5
    err = " ".join(capsys.readouterr().err.split())
    assert "node set 'data': 6 stored, 7 in the metadata" in err


def test_validate_refuses_a_pickle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "model.ckpt"
    path.write_bytes(pickle.dumps({"state_dict": {}}))
    assert main(["validate", str(path)]) == 5
    err = capsys.readouterr().err
    assert "is a Python pickle" in " ".join(err.split())  # the paragraph is wrapped
    assert "Traceback" not in err


def test_inspect_a_missing_file_is_one_readable_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["inspect", str(tmp_path / "nope.fc")]) == 5
    assert "does not exist" in " ".join(capsys.readouterr().err.split())


def test_inspect_reports_an_old_format(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = read_artifact(checkpoint)
    document = {
        k: v
        for k, v in artifact.metadata.items()
        if k not in ("processing", "tensors", "parameter_count")
    }
    old = write_artifact(
        tmp_path / "old.fc",
        kind="checkpoint",
        metadata={**document, "format_version": 1},
        tensors=artifact.tensors,
    )
    assert main(["inspect", str(old), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["format_version"] == 1
    assert main(["inspect", str(old)]) == 0
    assert "format       1 (older than 2: run `fc-models migrate`)" in capsys.readouterr().out
    assert main(["validate", str(old), "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert "format: 1, migrated in memory to 2" in checks[1]
