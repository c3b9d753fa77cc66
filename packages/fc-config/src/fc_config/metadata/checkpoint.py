"""Metadata of an inference checkpoint: everything needed to run the model it holds.

The file format itself (members, tensor names, versions, migrations, what a reader refuses) is
specified in ``docs/formats/checkpoint.md``; fc-models reads and writes it.
"""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from fc_config.base import FcModel
from fc_config.common import GridDescription, Provenance, Statistics, VariableMetadata
from fc_config.exceptions import ConfigError
from fc_config.metadata._document import ArtifactMetadata, check_unique, check_variables_metadata
from fc_config.metadata.graph import GraphMetadata
from fc_config.model_processing import ProcessingConfig
from fc_config.scalars import Frequency
from fc_config.suggest import did_you_mean
from fc_config.versioning import CHECKPOINT_FORMAT_VERSION

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "CheckpointMetadata",
    "TensorDtype",
    "TensorInfo",
    "VariableRole",
]

VariableRole = Literal["prognostic", "forcing", "diagnostic"]
_ROLES: tuple[VariableRole, ...] = ("prognostic", "forcing", "diagnostic")

#: Element types of checkpoint tensors (torch's names).
TensorDtype = Literal[
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
]
_TENSOR_PREFIXES = ("model/", "graph/")


class TensorInfo(FcModel):
    """Shape and element type of one tensor of the checkpoint, as the model holds it."""

    shape: list[int]
    """Size of each dimension (``[]`` for a scalar)."""

    dtype: TensorDtype
    """Element type in the model. ``bfloat16`` tensors are stored as ``float32`` in the
    file (numpy, which reads safetensors here, has no bfloat16) and cast back on loading."""

    @property
    def numel(self) -> int:
        """Number of elements."""
        count = 1
        for size in self.shape:
            count *= size
        return count

    @model_validator(mode="after")
    def _sizes(self) -> TensorInfo:
        if any(size < 0 for size in self.shape):
            raise ValueError(f"shape {self.shape} has a negative size")
        return self


class CheckpointMetadata(ArtifactMetadata):
    """The ``metadata.json`` of an inference checkpoint.

    A model's tensors mean nothing without knowing which variable each channel holds, how it
    was normalised, the timestep and the grid; this document carries all of it, plus the
    configs and provenance that made the model, so that inference needs no other file.
    """

    FORMAT_KIND = "checkpoint"
    FORMAT_VERSION = CHECKPOINT_FORMAT_VERSION

    format_version: int = Field(CHECKPOINT_FORMAT_VERSION, ge=1)
    """Version of the checkpoint format this document follows."""

    kind: Literal["checkpoint"] = "checkpoint"
    """Always ``checkpoint``: tells the documents of different artifacts apart."""

    uuid: UUID
    """Unique identifier of this checkpoint; forecasts refer to it."""

    model: dict[str, Any]
    """The resolved model config (architecture and hyper-parameters)."""

    variables: list[str] = Field(min_length=1)
    """Every variable the model uses, in the order of its variable dimension: a variable's
    position in this list is its index in the model's tensors."""

    prognostic: list[str]
    """Variables that are both input and output, stepped forward in time."""

    forcing: list[str] = Field(default_factory=list)
    """Input-only variables, known in advance (insolation, orography, time features)."""

    diagnostic: list[str] = Field(default_factory=list)
    """Output-only variables (e.g. precipitation)."""

    variables_metadata: dict[str, VariableMetadata] = Field(default_factory=dict)
    """Metadata of the variables, by name, used to write outputs (e.g. GRIB keys)."""

    statistics: Statistics
    """Normalisation statistics, aligned with ``variables``."""

    timestep: Frequency
    """Time the model advances in one step, e.g. ``6h``."""

    multistep_input: int = Field(1, ge=1)
    """Number of past states (at ``timestep`` intervals) the model takes as input."""

    grid: GridDescription
    """The grid the model works on."""

    graph: GraphMetadata | None = None
    """Metadata of the graph the model was trained with; ``None`` for a model without one."""

    dataset_uuid: UUID
    """``uuid`` of the training dataset."""

    dataset_recipe: dict[str, Any] = Field(default_factory=dict)
    """The recipe of the training dataset, to trace the model back to its data."""

    training: dict[str, Any] = Field(default_factory=dict)
    """The resolved training config."""

    provenance: Provenance
    """Where and how the checkpoint was made."""

    tracking_run_id: str | None = None
    """Id of the experiment-tracking run (e.g. MLflow) that trained the model."""

    required_versions: dict[str, str] = Field(default_factory=dict)
    """Versions of the packages needed to run the model, by distribution name (``fc-models:
    ">=0.1,<0.2"``)."""

    processing: ProcessingConfig
    """Normaliser, imputer and bounding applied around the network (format 2 on; a format-1
    checkpoint is migrated to the defaults it was made with: mean-std, no imputer, no
    bounding)."""

    tensors: dict[str, TensorInfo]
    """Shape and dtype of every tensor in ``tensors.safetensors``, by name: ``model/<name>``
    for the model's state dict, ``graph/...`` for the graph (format 2 on). Lets a reader check
    a file, and show its size, without loading the tensors."""

    parameter_count: int = Field(ge=0)
    """Number of parameters of the network (format 2 on)."""

    def index_of(self, name: str) -> int:
        """Return the index of variable ``name`` in the model's tensors.

        Raises
        ------
        ConfigError
            When the model has no such variable (with the closest name).
        """
        try:
            return self.variables.index(name)
        except ValueError:
            raise ConfigError(
                f"the model has no variable {name!r}.{did_you_mean(name, self.variables)}"
            ) from None

    def indices(self, role: VariableRole) -> list[int]:
        """Return the tensor indices of the variables of one role, in the order of ``variables``."""
        members = set(getattr(self, role))
        return [i for i, name in enumerate(self.variables) if name in members]

    @model_validator(mode="after")
    def _consistent(self) -> CheckpointMetadata:
        check_unique(self.variables, "variables")
        self._check_roles()
        check_variables_metadata(self.variables_metadata, self.variables, complete=False)
        if len(self.statistics.mean) != len(self.variables):
            raise ValueError(
                f"statistics has {len(self.statistics.mean)} values per statistic "
                f"but there are {len(self.variables)} variables"
            )
        self._check_tensors()
        graph_dataset = self.graph.dataset_uuid if self.graph is not None else None
        if graph_dataset is not None and graph_dataset != self.dataset_uuid:
            raise ValueError(
                f"the graph was built for dataset {graph_dataset} "
                f"but the model was trained on dataset {self.dataset_uuid}"
            )
        return self

    def _check_roles(self) -> None:
        known = set(self.variables)
        seen: dict[str, str] = {}
        for role in _ROLES:
            names: list[str] = getattr(self, role)
            check_unique(names, role)
            for name in names:
                if name not in known:
                    raise ValueError(
                        f"{role} variable {name!r} is not in variables."
                        f"{did_you_mean(name, self.variables)}"
                    )
                if name in seen:
                    raise ValueError(f"variable {name!r} is both {seen[name]} and {role}")
                seen[name] = role
        without_role = [name for name in self.variables if name not in seen]
        if without_role:
            raise ValueError(
                f"variable(s) {', '.join(map(repr, without_role))} have no role: "
                "list each in prognostic, forcing or diagnostic"
            )
        if not self.prognostic and not self.diagnostic:
            raise ValueError("the model has no output: give prognostic or diagnostic variables")

    def _check_tensors(self) -> None:
        for name in self.tensors:
            if not name.startswith(_TENSOR_PREFIXES):
                raise ValueError(
                    f"tensor {name!r} is neither under 'model/' (the state dict) "
                    "nor under 'graph/' (the graph)"
                )
        in_model = sum(
            info.numel for name, info in self.tensors.items() if name.startswith("model/")
        )
        if self.parameter_count > in_model:
            raise ValueError(
                f"parameter_count is {self.parameter_count}, but the model's tensors hold "
                f"only {in_model} values"
            )
