"""The normaliser: each method's formula, exact inverse, constant fields, per-variable choice."""

from __future__ import annotations

import logging

import pytest
import torch

from fc_config.model_processing import NormaliserConfig
from fc_models.exceptions import VariablesError
from fc_models.preprocessing.normaliser import Normaliser

VARIABLES = ["t", "tp", "lsm", "q", "u"]
STATISTICS = {
    "mean": [280.0, 0.001, 0.3, 2.5e-6, 1.0],
    "stdev": [15.0, 0.002, 0.45, 3e-7, 8.0],
    "minimum": [200.0, 0.0, 0.0, 1e-6, -40.0],
    "maximum": [330.0, 0.1, 1.0, 5e-6, 60.0],
}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("mean-std", (300.0 - 280.0) / 15.0),
        ("std", 300.0 / 15.0),
        ("min-max", (300.0 - 200.0) / 130.0),
        ("max", 300.0 / 330.0),
        ("none", 300.0),
    ],
)
def test_each_method_applies_its_formula(method: str, expected: float) -> None:
    normaliser = Normaliser.from_statistics(
        STATISTICS,
        VARIABLES,
        ["t"],
        NormaliserConfig(default=method),  # type: ignore[arg-type]
    )
    assert normaliser.normalise(torch.tensor([300.0])).item() == pytest.approx(expected, rel=1e-6)


def test_max_uses_the_largest_absolute_value() -> None:
    normaliser = Normaliser.from_statistics(
        STATISTICS, VARIABLES, ["u"], NormaliserConfig(default="max")
    )
    # |minimum| 40 < |maximum| 60: values land in [-1, 1] and zero stays zero
    values = torch.tensor([[-60.0], [0.0], [60.0]])
    assert normaliser.normalise(values).flatten().tolist() == [-1.0, 0.0, 1.0]


def test_per_variable_methods_override_the_default() -> None:
    config = NormaliserConfig(default="mean-std", per_variable={"tp": "std", "lsm": "none"})
    normaliser = Normaliser.from_statistics(STATISTICS, VARIABLES, None, config)
    x = torch.tensor([280.0, 0.004, 1.0, 2.5e-6, 1.0])
    assert normaliser.normalise(x).tolist() == pytest.approx([0.0, 2.0, 1.0, 0.0, 0.0], abs=1e-5)
    assert normaliser.methods == ("mean-std", "std", "none", "mean-std", "mean-std")


@pytest.mark.parametrize("method", ["mean-std", "std", "min-max", "max", "none"])
@pytest.mark.parametrize("seed", range(5))
def test_denormalise_inverts_normalise(method: str, seed: int) -> None:
    normaliser = Normaliser.from_statistics(
        STATISTICS,
        VARIABLES,
        None,
        NormaliserConfig(default=method),  # type: ignore[arg-type]
    )
    generator = torch.Generator().manual_seed(seed)
    mean, stdev = torch.tensor(STATISTICS["mean"]), torch.tensor(STATISTICS["stdev"])
    x = mean + 3 * stdev * torch.randn((4, 7, len(VARIABLES)), generator=generator)
    back = normaliser.denormalise(normaliser.normalise(x))
    # a few float32 roundings of the numbers involved: x, and the offset subtracted and re-added
    tolerance = 4 * torch.finfo(torch.float32).eps * (x.abs() + normaliser.offset.abs())
    assert ((back - x).abs() <= tolerance).all()
    y = torch.randn((3, len(VARIABLES)), generator=generator)
    assert torch.allclose(normaliser.normalise(normaliser.denormalise(y)), y, atol=1e-4)


def test_small_but_real_spread_is_kept() -> None:
    # specific humidity high up: values ~1e-6, stdev 3e-7 - tiny in absolute terms, not constant
    normaliser = Normaliser.from_statistics(STATISTICS, VARIABLES, ["q"])
    assert normaliser.scale.item() == pytest.approx(3e-7)
    assert normaliser.normalise(torch.tensor([2.8e-6])).item() == pytest.approx(1.0, rel=1e-4)


def test_constant_variable_does_not_divide_by_zero(caplog: pytest.LogCaptureFixture) -> None:
    stats = {
        "mean": [280.0, 5.0, 0.0],
        "stdev": [15.0, 0.0, 0.0],
        "minimum": [200.0, 5.0, 0.0],
        "maximum": [330.0, 5.0, 0.0],
    }
    with caplog.at_level(logging.WARNING):
        normaliser = Normaliser.from_statistics(stats, ["t", "orog", "zeros"])
    assert "orog, zeros are constant" in caplog.text
    x = torch.tensor([[290.0, 5.0, 0.0], [270.0, 5.5, 0.25]])
    y = normaliser.normalise(x)
    assert torch.isfinite(y).all()
    assert y[0, 1:].tolist() == [0.0, 0.0]  # the constant value itself normalises to zero
    assert y[1, 1:].tolist() == [0.5, 0.25]  # a deviation shows in physical units
    assert torch.equal(normaliser.denormalise(y), x)
    for method in ("std", "min-max", "max"):
        other = Normaliser.from_statistics(
            stats,
            ["t", "orog", "zeros"],
            config=NormaliserConfig(default=method),  # type: ignore[arg-type]
        )
        assert torch.isfinite(other.normalise(x)).all()


def test_float32_noise_on_a_constant_counts_as_constant() -> None:
    stats = {"mean": [300.0], "stdev": [1e-5], "minimum": [300.0], "maximum": [300.0]}
    normaliser = Normaliser.from_statistics(stats, ["sst_const"])
    assert normaliser.scale.item() == 1.0


def test_statistics_must_match_the_variables() -> None:
    with pytest.raises(VariablesError, match="hold 5 values per statistic, but the model has 2"):
        Normaliser.from_statistics(STATISTICS, ["t", "tp"])


def test_wrong_number_of_channels_is_refused() -> None:
    normaliser = Normaliser.from_statistics(STATISTICS, VARIABLES, ["t", "tp"])
    with pytest.raises(VariablesError, match="has 3 variables, but this normaliser handles 2"):
        normaliser.normalise(torch.zeros(4, 3))


def test_constants_follow_the_module_and_the_input_dtype() -> None:
    normaliser = Normaliser.from_statistics(STATISTICS, VARIABLES)
    assert "offset" not in normaliser.state_dict()  # rebuilt from the metadata, not stored
    x = torch.tensor(STATISTICS["mean"], dtype=torch.float64)
    assert normaliser.normalise(x).dtype == torch.float64
    assert normaliser.to(torch.float64).offset.dtype == torch.float64
