"""The imputer: NaN filled in physical units, the mask put back on prognostic outputs only."""

from __future__ import annotations

import math

import pytest
import torch

from fc_config.common import Statistics
from fc_config.model_processing import ImputerConfig
from fc_models.preprocessing.imputer import Imputer

from .tiny_models import STATISTICS, VARIABLES, indices, make_model, physical_state

SST = VARIABLES.index("sst")


def _imputer(config: dict[str, object] | None) -> Imputer:
    parsed = ImputerConfig.model_validate(config) if config is not None else None
    return Imputer.from_config(parsed, indices(), Statistics.model_validate(STATISTICS))


def test_fill_values_in_physical_units() -> None:
    imputer = _imputer(
        {"variables": {"sst": {"fill": "mean"}, "lsm": {"fill": 0.5}, "2t": {"fill": "zero"}}}
    )
    idx = indices()
    x = torch.full((1, 1, 2, len(idx.input)), float("nan"))
    filled, _ = imputer.fill(x)
    by_name = dict(zip(idx.input, filled[0, 0, 0].tolist(), strict=True))
    assert by_name["sst"] == pytest.approx(290.0)  # the mean from the statistics
    assert by_name["lsm"] == 0.5
    assert by_name["2t"] == 0.0
    assert math.isnan(by_name["z"])  # not imputed: left alone


def test_default_rule_covers_every_input() -> None:
    imputer = _imputer({"default": {"fill": "mean"}})
    x = torch.full((1, 1, 2, len(indices().input)), float("nan"))
    filled, _ = imputer.fill(x)
    assert not torch.isnan(filled).any()


def test_without_rules_nothing_changes() -> None:
    imputer = _imputer(None)
    x = torch.tensor([[[[float("nan"), 1.0, 2.0, 3.0]]]])
    filled, mask = imputer.fill(x)
    assert filled is x
    assert mask is None


def test_mask_of_the_last_input_step_comes_back_on_the_output() -> None:
    model = make_model(processing={"imputer": {"variables": {"sst": {"fill": "mean"}}}})
    x = physical_state()
    x[:, -1, :2, SST] = float("nan")  # land points in the newest state
    x[:, 0, 4, SST] = float("nan")  # an older gap does not mask the output
    y = model.step(x)
    sst = model.indices.index_of("sst", "output")
    assert torch.isnan(y[:, :2, sst]).all()
    assert not torch.isnan(y[:, 2:, sst]).any()
    # the other outputs are computed from filled inputs: no NaN leaks into them
    others = [i for i in range(y.shape[-1]) if i != sst]
    assert not torch.isnan(y[..., others]).any()


def test_filled_value_is_what_the_network_sees() -> None:
    model = make_model("zero", processing={"imputer": {"variables": {"sst": {"fill": 300.0}}}})
    x = physical_state()
    x[:, -1, 0, SST] = float("nan")
    x_norm, mask = model.prepare_input(x)
    sst_in = model.indices.index_of("sst", "input")
    expected = (300.0 - 290.0) / 8.0  # mean-std normalised fill value
    assert x_norm[:, -1, 0, sst_in].tolist() == pytest.approx([expected] * x.shape[0])
    assert mask is not None and mask[:, 0].all()


def test_diagnostic_outputs_are_never_masked() -> None:
    model = make_model(processing={"imputer": {"default": {"fill": "mean"}}})
    x = physical_state()
    x[..., VARIABLES.index("tp")] = float("nan")  # a diagnostic is not an input: ignored
    x[:, -1, :, SST] = float("nan")
    y = model.step(x)
    for name in ("tp", "cp"):
        assert not torch.isnan(y[..., model.indices.index_of(name, "output")]).any()


def test_gradients_flow_through_filled_points() -> None:
    model = make_model(processing={"imputer": {"variables": {"sst": {"fill": "mean"}}}})
    x = physical_state()
    x[:, -1, 0, SST] = float("nan")
    x_norm, _ = model.prepare_input(x)
    loss = model.predict_normalised(x_norm).square().mean()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
