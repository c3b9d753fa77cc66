"""Pre- and post-processing of a model's inputs and outputs: normaliser, imputer, bounding.

These settings say how physical fields become the numbers a network sees, and how the network's
numbers become physical fields again. fc-models applies them as wrappers around the network
(the network itself only ever sees normalised, gap-free tensors)::

    normaliser:
      default: mean-std            # (x - mean) / stdev for every variable ...
      per_variable: {tp: std, lsm: none}
    imputer:
      variables: {sst: {fill: mean}}   # NaN (e.g. sst over land) -> the variable's mean
    bounding:
      - {kind: relu, variables: [tp, cp]}                      # precipitation >= 0
      - {kind: hardtanh, variables: [tcc], min_val: 0, max_val: 1}
      - {kind: fraction, variables: [cp], total_variable: tp}  # 0 <= cp <= tp

``ProcessingConfig()`` with no arguments is valid: mean-std normalisation of every variable, no
imputer, no bounding. Variable names are checked against the model's variables when the model
is built (:meth:`ProcessingConfig.check_variables`), because only then are they known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, FiniteFloat, model_validator

from fc_config.base import FcModel
from fc_config.errors import format_problems
from fc_config.exceptions import ConfigError, ConfigProblem
from fc_config.suggest import closest_match

__all__ = [
    "NORMALISER_METHODS",
    "BoundingRule",
    "FractionBounding",
    "HardtanhBounding",
    "ImputeRule",
    "ImputerConfig",
    "NormaliserConfig",
    "NormaliserMethod",
    "ProcessingConfig",
    "ReluBounding",
]

#: How a variable is brought to order one before the network sees it.
NormaliserMethod = Literal["mean-std", "std", "min-max", "max", "none"]
NORMALISER_METHODS: tuple[str, ...] = ("mean-std", "std", "min-max", "max", "none")


def _method_shorthand(value: Any) -> Any:
    """``normaliser: std`` means ``normaliser: {default: std}``."""
    return {"default": value} if isinstance(value, str) else value


class NormaliserConfig(FcModel):
    """Which normalisation each variable gets; every method is ``(x - offset) / scale``.

    ``mean-std``: offset mean, scale stdev (zero mean, unit variance; the usual choice).
    ``std``: scale stdev only, so zero stays zero (precipitation, fractions).
    ``min-max``: offset minimum, scale maximum - minimum (values in [0, 1]).
    ``max``: scale the largest absolute value max(|minimum|, |maximum|) (values in [-1, 1]).
    ``none``: left as it is (already order one, e.g. cos_latitude).
    A scale of zero (a constant field) is replaced by one, see ``docs/models/processing.md``.
    """

    default: NormaliserMethod = "mean-std"
    """Method of every variable not named in ``per_variable``."""

    per_variable: dict[str, NormaliserMethod] = Field(default_factory=dict)
    """Method of individual variables, by name, overriding ``default`` (``{tp: std}``)."""

    def method_of(self, name: str) -> str:
        """Return the normalisation method of variable ``name``."""
        return self.per_variable.get(name, self.default)


class ImputeRule(FcModel):
    """What a missing value (NaN) of one input variable is replaced with."""

    fill: Literal["mean", "zero"] | FiniteFloat = "mean"
    """``mean``: the variable's mean from the statistics (0 after mean-std normalisation);
    ``zero``: 0 in physical units; or a number, in the variable's physical units."""


class ImputerConfig(FcModel):
    """Replaces NaN in the inputs, and puts NaN back in the outputs where the input had it.

    Fields with a fixed gap (sea-surface temperature over land) would poison every value of a
    network; the imputer fills them before normalisation. A prognostic variable's output gets
    NaN again wherever its own value was NaN in the last input step, so that an autoregressive
    forecast keeps the mask. Diagnostic variables are outputs only and cannot be imputed.
    """

    default: ImputeRule | None = None
    """Rule of every input variable not named in ``variables``; ``None``: only the named ones
    are imputed (a NaN in another input variable then reaches the network: avoid it)."""

    variables: dict[str, ImputeRule] = Field(default_factory=dict)
    """Rules by variable name (``{sst: {fill: mean}, lsm: {fill: 0}}``)."""

    def rule_of(self, name: str) -> ImputeRule | None:
        """Return the rule of variable ``name``, or ``None`` when it is not imputed."""
        return self.variables.get(name, self.default)


class _BoundingBase(FcModel):
    variables: list[str] = Field(min_length=1)
    """Output variables (prognostic or diagnostic) the rule applies to."""

    @model_validator(mode="after")
    def _unique(self) -> _BoundingBase:
        seen: set[str] = set()
        for name in self.variables:
            if name in seen:
                raise ValueError(f"variables repeats {name!r}")
            seen.add(name)
        return self


class ReluBounding(_BoundingBase):
    """Clamp outputs at zero from below, in physical units (precipitation, humidity)."""

    kind: Literal["relu"]
    """Selects this rule."""


class HardtanhBounding(_BoundingBase):
    """Clamp outputs to ``[min_val, max_val]`` in physical units (cloud cover in [0, 1])."""

    kind: Literal["hardtanh"]
    """Selects this rule."""

    min_val: FiniteFloat
    """Lower bound, in the variables' physical units."""

    max_val: FiniteFloat
    """Upper bound, in the variables' physical units."""

    @model_validator(mode="after")
    def _ordered(self) -> HardtanhBounding:
        if not self.min_val < self.max_val:
            raise ValueError(
                f"min_val ({self.min_val}) must be smaller than max_val ({self.max_val})"
            )
        return self


class FractionBounding(_BoundingBase):
    """Predict a variable as a fraction of another one (convective ≤ total precipitation).

    The network's normalised output for each variable is squashed to [0, 1] by ``activation``
    and multiplied by the (already bounded) physical value of ``total_variable``.
    """

    kind: Literal["fraction"]
    """Selects this rule."""

    total_variable: str = Field(min_length=1)
    """Output variable the others are a fraction of (``tp``); bound it earlier in the list
    (e.g. with ``relu``) so that the fraction is of a non-negative total."""

    activation: Literal["sigmoid", "hardtanh"] = "sigmoid"
    """Squashing to [0, 1]: ``sigmoid`` (smooth) or ``hardtanh`` (clamp)."""

    @model_validator(mode="after")
    def _not_itself(self) -> FractionBounding:
        if self.total_variable in self.variables:
            raise ValueError(
                f"{self.total_variable!r} cannot be a fraction of itself: remove it from "
                "variables or choose another total_variable"
            )
        return self


#: A bounding rule, chosen by ``kind``.
BoundingRule = Annotated[
    ReluBounding | HardtanhBounding | FractionBounding, Field(discriminator="kind")
]


class ProcessingConfig(FcModel):
    """How inputs are prepared for the network and outputs turned back into physical fields.

    Applied in this order: imputer (physical units) → normaliser → network (+ residual of the
    prognostic variables) → denormaliser → bounding (physical units) → NaN mask restored.
    """

    normaliser: Annotated[NormaliserConfig, BeforeValidator(_method_shorthand)] = Field(
        default_factory=NormaliserConfig
    )
    """Normalisation of each variable (a bare method, ``normaliser: std``, sets the default)."""

    imputer: ImputerConfig | None = None
    """Replacement of missing values; ``None``: inputs must have no NaN."""

    bounding: list[BoundingRule] = Field(default_factory=list)
    """Rules that keep outputs physical, applied in the order listed."""

    def check_variables(
        self,
        variables: Sequence[str],
        *,
        prognostic: Iterable[str],
        forcing: Iterable[str] = (),
        diagnostic: Iterable[str] = (),
    ) -> None:
        """Check every variable name against the model's variables and their roles.

        Called when the model is built, the first moment the variables are known.

        Raises
        ------
        ConfigError
            Listing each unknown name (with the closest valid one), each imputed diagnostic
            variable and each bounded variable that is not an output.
        """
        known = list(variables)
        inputs = set(prognostic) | set(forcing)
        outputs = set(prognostic) | set(diagnostic)
        problems: list[ConfigProblem] = []

        def check(path: str, name: str, allowed: set[str] | None, why: str) -> None:
            if name not in known:
                problems.append(
                    ConfigProblem(
                        path=path,
                        value=repr(name),
                        message="not a variable of the model",
                        suggestion=closest_match(name, known),
                    )
                )
            elif allowed is not None and name not in allowed:
                problems.append(ConfigProblem(path=path, value=repr(name), message=why))

        for name in self.normaliser.per_variable:
            check(f"normaliser.per_variable.{name}", name, None, "")
        if self.imputer is not None:
            for name in self.imputer.variables:
                check(
                    f"imputer.variables.{name}",
                    name,
                    inputs,
                    "a diagnostic variable is an output only, so it has no input to impute",
                )
        not_output = (
            "a forcing is an input only; only outputs (prognostic or diagnostic) are bounded"
        )
        for i, rule in enumerate(self.bounding):
            for j, name in enumerate(rule.variables):
                check(f"bounding[{i}].variables[{j}]", name, outputs, not_output)
            if isinstance(rule, FractionBounding):
                check(f"bounding[{i}].total_variable", rule.total_variable, outputs, not_output)
        if problems:
            raise ConfigError(format_problems(problems, "ProcessingConfig"), problems=problems)
