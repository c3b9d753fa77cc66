"""Generate the schema reference of the documentation from the schemas registered in fc-config.

Run before ``mkdocs build`` (``make docs`` does both)::

    python docs/gen_reference.py

It writes, under ``docs/reference/``:

- ``schemas/<name>.schema.json``: the JSON Schema of every registered schema, exactly as
  ``fc-config export`` writes it, for editors and validators to use;
- ``schemas.md``: a page listing the schemas, with one table of fields per schema and per
  nested definition, generated from the JSON Schema documents.

The reference is generated rather than written by hand so that it can never disagree with the
code: the field descriptions *are* the schemas' docstrings. The output is deterministic (the
same schemas give byte-identical files) and is not committed (see ``docs/.gitignore``).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fc_config.schemas import export_json_schemas, json_schema, schema_names

__all__ = ["main", "render_schema_page", "write_reference"]

_LOG = logging.getLogger("gen_reference")

#: Default output folder: ``docs/reference`` next to this script.
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
#: Sub-folder (of the output folder) holding the JSON Schema files.
JSON_DIR_NAME = "schemas"
#: Name of the generated page (in the output folder).
PAGE_NAME = "schemas.md"

# Keywords of a JSON Schema document that belong to the document, not to the schema's body.
_DOCUMENT_KEYS = ("$schema", "$id", "$comment", "$defs")


# ------------------------------------------------------------------------------------------
# Anchors and definitions


@dataclass
class _Definitions:
    """Every nested definition (``$defs``) of every schema, and the anchor each is linked by.

    A definition that appears, identical, in several schemas (``Provenance`` is in all of them)
    is documented once. A definition equal to a top-level schema (a checkpoint embeds the
    graph's metadata) links to that schema's section instead.
    """

    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (schema name, definition name) -> anchor
    anchors: dict[tuple[str, str], str] = field(default_factory=dict)


def _schema_anchor(name: str) -> str:
    return name


def _definition_anchor(def_name: str) -> str:
    return f"def-{def_name}"


def _collect_definitions(documents: Mapping[str, Mapping[str, Any]]) -> _Definitions:
    top_level = {json.dumps(_body(doc), sort_keys=True): name for name, doc in documents.items()}
    seen: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for schema, doc in documents.items():
        for def_name, body in sorted(doc.get("$defs", {}).items()):
            seen.setdefault(def_name, []).append((schema, body))

    defs = _Definitions()
    for def_name in sorted(seen):
        variants: list[str] = []
        for schema, body in seen[def_name]:
            key = json.dumps(body, sort_keys=True)
            if key in top_level:
                defs.anchors[(schema, def_name)] = _schema_anchor(top_level[key])
                continue
            if key not in variants:
                variants.append(key)
            index = variants.index(key)
            # Same name, different content in two schemas: tell them apart by a suffix.
            anchor_name = def_name if index == 0 else f"{def_name}-{index + 1}"
            anchor = _definition_anchor(anchor_name)
            defs.anchors[(schema, def_name)] = anchor
            defs.bodies.setdefault(anchor, body)
    return defs


def _body(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in _DOCUMENT_KEYS}


# ------------------------------------------------------------------------------------------
# Rendering JSON Schema as Markdown


# A Markdown code span: a run of backticks, its content, and a run of the same length.
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)


def _cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell: one line, no bare pipes.

    A pipe inside a code span does not end a cell (and a backslash there would show), so only
    pipes outside code spans are escaped.
    """
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    line = "<br>".join(p for p in paragraphs if p)
    out, last = [], 0
    for span in _CODE_SPAN.finditer(line):
        out += [line[last : span.start()].replace("|", r"\|"), span.group(0)]
        last = span.end()
    out.append(line[last:].replace("|", r"\|"))
    return "".join(out)


def _code(value: Any, *, raw: bool = False) -> str:
    """A code span showing ``value`` as JSON (or, with ``raw``, the string itself)."""
    text = str(value) if raw else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _constraints(schema: Mapping[str, Any]) -> list[str]:
    parts = []
    bounds = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}
    for key, symbol in bounds.items():
        if key in schema:
            parts.append(f"{symbol} {schema[key]}")
    sizes = {
        "minLength": ("at least", "character", "characters"),
        "maxLength": ("at most", "character", "characters"),
        "minItems": ("at least", "item", "items"),
        "maxItems": ("at most", "item", "items"),
        "minProperties": ("at least", "entry", "entries"),
        "maxProperties": ("at most", "entry", "entries"),
    }
    fixed = len(schema.get("prefixItems", ()))
    if fixed and schema.get("minItems") == schema.get("maxItems") == fixed:
        sizes.pop("minItems")  # a tuple of fixed length: its items already say it
        sizes.pop("maxItems")
    for key, (limit, one, many) in sizes.items():
        if key in schema:
            parts.append(f"{limit} {schema[key]} {one if schema[key] == 1 else many}")
    if schema.get("uniqueItems"):
        parts.append("unique items")
    if "pattern" in schema:
        parts.append(f"matching {_code(schema['pattern'], raw=True)}")
    return parts


def _grouped(text: str) -> str:
    """Parenthesise a compound type so that ``or``, ``of`` and constraints bind clearly."""
    compound = any(word in text for word in (" or ", " of ", ", ")) and not text.startswith("[")
    return f"({text})" if compound else text


def _render_type(schema: Mapping[str, Any], schema_name: str, defs: _Definitions) -> str:
    """Describe the type of a JSON Schema in a few words, linking to nested definitions.

    ``(array of integer) or null`` and ``mapping of string to (string or integer)``: compound
    parts are parenthesised so the description cannot be read two ways.
    """
    if "$ref" in schema:
        def_name = str(schema["$ref"]).rsplit("/", 1)[-1]
        anchor = defs.anchors.get((schema_name, def_name), _definition_anchor(def_name))
        return f"[{def_name}](#{anchor})"
    if "const" in schema:
        return f"constant {_code(schema['const'])}"
    if "enum" in schema:
        return "one of " + ", ".join(_code(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_grouped(_render_type(s, schema_name, defs)) for s in schema[key]]
            text = " or ".join(options)
            discriminator = schema.get("discriminator", {}).get("propertyName")
            if discriminator:
                text += f" (chosen by `{discriminator}`)"
            return text
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _render_type(schema["allOf"][0], schema_name, defs)

    kind = schema.get("type")
    if isinstance(kind, list):
        text = " or ".join(str(k) for k in kind)
    elif kind == "array":
        if "prefixItems" in schema:
            items = ", ".join(_render_type(s, schema_name, defs) for s in schema["prefixItems"])
            text = f"array [{items}]"
        elif "items" in schema:
            text = f"array of {_grouped(_render_type(schema['items'], schema_name, defs))}"
        else:
            text = "array"
    elif kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping) and extra:
            text = f"mapping of string to {_grouped(_render_type(extra, schema_name, defs))}"
        else:
            text = "object"
    elif kind is None:
        text = "any"
    else:
        text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    constraints = _constraints(schema)
    if constraints:
        text += ", " + ", ".join(constraints)
    return text


def _fields_table(body: Mapping[str, Any], schema_name: str, defs: _Definitions) -> list[str]:
    properties: Mapping[str, Any] = body.get("properties", {})
    if not properties:
        return ["This document has no fixed fields.", ""]
    required = set(body.get("required", []))
    lines = [
        "| field | type | required | default | description |",
        "|---|---|---|---|---|",
    ]
    for name, prop in properties.items():
        is_required = name in required
        default = "" if is_required or "default" not in prop else _code(prop["default"])
        lines.append(
            f"| `{name}` | {_cell(_render_type(prop, schema_name, defs))} "
            f"| {'yes' if is_required else 'no'} | {_cell(default)} "
            f"| {_cell(prop.get('description', ''))} |"
        )
    extra = body.get("additionalProperties")
    lines.append("")
    if extra is False:
        lines += ["Any other key is an error.", ""]
    return lines


def _first_paragraph(text: str) -> str:
    return _cell(re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]) if text.strip() else ""


def render_schema_page(
    documents: Mapping[str, Mapping[str, Any]], json_files: Mapping[str, str]
) -> str:
    """Return the Markdown of the schema reference page.

    Parameters
    ----------
    documents
        The JSON Schema document of each schema, by schema name, in the order to list them.
    json_files
        The path of each schema's JSON file relative to the page, by schema name.
    """
    defs = _collect_definitions(documents)
    out = [
        "<!-- Generated by docs/gen_reference.py from the schemas in fc-config. Do not edit. -->",
        "",
        "# Configuration schemas",
        "",
        "Every config, recipe and metadata document of fc is validated by a pydantic schema of",
        "[fc-config](../packages/fc-config.md). This page is generated from those schemas, so it",
        "always matches the installed code; each schema's JSON Schema (draft 2020-12) is linked",
        "below for editors and validators. The same documents come from the command line:",
        "",
        "```bash",
        "fc-config list                      # the schema names",
        "fc-config schema NAME               # one JSON Schema",
        "fc-config export DIRECTORY          # all of them, as NAME.schema.json",
        "fc-config validate NAME FILE        # check a YAML or JSON file",
        "```",
        "",
        "Unknown keys are errors in every schema: a misspelled key is reported, with the closest",
        "valid key, rather than silently ignored.",
        "",
        "| schema | title | description | JSON Schema |",
        "|---|---|---|---|",
    ]
    for name, doc in documents.items():
        out.append(
            f"| [`{name}`](#{_schema_anchor(name)}) | {_cell(str(doc.get('title', '')))} "
            f"| {_first_paragraph(str(doc.get('description', '')))} "
            f"| [{Path(json_files[name]).name}]({json_files[name]}) |"
        )
    out.append("")

    for name, doc in documents.items():
        out += [f"## `{name}` {{ #{_schema_anchor(name)} }}", ""]
        if doc.get("description"):
            out += [str(doc["description"]).strip(), ""]
        out += [
            f"Title `{doc.get('title', '')}`; JSON Schema: [{Path(json_files[name]).name}]"
            f"({json_files[name]}) (`$id`: `{doc.get('$id', '')}`).",
            "",
        ]
        out += _fields_table(_body(doc), name, defs)

    if defs.bodies:
        out += [
            "## Nested definitions { #definitions }",
            "",
            "Sections that the schemas above share or nest, each documented once.",
            "",
        ]
        for anchor, body in sorted(defs.bodies.items()):
            users = sorted({s for (s, _), a in defs.anchors.items() if a == anchor})
            title = str(body.get("title", anchor))
            out += [f"### {title} {{ #{anchor} }}", ""]
            if body.get("description"):
                out += [str(body["description"]).strip(), ""]
            out += [
                "Used by " + ", ".join(f"[`{u}`](#{_schema_anchor(u)})" for u in users) + ".",
                "",
            ]
            # A definition is rendered in the context of its first user for its own references.
            out += _fields_table(body, users[0], defs)
    return "\n".join(out).rstrip() + "\n"


# ------------------------------------------------------------------------------------------
# Writing


def write_reference(output_dir: Path = REFERENCE_DIR) -> list[Path]:
    """Write the JSON Schema files and the reference page into ``output_dir``.

    The JSON folder is emptied first, so a schema that was removed does not linger in the site.

    Returns
    -------
    list of Path
        The files written: the JSON Schemas, then the page.
    """
    json_dir = output_dir / JSON_DIR_NAME
    if json_dir.exists():
        shutil.rmtree(json_dir)
    written = export_json_schemas(json_dir)
    names = schema_names()
    documents = {name: json_schema(name) for name in names}
    json_files = {
        name: (json_dir / f"{name}.schema.json").relative_to(output_dir).as_posix()
        for name in names
    }
    for name, relative in json_files.items():
        if not (output_dir / relative).is_file():  # fc-config changed its file names
            raise FileNotFoundError(
                f"fc_config.schemas.export_json_schemas did not write {relative} for {name!r}; "
                "update docs/gen_reference.py to the names it writes."
            )
    page = output_dir / PAGE_NAME
    page.write_text(render_schema_page(documents, json_files), encoding="utf-8")
    written.append(page)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REFERENCE_DIR,
        help="folder to write into (default: docs/reference)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    written = write_reference(args.output_dir)
    _LOG.info("gen_reference: wrote %d files into %s", len(written), args.output_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
