"""Bounding: bounds hold in physical units, fractions stay within their total, order matters."""

from __future__ import annotations

import pytest
import torch

from fc_config.exceptions import ConfigError
from fc_config.model_processing import ProcessingConfig
from fc_models.exceptions import VariablesError
from fc_models.preprocessing.bounding import Bounding

from .tiny_models import STATISTICS, ConstantNetwork, indices, make_model, physical_state

RULES = {
    "bounding": [
        {"kind": "relu", "variables": ["tp"]},
        {"kind": "hardtanh", "variables": ["2t"], "min_val": 250.0, "max_val": 300.0},
        {"kind": "fraction", "variables": ["cp"], "total_variable": "tp"},
    ]
}


@pytest.mark.parametrize("value", [-50.0, -3.0, 0.0, 3.0, 50.0])
def test_bounds_hold_in_physical_units_after_denormalisation(value: float) -> None:
    n_out = len(indices().output)
    model = make_model(ConstantNetwork(n_out, value), processing=RULES)
    y = model.step(physical_state())
    out = model.indices.output
    tp, cp, t2m = (y[..., out.index(n)] for n in ("tp", "cp", "2t"))
    assert (tp >= 0).all()  # zero in mm, not the mean precipitation
    assert ((t2m >= 250.0) & (t2m <= 300.0)).all()
    assert ((cp >= 0) & (cp <= tp)).all()


def test_relu_clamps_at_physical_zero_not_at_the_mean() -> None:
    # -0.25 standard deviations of tp is below the mean but above zero: must be kept
    n_out = len(indices().output)
    model = make_model(ConstantNetwork(n_out, -0.25), processing=RULES)
    y = model.step(physical_state())
    tp = y[..., model.indices.index_of("tp", "output")]
    expected = STATISTICS["mean"][4] - 0.25 * STATISTICS["stdev"][4]  # 0.0005 mm
    assert torch.allclose(tp, torch.full_like(tp, expected))


def test_normalised_prediction_respects_the_same_bounds() -> None:
    n_out = len(indices().output)
    model = make_model(ConstantNetwork(n_out, -40.0), processing=RULES)
    x_norm, _ = model.prepare_input(physical_state())
    y_norm = model.predict_normalised(x_norm)
    tp = model.output_normaliser.denormalise(y_norm)[..., model.indices.index_of("tp", "output")]
    assert (tp >= -1e-9).all()


def test_fraction_is_a_share_of_the_bounded_total() -> None:
    outputs = ("tp", "cp")
    bounding = Bounding(
        ProcessingConfig.model_validate(
            {"bounding": [{"kind": "fraction", "variables": ["cp"], "total_variable": "tp"}]}
        ).bounding,
        outputs,
    )
    y = torch.tensor([[2.0, 123.0]])  # physical: the raw cp value is discarded
    y_norm = torch.tensor([[0.0, 0.0]])  # sigmoid(0) = 0.5
    assert bounding(y, y_norm).tolist() == [[2.0, 1.0]]


def test_hardtanh_fraction_activation_clamps() -> None:
    config = ProcessingConfig.model_validate(
        {
            "bounding": [
                {
                    "kind": "fraction",
                    "variables": ["cp"],
                    "total_variable": "tp",
                    "activation": "hardtanh",
                }
            ]
        }
    )
    bounding = Bounding(config.bounding, ("tp", "cp"))
    y = torch.tensor([[2.0, 0.0], [2.0, 0.0], [2.0, 0.0]])
    y_norm = torch.tensor([[0.0, -3.0], [0.0, 0.25], [0.0, 7.0]])
    assert bounding(y, y_norm)[:, 1].tolist() == [0.0, 0.5, 2.0]


def test_rules_apply_in_order() -> None:
    rules = ProcessingConfig.model_validate(
        {
            "bounding": [
                {"kind": "relu", "variables": ["tp"]},
                {"kind": "fraction", "variables": ["cp"], "total_variable": "tp"},
            ]
        }
    ).bounding
    y, y_norm = torch.tensor([[-2.0, 0.0]]), torch.tensor([[0.0, 5.0]])
    # the total is clamped first, so its fraction is of zero
    assert Bounding(rules, ("tp", "cp"))(y, y_norm).tolist() == [[0.0, 0.0]]


def test_gradient_passes_inside_the_bounds() -> None:
    rules = ProcessingConfig.model_validate({"bounding": [{"kind": "relu", "variables": ["tp"]}]})
    bounding = Bounding(rules.bounding, ("tp",))
    y = torch.tensor([[-1.0], [2.0]], requires_grad=True)
    bounding(y, y.detach()).sum().backward()
    assert y.grad is not None and y.grad.flatten().tolist() == [0.0, 1.0]


def test_unknown_or_forcing_variables_are_refused_when_the_model_is_built() -> None:
    with pytest.raises(ConfigError) as info:
        make_model(processing={"bounding": [{"kind": "relu", "variables": ["tpp", "lsm"]}]})
    text = str(info.value)
    assert (
        "bounding[0].variables[0] = 'tpp': not a variable of the model; did you mean 'tp'" in text
    )
    assert "bounding[0].variables[1] = 'lsm': a forcing is an input only" in text


def test_fraction_total_must_be_an_output() -> None:
    with pytest.raises(ConfigError, match=r"total_variable = 'lsm': a forcing is an input only"):
        make_model(
            processing={
                "bounding": [{"kind": "fraction", "variables": ["cp"], "total_variable": "lsm"}]
            }
        )


def test_bounding_module_names_a_missing_output() -> None:
    rules = ProcessingConfig.model_validate({"bounding": [{"kind": "relu", "variables": ["x"]}]})
    with pytest.raises(VariablesError, match="'x', which is not an output"):
        Bounding(rules.bounding, ("tp",))
