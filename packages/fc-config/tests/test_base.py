"""FcModel: strict keys, documented fields."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError, model_validator

from fc_config import ConfigError, FcModel


class Layer(FcModel):
    """A small documented schema."""

    width: int = 8
    """Number of channels."""

    name: str = Field("dense", description="Name of the layer.")


def test_docstring_and_field_description_both_document_a_field() -> None:
    assert Layer.model_fields["width"].description == "Number of channels."
    assert Layer.model_fields["name"].description == "Name of the layer."


def test_undocumented_field_is_rejected_at_class_definition() -> None:
    with pytest.raises(TypeError, match=r"Undocumented.*'depth'.*no description"):

        class Undocumented(FcModel):
            width: int = 8
            """Number of channels."""

            depth: int = 2


def test_blank_description_counts_as_undocumented() -> None:
    with pytest.raises(TypeError, match="'depth'"):

        class Blank(FcModel):
            depth: int = Field(2, description="   ")


def test_subclass_inherits_the_check() -> None:
    with pytest.raises(TypeError, match="'extra_width'"):

        class Wider(Layer):
            extra_width: int = 2


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(ValidationError, match="widht"):
        Layer.model_validate({"widht": 3})


def test_assignment_is_validated() -> None:
    layer = Layer()
    with pytest.raises(ConfigError, match="width = 'wide': expected a valid integer"):
        layer.width = "wide"  # type: ignore[assignment]
    assert layer.width == 8


class Window(FcModel):
    """A schema with a check across fields."""

    low: int = 0
    """Lower bound."""

    high: int = 10
    """Upper bound."""

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


def test_rejected_assignment_leaves_the_model_unchanged() -> None:
    window = Window()
    with pytest.raises(ConfigError, match=r"low \(20\) is above high \(10\)") as info:
        window.low = 20
    assert info.value.problems[0].value is None  # not the repr of the whole model
    assert (window.low, window.high) == (0, 10)
    assert window.model_fields_set == set()
