"""The fc model checkpoint: one pickle-free file that holds everything needed to run a model.

The file is an fc artifact container (:mod:`fc_utils.artifact`: a zip of a checksummed manifest,
``metadata.json`` and ``tensors.safetensors``, written atomically) of kind ``checkpoint``:

``metadata.json``
    A :class:`fc_config.metadata.checkpoint.CheckpointMetadata` document: format version, the
    model config, variables and roles, statistics, processing, timestep, input steps, grid,
    graph metadata, dataset, training config, provenance, required package versions and an
    inventory of the tensors.
``tensors.safetensors``
    ``model/<key>`` for each entry of the model's state dict, and ``graph/<name>`` for the
    graph (the names of :meth:`fc_models.graph.GraphTensors.to_flat`).

Loading rebuilds the network from the stored config (:func:`fc_models.network.build_network`)
and loads the state dict strictly; it never unpickles, and refuses pickles and ``torch.save``
files with a message saying what to do. The full specification is ``docs/formats/checkpoint.md``.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fc_config.errors import validate
from fc_config.exceptions import FormatVersionError
from fc_config.metadata.checkpoint import CheckpointMetadata
from fc_config.versioning import CHECKPOINT_FORMAT_VERSION
from fc_models.checkpoint_security import refuse_unsafe_file
from fc_models.exceptions import CheckpointError
from fc_models.migrations import MigrationResult, migrate
from fc_utils.artifact import read_artifact, read_metadata, write_artifact
from fc_utils.provenance import gather_provenance

if TYPE_CHECKING:
    import torch

    from fc_models.model import ForecastModel

__all__ = [
    "GRAPH_PREFIX",
    "KIND",
    "MODEL_PREFIX",
    "CheckpointContents",
    "load_checkpoint",
    "migrate_checkpoint",
    "model_from_contents",
    "read_checkpoint",
    "read_checkpoint_metadata",
    "required_versions",
    "save_checkpoint",
]

_LOG = logging.getLogger(__name__)

#: The artifact kind of checkpoints.
KIND = "checkpoint"
#: Prefix of the state-dict tensors in ``tensors.safetensors``.
MODEL_PREFIX = "model/"
#: Prefix of the graph tensors in ``tensors.safetensors``.
GRAPH_PREFIX = "graph/"

_REQUIRED_PACKAGES = ("fc-models", "fc-config", "fc-utils")


@dataclass
class CheckpointContents:
    """A checkpoint read into memory, in the current format, before any model is built.

    Attributes
    ----------
    metadata
        The validated metadata.
    tensors
        Every tensor by name (``model/...`` and ``graph/...``) as numpy arrays.
    migration
        What was done to bring the file to the current format.
    path
        The file it came from.
    extra_json
        Further JSON documents of the container, kept as they are by a migration.
    """

    metadata: CheckpointMetadata
    tensors: dict[str, np.ndarray]
    migration: MigrationResult
    path: Path
    extra_json: dict[str, Any]


# --- saving -----------------------------------------------------------------------------------


def required_versions() -> dict[str, str]:
    """Version ranges of fc-models, fc-config and fc-utils that read what this installation writes.

    From the installed versions: ``>=0.1,<0.2`` for 0.1.x (a 0.x minor release may change the
    format), ``>=1.2,<2`` from 1.0 on.
    """
    ranges: dict[str, str] = {}
    for name in _REQUIRED_PACKAGES:
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        parts = [int(p) if p.isdigit() else 0 for p in installed.split(".")[:2]] + [0, 0]
        major, minor = parts[0], parts[1]
        upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
        ranges[name] = f">={major}.{minor},<{upper}"
    return ranges


def save_checkpoint(
    model: ForecastModel,
    path: str | Path,
    *,
    dataset_uuid: str | uuid_module.UUID | None = None,
    grid: Mapping[str, Any] | Any | None = None,
    dataset_recipe: Mapping[str, Any] | None = None,
    variables_metadata: Mapping[str, Any] | None = None,
    graph_metadata: Mapping[str, Any] | Any | None = None,
    training: Mapping[str, Any] | None = None,
    tracking_run_id: str | None = None,
    input_files: Iterable[str | Path] = (),
    command: list[str] | None = None,
) -> Path:
    """Write ``model`` as an fc checkpoint at ``path`` (atomically) and return the path.

    The keyword arguments describe where the model came from; for a model obtained from
    :func:`load_checkpoint`, each one left out is taken from the checkpoint it was loaded from.

    Parameters
    ----------
    model
        The model to save.
    path
        Destination file (``.fc`` by convention); its directory must exist.
    dataset_uuid
        ``uuid`` of the training dataset (required for a new model).
    grid
        The grid (a :class:`~fc_config.common.GridDescription` or mapping; required for a
        new model), e.g. the dataset's ``grid`` attribute.
    dataset_recipe
        The dataset's recipe, to trace the model to its data.
    variables_metadata
        Per-variable metadata (units, GRIB keys) by name, used to write forecasts.
    graph_metadata
        The metadata of the graph file the model was trained with.
    training
        The resolved training config.
    tracking_run_id
        Id of the experiment-tracking run.
    input_files
        Files to fingerprint in the provenance (e.g. the graph file).
    command
        The command line that made the checkpoint, for the provenance.

    Raises
    ------
    CheckpointError
        When ``dataset_uuid`` or ``grid`` is missing for a new model.
    ConfigError
        When the assembled metadata does not validate (the message names the field).
    """
    previous = model.metadata
    if dataset_uuid is None and previous is not None:
        dataset_uuid = previous.dataset_uuid
    if grid is None and previous is not None:
        grid = previous.grid
    missing = [n for n, v in (("dataset_uuid", dataset_uuid), ("grid", grid)) if v is None]
    if missing:
        raise CheckpointError(
            f"save_checkpoint needs {' and '.join(missing)} to describe the model's data.",
            hint="Pass them from the training dataset's metadata (its uuid and grid).",
        )

    def _or_previous(value: Any, field: str, default: Any) -> Any:
        if value is not None:
            return _jsonable(value)
        if previous is not None:
            return _jsonable(getattr(previous, field))
        return default

    arrays, inventory = _model_tensors(model)
    document: dict[str, Any] = {
        "format_version": CHECKPOINT_FORMAT_VERSION,
        "kind": KIND,
        "uuid": str(uuid_module.uuid4()),
        "model": _jsonable(model.config),
        **model.indices.to_dict(),
        "variables_metadata": _or_previous(variables_metadata, "variables_metadata", {}),
        "statistics": model.statistics.model_dump(mode="json"),
        "timestep": model.timestep,
        "multistep_input": model.multistep,
        "grid": _jsonable(grid),
        "graph": _or_previous(graph_metadata, "graph", None),
        "dataset_uuid": str(dataset_uuid),
        "dataset_recipe": _or_previous(dataset_recipe, "dataset_recipe", {}),
        "training": _or_previous(training, "training", {}),
        "provenance": gather_provenance(input_files=input_files, command=command),
        "tracking_run_id": tracking_run_id
        if tracking_run_id is not None
        else (previous.tracking_run_id if previous is not None else None),
        "required_versions": required_versions(),
        "processing": model.processing.model_dump(mode="json"),
        "tensors": inventory,
        "parameter_count": model.parameter_count(),
    }
    metadata = validate(CheckpointMetadata, document, source="the checkpoint metadata")
    written = write_artifact(
        path, kind=KIND, metadata=metadata.model_dump(mode="json"), tensors=arrays
    )
    _LOG.info(
        "wrote checkpoint %s (%d parameters, format %d)",
        written,
        metadata.parameter_count,
        CHECKPOINT_FORMAT_VERSION,
    )
    return written


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid_module.UUID):
        return str(value)
    return value


def _model_tensors(
    model: ForecastModel,
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, Any]]]:
    import torch

    arrays: dict[str, np.ndarray] = {}
    inventory: dict[str, dict[str, Any]] = {}

    def add(name: str, tensor: torch.Tensor) -> None:
        value = tensor.detach().cpu()
        dtype = str(value.dtype).removeprefix("torch.")
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16: stored as float32
            value = value.to(torch.float32)
        arrays[name] = value.contiguous().numpy()
        inventory[name] = {"shape": list(value.shape), "dtype": dtype}

    for key, tensor in model.state_dict().items():
        add(MODEL_PREFIX + key, tensor)
    for key, tensor in model.graph.to_flat(GRAPH_PREFIX).items():
        add(key, tensor)
    return arrays, inventory


# --- reading ----------------------------------------------------------------------------------


def _check_newer(document: Mapping[str, Any], where: str) -> None:
    """Refuse a newer format, naming the fc-models version the file asks for."""
    found = document.get("format_version")
    if not isinstance(found, int) or isinstance(found, bool) or found <= CHECKPOINT_FORMAT_VERSION:
        return
    from fc_models import __version__

    needed = document.get("required_versions", {})
    wanted = needed.get("fc-models") if isinstance(needed, Mapping) else None
    requirement = f"fc-models{wanted}" if isinstance(wanted, str) else "a newer fc-models"
    raise FormatVersionError(
        f"{where} is in checkpoint format {found}, newer than the format "
        f"{CHECKPOINT_FORMAT_VERSION} that fc-models {__version__} reads: it needs "
        f"{requirement}.",
        hint=f"Upgrade, e.g. pip install --upgrade '{requirement}'"
        if isinstance(wanted, str)
        else "Upgrade: pip install --upgrade fc-models",
    )


def read_checkpoint(path: str | Path) -> CheckpointContents:
    """Read a checkpoint's metadata and tensors, migrated in memory to the current format.

    Nothing is built and torch is not needed: this is what ``fc-models validate`` and
    ``migrate`` work on.

    Raises
    ------
    UnsafeCheckpointError
        When the file is a pickle, a ``torch.save`` file or a Lightning ``.ckpt``.
    ArtifactError
        When the file is missing, corrupt, fails a checksum or is not a checkpoint.
    FormatVersionError
        When it was written in a newer format (the message names the fc-models it needs).
    ConfigError
        When its metadata does not validate.
    CheckpointError
        When the stored tensors differ from the metadata's inventory.
    """
    target = Path(path)
    refuse_unsafe_file(target)
    artifact = read_artifact(target, kind=KIND)
    where = str(target)
    _check_newer(artifact.metadata, where)
    result = migrate(artifact.metadata, artifact.tensors, source=where)
    if result.changed:
        _LOG.info(
            "%s is in checkpoint format %d; migrated in memory (run `fc-models migrate` to "
            "rewrite it)",
            where,
            result.from_version,
        )
    metadata = validate(CheckpointMetadata, result.document, source=where)
    _check_inventory(metadata, result.tensors, where)
    return CheckpointContents(metadata, result.tensors, result, target, artifact.extra_json)


def read_checkpoint_metadata(path: str | Path) -> CheckpointMetadata:
    """Return a checkpoint's metadata without loading its tensors (fast, whatever the size).

    A checkpoint in an older format is migrated in memory, which reads its tensors too.
    Errors are those of :func:`read_checkpoint`.
    """
    target = Path(path)
    refuse_unsafe_file(target)
    document = read_metadata(target, kind=KIND)
    _check_newer(document, str(target))
    version_found = document.get("format_version")
    if version_found != CHECKPOINT_FORMAT_VERSION:
        return read_checkpoint(target).metadata
    return validate(CheckpointMetadata, document, source=str(target))


def _check_inventory(
    metadata: CheckpointMetadata, tensors: Mapping[str, np.ndarray], where: str
) -> None:
    listed, stored = set(metadata.tensors), set(tensors)
    problems = [
        f"tensor '{n}' is listed in the metadata but not stored" for n in sorted(listed - stored)
    ]
    problems += [
        f"tensor '{n}' is stored but not listed in the metadata" for n in sorted(stored - listed)
    ]
    for name in sorted(listed & stored):
        info, array = metadata.tensors[name], tensors[name]
        if list(array.shape) != info.shape:
            problems.append(
                f"tensor '{name}' has shape {list(array.shape)}, the metadata says {info.shape}"
            )
        stored_dtype = "float32" if info.dtype == "bfloat16" else info.dtype
        if array.dtype.name != stored_dtype:
            problems.append(
                f"tensor '{name}' is {array.dtype.name}, the metadata says {info.dtype}"
            )
    if problems:
        raise CheckpointError(
            f"{where}: the tensors do not match the metadata: "
            + "; ".join(problems[:5])
            + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            + ".",
            hint="The file was not written by fc or was altered; write it again.",
        )


def model_from_contents(
    contents: CheckpointContents, *, device: str | torch.device | None = None
) -> ForecastModel:
    """Build the model a checkpoint describes and load its tensors into it (strictly).

    Raises
    ------
    CheckpointError
        When the stored tensors do not fit the network built from the stored config (names
        or shapes), e.g. a checkpoint edited by hand or an fc-models bug.
    """
    import torch

    from fc_models.indices import DataIndices
    from fc_models.model import ForecastModel

    metadata, where = contents.metadata, str(contents.path)
    config = _model_config(metadata.model, where)
    graph_tensors = {
        name: _to_torch(array, metadata.tensors[name].dtype)
        for name, array in contents.tensors.items()
        if name.startswith(GRAPH_PREFIX)
    }
    graph = _graph_from_flat(graph_tensors)
    model = ForecastModel(
        config,
        graph=graph,
        indices=DataIndices(
            metadata.variables,
            prognostic=metadata.prognostic,
            forcing=metadata.forcing,
            diagnostic=metadata.diagnostic,
        ),
        statistics=metadata.statistics,
        timestep=metadata.timestep,
        multistep=metadata.multistep_input,
        processing=metadata.processing,
    )
    state = {
        name.removeprefix(MODEL_PREFIX): _to_torch(array, metadata.tensors[name].dtype)
        for name, array in contents.tensors.items()
        if name.startswith(MODEL_PREFIX)
    }
    _check_state(model, state, where)
    floating = {tensor.dtype for tensor in state.values() if torch.is_floating_point(tensor)}
    if len(floating) == 1:  # e.g. a model saved in bfloat16 stays in bfloat16
        model.to(floating.pop())
    model.load_state_dict(state, strict=True)
    model.metadata = metadata
    model.eval()
    if device is not None:
        model.to(torch.device(device))
    return model


def _model_config(document: Mapping[str, Any], where: str) -> Any:
    from fc_config.model import ModelConfig

    return validate(ModelConfig, document, source=f"{where} (model config)")


def _graph_from_flat(tensors: Mapping[str, torch.Tensor]) -> Any:
    from fc_models.graph import GraphTensors

    return GraphTensors.from_flat(tensors, GRAPH_PREFIX)


def _to_torch(array: np.ndarray, dtype: str) -> torch.Tensor:
    import torch

    tensor = torch.tensor(array)  # a copy: the arrays read from the file are read-only
    return tensor.to(torch.bfloat16) if dtype == "bfloat16" else tensor


def _check_state(model: ForecastModel, state: Mapping[str, torch.Tensor], where: str) -> None:
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    problems = [f"missing '{k}'" for k in expected if k not in state]
    problems += [f"unexpected '{k}'" for k in state if k not in expected]
    problems += [
        f"'{k}' has shape {tuple(v.shape)}, the network expects {expected[k]}"
        for k, v in state.items()
        if k in expected and tuple(v.shape) != expected[k]
    ]
    if problems:
        raise CheckpointError(
            f"{where}: the stored model tensors do not fit the network built from the stored "
            f"config: {'; '.join(problems[:5])}"
            + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
            + ".",
            hint="Was it written by a different fc-models with a bug, or edited? Write it again.",
        )


def load_checkpoint(path: str | Path, *, device: str | torch.device | None = None) -> ForecastModel:
    """Load a checkpoint as a :class:`~fc_models.model.ForecastModel`, in eval mode.

    Parameters
    ----------
    path
        The checkpoint file.
    device
        Where to put the model (``"cuda"``, ``"cpu"``...); by default it stays on the CPU,
        like ``torch.load``'s ``map_location``. The file is always read on the CPU first.

    Returns
    -------
    ForecastModel
        With ``model.metadata`` set to the checkpoint's (migrated) metadata.

    Raises
    ------
    UnsafeCheckpointError, ArtifactError, FormatVersionError, ConfigError, CheckpointError
        See :func:`read_checkpoint` and :func:`model_from_contents`.
    """
    return model_from_contents(read_checkpoint(path), device=device)


def migrate_checkpoint(
    path: str | Path, out: str | Path | None = None, *, dry_run: bool = False
) -> MigrationResult:
    """Rewrite a checkpoint in the current format (in place, or to ``out``).

    A checkpoint already current is left alone (and copied to ``out`` only if that differs).
    With ``dry_run`` nothing is written. The write is atomic: an interrupted migration leaves
    the original file intact.

    Returns
    -------
    MigrationResult
        ``from_version`` and the migrations applied (empty when it was current).
    """
    contents = read_checkpoint(path)
    result = contents.migration
    target = Path(out) if out is not None else contents.path
    if dry_run or (not result.changed and target == contents.path):
        return result
    write_artifact(
        target,
        kind=KIND,
        metadata=contents.metadata.model_dump(mode="json"),
        tensors=contents.tensors,
        extra_json=contents.extra_json,
    )
    _LOG.info(
        "wrote %s in checkpoint format %d (from format %d)",
        target,
        CHECKPOINT_FORMAT_VERSION,
        result.from_version,
    )
    return result
