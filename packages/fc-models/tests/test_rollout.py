"""ForecastModel.rollout: autoregression, forcings per step, window shift, gradients."""

from __future__ import annotations

import pytest
import torch

from fc_models.exceptions import ModelInputError

from .tiny_models import GRID, VARIABLES, indices, make_model, make_real_model, physical_state

LSM = VARIABLES.index("lsm")


def _forcings(steps: int, batch: int = 2, value: float = 0.0) -> torch.Tensor:
    return torch.full((steps, batch, GRID, 1), value)


def test_rollout_feeds_each_prediction_back() -> None:
    model = make_model(multistep=2)
    x = physical_state(steps=2)
    forcings = _forcings(3, value=1.0)
    states = list(model.rollout(x, forcings, steps=3))
    assert len(states) == 3
    # by hand: step 2 reads [x's last state, first prediction + forcing 0]
    first = model.step(x)
    window = model.advance(model.select_inputs(x), first, forcings[0])
    assert torch.equal(states[0], first)
    assert torch.equal(states[1], model.step(window))
    # and the window moved: its oldest state is the initial newest one
    assert torch.equal(window[:, 0], model.select_inputs(x)[:, 1])


def test_forcings_reach_the_next_input() -> None:
    model = make_model(multistep=1)
    x = physical_state(steps=1)
    land = list(model.rollout(x, _forcings(2, value=1.0), steps=2))
    sea = list(model.rollout(x, _forcings(2, value=0.0), steps=2))
    assert torch.equal(land[0], sea[0])  # the first step only sees the initial state
    assert not torch.allclose(land[1], sea[1])  # the forcing at the new time changed step 2


def test_forcings_from_a_function() -> None:
    model = make_model(multistep=1)
    x = physical_state(steps=1)
    asked: list[int] = []

    def forcing(i: int) -> torch.Tensor:
        asked.append(i)
        return torch.full((2, GRID, 1), float(i % 2))

    by_function = list(model.rollout(x, forcing, steps=3))
    by_tensor = list(model.rollout(x, torch.stack([forcing(0), forcing(1)]), steps=3))
    assert asked == [0, 1, 0, 1]  # never asked for the forcing after the last step
    for a, b in zip(by_function, by_tensor, strict=True):
        assert torch.equal(a, b)


def test_new_input_state_is_prediction_plus_forcing() -> None:
    model = make_model(multistep=1)
    x = model.select_inputs(physical_state(steps=1))
    y = model.step(x)
    forcing = torch.full((2, GRID, 1), 0.5)
    window = model.advance(x, y, forcing)
    idx = model.indices
    for name in idx.prognostic:
        assert torch.equal(
            window[:, -1, :, idx.index_of(name, "input")], y[..., idx.index_of(name, "output")]
        )
    assert (window[:, -1, :, idx.index_of("lsm", "input")] == 0.5).all()


def test_gradient_flows_through_the_whole_rollout() -> None:
    model = make_model(multistep=2)
    x = physical_state(steps=2).requires_grad_(True)
    states = list(model.rollout(x, _forcings(3), steps=3))
    states[-1].sum().backward()
    weight = model.network.linear.weight
    assert weight.grad is not None and weight.grad.abs().sum() > 0
    # step 3 reads only predictions: the initial states reach it through steps 1 and 2 alone
    assert x.grad is not None and x.grad[:, 0].abs().sum() > 0


def test_inference_without_gradients() -> None:
    model = make_model()
    with torch.inference_mode():
        states = torch.stack(list(model.rollout(physical_state(), _forcings(4), steps=4)))
    assert states.shape == (4, 2, GRID, len(indices().output))
    assert not states.requires_grad


def test_masked_points_stay_masked_along_the_rollout() -> None:
    model = make_model(processing={"imputer": {"variables": {"sst": {"fill": "mean"}}}})
    x = physical_state()
    x[:, :, 0, VARIABLES.index("sst")] = float("nan")
    sst = model.indices.index_of("sst", "output")
    for y in model.rollout(x, _forcings(3), steps=3):
        assert torch.isnan(y[:, 0, sst]).all()
        assert not torch.isnan(y[:, 1:, sst]).any()


def test_missing_or_wrong_forcings_are_explained() -> None:
    model = make_model()
    x = physical_state()
    with pytest.raises(ModelInputError, match="a rollout of 4 steps needs at least 3"):
        list(model.rollout(x, _forcings(2), steps=4))
    with pytest.raises(ModelInputError, match="no forcing was given"):
        list(model.rollout(x, None, steps=2))
    with pytest.raises(
        ModelInputError, match=r"the forcing has shape \(2, 6, 2\); expected \(2, 6, 1\)"
    ):
        list(model.rollout(x, torch.zeros(3, 2, GRID, 2), steps=2))


def test_a_model_without_forcings_needs_none() -> None:
    from fc_models.indices import DataIndices
    from fc_models.model import ForecastModel

    from .tiny_models import LinearNetwork

    stats = {
        "mean": [0.0, 0.0],
        "stdev": [1.0, 1.0],
        "minimum": [-5.0, -5.0],
        "maximum": [5.0, 5.0],
    }
    model = ForecastModel(
        None,  # type: ignore[arg-type]
        graph=None,  # type: ignore[arg-type]
        indices=DataIndices(["a", "b"], prognostic=["a", "b"]),
        statistics=stats,
        network=LinearNetwork(2, 2, 1),
    )
    states = list(model.rollout(torch.zeros(1, 1, 3, 2), None, steps=3))
    assert len(states) == 3


# --- the same properties with the real network (fc_models.network) ---------------------------


def test_real_network_rollout_uses_the_forcings_and_is_differentiable() -> None:
    model = make_real_model(multistep=2)
    x = physical_state(steps=2).requires_grad_(True)
    land = list(model.rollout(x, _forcings(3, value=1.0), steps=3))
    sea = list(model.rollout(x.detach(), _forcings(3, value=0.0), steps=3))
    assert torch.equal(land[0], sea[0])
    assert not torch.allclose(land[1], sea[1])
    land[-1].sum().backward()
    assert x.grad is not None and x.grad[:, 0].abs().sum() > 0
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_real_network_with_a_zero_output_layer_predicts_persistence() -> None:
    model = make_real_model(multistep=1)
    with torch.no_grad():
        model.network.decoder.extractor.linear.weight.zero_()
        model.network.decoder.extractor.linear.bias.zero_()
    x = physical_state(steps=1)
    y = model.step(x)
    for name in model.indices.prognostic:
        got = y[..., model.indices.index_of(name, "output")]
        assert torch.allclose(got, x[:, -1, :, VARIABLES.index(name)], rtol=1e-6), name
