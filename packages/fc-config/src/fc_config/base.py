"""The base class of every fc schema.

Every config, recipe and metadata document of fc is a subclass of :class:`FcModel`, which
rejects unknown keys (a misspelled key is an error, not a silently ignored setting), validates
on assignment (raising :class:`~fc_config.ConfigError` and leaving the model unchanged), and
refuses to define a field without documentation — the descriptions are what users read in
``fc-config schema`` and in editors that use the exported JSON Schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fc_config.errors import collect_problems, format_problems
from fc_config.exceptions import ConfigError

__all__ = ["FcModel", "undocumented_fields"]


def undocumented_fields(model_cls: type[BaseModel]) -> list[str]:
    """Return the names of the fields of ``model_cls`` that have no description."""
    return [
        name
        for name, field in model_cls.model_fields.items()
        if not (field.description and field.description.strip())
    ]


class FcModel(BaseModel):
    """Base of every fc schema: strict about keys, documented field by field.

    Document a field with a docstring right below it (or ``Field(description=...)``)::

        class Processor(FcModel):
            num_layers: int = 16
            \"\"\"Number of message-passing layers.\"\"\"

    Defining a subclass with an undocumented field raises :class:`TypeError` at class
    definition, so an undocumented schema cannot ship. Assigning a value that does not validate
    raises :class:`~fc_config.ConfigError` and leaves the model as it was.
    """

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        use_attribute_docstrings=True,
    )

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic keeps an assigned value that a cross-field check then rejects; put the model
        # back as it was, so that catching the error leaves a valid model
        saved = dict(self.__dict__), set(self.__pydantic_fields_set__)
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            object.__setattr__(self, "__dict__", saved[0])
            object.__setattr__(self, "__pydantic_fields_set__", saved[1])
            problems = collect_problems(exc, type(self))
            message = format_problems(problems, f"{type(self).__name__} after setting {name!r}")
            raise ConfigError(message, problems=problems) from None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        missing = undocumented_fields(cls)
        if missing:
            names = ", ".join(repr(name) for name in missing)
            raise TypeError(
                f"{cls.__module__}.{cls.__qualname__}: field(s) {names} have no description. "
                "Every fc schema field must be documented: put a docstring on the line below "
                "the field, or use Field(description=...) (field docstrings are read from the "
                "source file, so a class without one, e.g. made by exec, needs the latter)."
            )
