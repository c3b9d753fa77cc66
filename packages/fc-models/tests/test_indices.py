"""DataIndices: roles, positions in the three index spaces, validation, serialisation."""

from __future__ import annotations

import pytest
import torch

from fc_models.exceptions import VariablesError
from fc_models.indices import DataIndices


def _indices() -> DataIndices:
    # roles given out of dataset order on purpose: positions must follow the dataset
    return DataIndices(
        ["2t", "lsm", "tp", "z", "cos_lat"],
        prognostic=["z", "2t"],
        forcing=["cos_lat", "lsm"],
        diagnostic=["tp"],
    )


def test_roles_keep_the_dataset_order() -> None:
    idx = _indices()
    assert idx.prognostic == ("2t", "z")
    assert idx.forcing == ("lsm", "cos_lat")
    assert idx.input == ("2t", "lsm", "z", "cos_lat")
    assert idx.output == ("2t", "tp", "z")
    assert idx.role_of("tp") == "diagnostic"


def test_positions_in_each_space() -> None:
    idx = _indices()
    assert idx.index_of("z") == 3
    assert idx.index_of("z", "input") == 2
    assert idx.index_of("z", "output") == 2
    assert idx.positions(["tp", "2t"], "output") == [1, 0]


def test_index_tensors_map_between_spaces() -> None:
    idx = _indices()
    full = torch.arange(5.0)  # the value of each variable is its dataset position
    assert full[idx.full_to_input].tolist() == [0, 1, 3, 4]
    assert full[idx.full_to_output].tolist() == [0, 2, 3]
    inputs = full[idx.full_to_input]
    outputs = full[idx.full_to_output]
    # prognostic positions pair each variable's input channel with its output channel
    assert torch.equal(inputs[idx.prognostic_input], outputs[idx.prognostic_output])
    assert inputs[idx.forcing_input].tolist() == [1, 4]
    assert outputs[idx.diagnostic_output].tolist() == [2]
    assert idx.full_to_input.dtype == torch.long


def test_round_trip_through_dict() -> None:
    idx = _indices()
    document = idx.to_dict()
    assert document["variables"] == ["2t", "lsm", "tp", "z", "cos_lat"]
    assert DataIndices.from_dict(document) == idx
    # a whole checkpoint metadata document works too: other keys are ignored
    assert DataIndices.from_dict({**document, "timestep": "6h"}) == idx


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prognostic": ["a", "b"], "forcing": ["b"]}, "'b' is both prognostic and forcing"),
        ({"prognostic": ["a"]}, r"variable\(s\) 'b' have no role"),
        ({"prognostic": ["a", "a"], "forcing": ["b"]}, "prognostic repeats 'a'"),
        ({"prognostic": [], "forcing": ["a", "b"]}, "no prognostic variable"),
        ({"prognostic": ["a"], "forcing": ["bb"]}, "'bb' is not one of .*Did you mean 'b'"),
    ],
)
def test_inconsistent_roles_are_refused(kwargs: dict[str, list[str]], message: str) -> None:
    with pytest.raises(VariablesError, match=message):
        DataIndices(["a", "b"], **kwargs)


def test_repeated_variables_are_refused() -> None:
    with pytest.raises(VariablesError, match="variables repeats 'a'"):
        DataIndices(["a", "b", "a"], prognostic=["a", "b"])


def test_unknown_name_or_wrong_space_says_why() -> None:
    idx = _indices()
    with pytest.raises(VariablesError, match=r"no variable 'cos_lats'\. Did you mean 'cos_lat'"):
        idx.index_of("cos_lats")
    with pytest.raises(VariablesError, match="'lsm' is forcing and has no output position"):
        idx.index_of("lsm", "output")
    with pytest.raises(VariablesError, match="'tp' is diagnostic and has no input position"):
        idx.index_of("tp", "input")
