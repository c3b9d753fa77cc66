"""ForecastModel.step: physical in, physical out, residual prediction, inputs checked."""

from __future__ import annotations

import pytest
import torch

from fc_models.exceptions import ModelInputError, VariablesError
from fc_models.model import ForecastModel

from .tiny_models import (
    GRID,
    STATISTICS,
    VARIABLES,
    LinearNetwork,
    indices,
    make_model,
    physical_state,
)


def test_zero_network_output_means_persistence() -> None:
    model = make_model("zero")
    x = physical_state()
    y = model.step(x)
    idx = model.indices
    last = x[:, -1]
    for name in idx.prognostic:
        got = y[..., idx.index_of(name, "output")]
        want = last[..., idx.index_of(name)]
        assert torch.allclose(got, want, rtol=1e-6), name
    # diagnostics are predicted directly: zero normalised output is their mean
    tp = y[..., idx.index_of("tp", "output")]
    assert torch.allclose(tp, torch.full_like(tp, STATISTICS["mean"][4]))


def test_network_output_is_an_increment_in_normalised_units() -> None:
    class OneSigma(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.new_ones((x.shape[0], x.shape[2], 5))

    model = make_model(OneSigma())
    x = physical_state()
    y = model.step(x)
    z_out, z_in = model.indices.index_of("z", "output"), VARIABLES.index("z")
    # +1 normalised = + one standard deviation of z (3000 m2 s-2) on top of the last state
    assert torch.allclose(y[..., z_out], x[:, -1, :, z_in] + 3000.0, rtol=1e-6)


def test_output_shape_and_order() -> None:
    model = make_model()
    y = model.step(physical_state(batch=3))
    assert y.shape == (3, GRID, len(model.indices.output))
    assert model.indices.output == ("z", "2t", "sst", "tp", "cp")


def test_full_and_input_only_tensors_give_the_same_result() -> None:
    model = make_model()
    x = physical_state()
    inputs = x[..., model.indices.full_to_input]
    assert torch.equal(model.step(x), model.step(inputs))


def test_diagnostic_inputs_are_ignored() -> None:
    model = make_model()
    x = physical_state()
    y = model.step(x)
    x[..., VARIABLES.index("tp")] = float("nan")
    assert torch.equal(model.step(x), y)


def test_every_input_step_matters() -> None:
    model = make_model(multistep=2)
    x = physical_state(steps=2)
    y = model.step(x)
    x[:, 0, :, VARIABLES.index("2t")] += 10.0
    assert not torch.allclose(model.step(x), y)


def test_forcing_changes_the_prediction() -> None:
    model = make_model()
    x = physical_state()
    y = model.step(x)
    x[:, -1, :, VARIABLES.index("lsm")] = 1.0 - x[:, -1, :, VARIABLES.index("lsm")]
    assert not torch.allclose(model.step(x), y)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((2, 5, 6), "expected 4 dimensions"),
        ((2, 3, 5, 6), "has 3 time steps; this model reads 2"),
        ((2, 2, 5, 3), "has 3 variables; expected all 6 .* or the 4 input variables"),
    ],
)
def test_wrong_input_shapes_are_explained(shape: tuple[int, ...], message: str) -> None:
    with pytest.raises(ModelInputError, match=message):
        make_model().step(torch.zeros(shape))


def test_statistics_must_match_the_variables() -> None:
    idx = indices()
    short = {k: v[:-1] for k, v in STATISTICS.items()}
    with pytest.raises(VariablesError, match="hold 5 values per statistic, but the model has 6"):
        ForecastModel(
            None,  # type: ignore[arg-type]
            graph=None,  # type: ignore[arg-type]
            indices=idx,
            statistics=short,
            network=LinearNetwork(4, 5, 1),
        )


def test_wrapper_constants_are_not_in_the_state_dict() -> None:
    model = make_model()
    keys = set(model.state_dict())
    assert keys == {"network.linear.weight", "network.linear.bias"}


def test_timestep_is_canonical() -> None:
    model = make_model()
    assert model.timestep == "6h"
    assert model.timedelta.total_seconds() == 6 * 3600


def test_model_moves_to_another_dtype_with_its_wrappers() -> None:
    model = make_model().to(torch.float64)
    y = model.step(physical_state().to(torch.float64))
    assert y.dtype == torch.float64


def test_describe_lists_roles_and_sizes() -> None:
    info = make_model().describe()
    assert info["prognostic"] == ["z", "2t", "sst"]
    assert info["multistep_input"] == 2
    assert info["parameters"] == 5 * 4 * 2 + 5
