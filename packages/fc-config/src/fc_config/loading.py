"""Reading YAML and JSON documents, with errors that name the file and the line.

PyYAML silently keeps the last of two identical keys, and ``json`` does the same; a config
where a key is given twice almost always hides a mistake, so both loaders here refuse it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from fc_config.exceptions import ConfigError

__all__ = ["load_yaml_or_json"]

_JSON_SUFFIXES = {".json"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys in a mapping."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor`: merged by flatten_mapping
            continue
        key = loader.construct_object(key_node)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key: let PyYAML report it
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found the key {key!r} twice (first on line {first})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"found the key {key!r} twice in one object")
        result[key] = value
    return result


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_json_object)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{name}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}.",
            hint="Fix the syntax at that place and try again.",
        ) from exc
    except ValueError as exc:
        raise ConfigError(f"{name}: invalid JSON: {exc}.", hint="Keep one of them.") from exc


def _parse_yaml(text: str, name: str) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ConfigError(
            f"{name}{where}: invalid YAML: {problem or 'syntax error'}.",
            hint="Fix the syntax at that place and try again.",
        ) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{name}: invalid YAML: {exc}.") from exc


def load_yaml_or_json(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML or JSON document whose top level is a mapping.

    Files ending in ``.json`` are parsed as JSON, anything else as YAML (which also reads most
    JSON). Only plain data is built: YAML tags that would construct Python objects are refused.

    Parameters
    ----------
    path
        The file to read.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    ConfigError
        When the file cannot be read, is empty, is not valid YAML/JSON (the message names the
        line and column), repeats a key, or its top level is not a mapping.
    """
    file = Path(path)
    name = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{name}: no such file.", hint="Check the path.") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{name} is a directory, not a YAML or JSON file.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name} is not a UTF-8 text file ({exc.reason} at byte {exc.start}).",
            hint="Is it a YAML or JSON file?",
        ) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}.") from exc

    data = (
        _parse_json(text, name)
        if file.suffix.lower() in _JSON_SUFFIXES
        else _parse_yaml(text, name)
    )
    if data is None:
        raise ConfigError(f"{name} is empty.", hint="Write the document into it and try again.")
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name}: the top level must be a mapping of keys to values, "
            f"found a {type(data).__name__}."
        )
    return data
