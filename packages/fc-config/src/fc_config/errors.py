"""Turning pydantic's validation errors into one readable paragraph.

pydantic reports *where* validation failed as a location tuple that includes internals (the
tag of a union member, ``function-after[...]``) and says nothing about what the user probably
meant. fc's messages name the dotted path as the user wrote it, the bad value, what was
expected, and the closest valid key or value::

    config.yaml: 2 problems in TrainingConfig:
      - model.procesor: unknown key; did you mean 'processor'?
      - model.processor.num_layers = 'many': expected a valid integer, ...
"""

from __future__ import annotations

import os
import re
import types
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from fc_config.exceptions import ConfigError, ConfigProblem, FormatVersionError
from fc_config.loading import load_yaml_or_json
from fc_config.suggest import closest_match

if TYPE_CHECKING:  # pydantic-core comes with pydantic; only its types are needed here
    from pydantic_core import ErrorDetails

__all__ = [
    "collect_problems",
    "format_problems",
    "format_validation_error",
    "load_config",
    "load_yaml_or_json",
    "validate",
]

M = TypeVar("M", bound=BaseModel)

_MAX_REPR = 80
_MAX_KEYS_LISTED = 12
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")
_UNION_TYPES: tuple[Any, ...] = (Union, types.UnionType)
_SEQUENCE_ORIGINS: tuple[Any, ...] = (list, tuple, set, frozenset, Sequence)


# --- walking a model along an error location -------------------------------------------------


def _strip(annotation: Any) -> tuple[Any, str | None]:
    """Remove ``Annotated`` and ``| None``; return the core type and its discriminator key."""
    discriminator: str | None = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            for meta in annotation.__metadata__:
                found = getattr(meta, "discriminator", None)
                found = getattr(found, "discriminator", found)  # a pydantic.Discriminator
                if isinstance(found, str):
                    discriminator = found
            annotation = get_args(annotation)[0]
            continue
        if origin in _UNION_TYPES:
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, discriminator


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _tags(member: Any, discriminator: str) -> list[str]:
    """Tag values a discriminated-union member accepts (the ``Literal`` of its tag field)."""
    core, _ = _strip(member)
    if not _is_model(core) or discriminator not in core.model_fields:
        return []
    literal, _ = _strip(core.model_fields[discriminator].annotation)
    return [str(value) for value in get_args(literal)]


def _union_tags(annotation: Any) -> list[str]:
    """Every tag value a discriminated union accepts, in declaration order ([] otherwise)."""
    core, discriminator = _strip(annotation)
    if discriminator is None or get_origin(core) not in _UNION_TYPES:
        return []
    return [tag for member in get_args(core) for tag in _tags(member, discriminator)]


def _union_member(core: Any, discriminator: str | None, part: str | int) -> Any:
    """The member of a union that pydantic names ``part`` in an error location, if known."""
    for member in get_args(core):
        if discriminator is not None and str(part) in _tags(member, discriminator):
            return member
        member_core, _ = _strip(member)
        if getattr(member_core, "__name__", None) == part:
            return member
    return None


def _model_field(model: type[BaseModel], key: str | int) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            # pydantic moves `Field(discriminator=...)` off the annotation; put it back
            if field.discriminator is not None:
                return Annotated[field.annotation, field]
            return field.annotation
    return None


def _walk(model_cls: type[BaseModel], loc: Sequence[str | int]) -> tuple[list[str | int], Any]:
    """Follow ``loc`` through ``model_cls``; return the user-visible path and the final type.

    The final type is ``None`` when the location leaves what the annotations describe (an
    unknown key, ``Any``), in which case the remaining parts are shown as they are.
    """
    shown: list[str | int] = []
    node: Any = model_cls
    for part in loc:
        if node is None:
            shown.append(part)
            continue
        core, discriminator = _strip(node)
        origin = get_origin(core)
        if origin in _UNION_TYPES:
            # pydantic names the union member it tried; users never wrote that name
            node = _union_member(core, discriminator, part)
            continue
        shown.append(part)
        if _is_model(core):
            node = _model_field(core, part)
        elif origin in _SEQUENCE_ORIGINS and isinstance(part, int):
            items = [a for a in get_args(core) if a is not Ellipsis]
            if origin is tuple and len(items) > 1 and Ellipsis not in get_args(core):
                node = items[part] if part < len(items) else None
            else:
                node = items[0] if items else None
        elif origin is dict or (isinstance(origin, type) and issubclass(origin, dict)):
            key_value = get_args(core)
            node = key_value[1] if len(key_value) == 2 else None
        else:
            node = None
    return shown, node


def _format_path(parts: Sequence[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for a bad mapping key
            text += " (key)"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


# --- one problem per pydantic error ----------------------------------------------------------


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."


def _first_sentence(description: str) -> str:
    """The description's first sentence on one line, without reStructuredText literal markup."""
    text = " ".join(description.split()).replace("``", "")
    # A sentence ends at ". " followed by a capital letter, so that "e.g. 6h" stays whole.
    return re.split(r"(?<!\be\.g)(?<!\bi\.e)\.\s+(?=[A-Z])", text, maxsplit=1)[0].rstrip(".")


def _quoted(text: str) -> list[str]:
    return _QUOTED.findall(text)


def _expected(msg: str) -> str:
    """pydantic says 'Input should be X'; fc says 'expected X'."""
    for prefix in ("Input should be ", "Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            rest = msg[len(prefix) :]
            return f"expected {rest}" if prefix == "Input should be " else rest
    # lower-case the first word unless it is an acronym ("GRIB ...")
    return msg[:1].lower() + msg[1:] if msg[1:2].islower() else msg


def _problem(model_cls: type[BaseModel], error: ErrorDetails) -> ConfigProblem:
    kind = error["type"]
    shown, node = _walk(model_cls, error["loc"])
    ctx = error.get("ctx") or {}
    value: str | None = _short_repr(error.get("input"))
    suggestion: str | None = None
    message = _expected(error["msg"])

    if kind == "missing":
        value = None
        message = "required key is missing"
        _, parent = _walk(model_cls, error["loc"][:-1])
        core, _ = _strip(parent)
        if _is_model(core):
            field = core.model_fields.get(str(error["loc"][-1]))
            if field is not None and field.description:
                message += f" — {_first_sentence(field.description)}"
    elif kind == "extra_forbidden":
        value = None
        _, parent = _walk(model_cls, error["loc"][:-1])
        core, _ = _strip(parent)
        keys = [f.alias or n for n, f in core.model_fields.items()] if _is_model(core) else []
        suggestion = closest_match(str(error["loc"][-1]), keys)
        message = "unknown key"
        if keys and suggestion is None:
            listed = ", ".join(keys[:_MAX_KEYS_LISTED]) + (
                ", ..." if len(keys) > _MAX_KEYS_LISTED else ""
            )
            message += f"; valid keys here: {listed}"
    elif kind in ("literal_error", "enum"):
        allowed = _quoted(str(ctx.get("expected", "")))
        if isinstance(error.get("input"), str) and allowed:
            suggestion = closest_match(error["input"], allowed)
    elif kind == "union_tag_invalid":
        allowed = _quoted(str(ctx.get("expected_tags", "")))
        key = _quoted(str(ctx.get("discriminator", "")))
        if key:
            shown.append(key[0])
        value = _short_repr(ctx.get("tag"))
        message = "unknown choice; expected one of " + ", ".join(repr(a) for a in allowed)
        suggestion = closest_match(str(ctx.get("tag")), allowed)
    elif kind == "union_tag_not_found":
        key = _quoted(str(ctx.get("discriminator", "")))
        tags = _union_tags(node)
        value = None
        message = (
            f"the key {key[0]!r} that selects the kind of entry is missing" if key else message
        )
        if tags:
            message += "; expected one of " + ", ".join(repr(t) for t in tags)
    elif kind in ("too_short", "too_long") and ("min_length" in ctx or "max_length" in ctx):
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        message = f"expected {bound} {limit} item{'s' if limit != 1 else ''}"
    elif kind in ("value_error", "assertion_error"):
        if isinstance(error.get("input"), dict | BaseModel):
            value = None  # a check across several keys: the whole mapping says nothing
        elif value is not None:
            message = message.removesuffix(f", got {value}")

    return ConfigProblem(
        path=_format_path(shown), value=value, message=message, suggestion=suggestion, type=kind
    )


def _merge(problems: Iterable[ConfigProblem]) -> list[ConfigProblem]:
    """Join the problems a non-discriminated union reports once per member at the same path."""
    merged: dict[tuple[str, str | None], ConfigProblem] = {}
    for problem in problems:
        key = (problem.path, problem.value)
        previous = merged.get(key)
        if previous is None:
            merged[key] = problem
        elif problem.message not in previous.message and previous.type != "missing":
            merged[key] = ConfigProblem(
                path=previous.path,
                value=previous.value,
                message=f"{previous.message}, or {problem.message.removeprefix('expected ')}",
                suggestion=previous.suggestion or problem.suggestion,
                type=previous.type,
            )
    return list(merged.values())


def collect_problems(exc: ValidationError, model_cls: type[BaseModel]) -> list[ConfigProblem]:
    """Return one :class:`~fc_config.exceptions.ConfigProblem` per distinct problem in ``exc``."""
    return _merge(_problem(model_cls, error) for error in exc.errors(include_url=False))


def format_problems(
    problems: Sequence[ConfigProblem], what: str, *, source: str | None = None
) -> str:
    """Render problems as the paragraph fc prints: a header line, then one line per problem."""
    count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
    lines = [f"{source + ': ' if source else ''}{count} in {what}:"]
    for problem in problems:
        where = problem.path or "(top level)"
        # an unknown key is its path's last part: showing it again as the value only confuses
        shown_key = problem.path.rsplit(".", 1)[-1] if problem.path else None
        if problem.value is not None and str(problem.value).strip("'\"") != shown_key:
            where += f" = {problem.value}"
        line = f"  - {where}: {problem.message}"
        if problem.suggestion is not None:
            line += f"; did you mean {problem.suggestion!r}?"
        elif not line.endswith((".", "?", "!")):
            line += "."
        lines.append(line)
    return "\n".join(lines)


def format_validation_error(
    exc: ValidationError, model_cls: type[BaseModel], *, source: str | None = None
) -> str:
    """Return the readable paragraph for a pydantic ``ValidationError`` raised by ``model_cls``.

    Parameters
    ----------
    exc
        The error pydantic raised while validating a document against ``model_cls``.
    model_cls
        The schema, used to show paths as the user wrote them and to suggest valid keys.
    source
        Where the document came from (usually a file name); it starts the paragraph.
    """
    return format_problems(collect_problems(exc, model_cls), model_cls.__name__, source=source)


def validate(model_cls: type[M], data: Any, *, source: str | None = None) -> M:
    """Validate ``data`` against ``model_cls``; on failure raise one readable ConfigError.

    Parameters
    ----------
    model_cls
        The schema (any pydantic model; fc schemas derive from :class:`~fc_config.FcModel`).
    data
        The document, usually a mapping read from YAML or JSON.
    source
        Where the document came from (a file name); it starts the error message.

    Returns
    -------
    The validated model instance.

    Raises
    ------
    ConfigError
        Listing every problem: dotted path, bad value, what was expected and the closest valid
        key or value. ``ConfigError.problems`` holds them as data.
    FormatVersionError
        When ``data`` is an artifact's metadata written in a newer format than this
        installation reads.
    """
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        problems = collect_problems(exc, model_cls)
        message = format_problems(problems, model_cls.__name__, source=source)
        raise ConfigError(message, problems=problems) from None
    except FormatVersionError as exc:
        if source is None:
            raise
        raise FormatVersionError(f"{source}: {exc.message}", hint=exc.hint) from None


def load_config(model_cls: type[M], path: str | os.PathLike[str]) -> M:
    """Read a YAML or JSON file and validate it against ``model_cls``.

    Raises
    ------
    ConfigError
        When the file cannot be read or parsed (the message names the file and line), or its
        content does not match the schema (the message names the file and every problem).
    """
    return validate(model_cls, load_yaml_or_json(path), source=str(path))
