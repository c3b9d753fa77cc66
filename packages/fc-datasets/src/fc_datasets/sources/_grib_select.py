"""Which fields a ``grib`` node selects, in which order, under which names.

The selection is made on the keys of the distinct header signatures of the files (a few
dozen for a whole archive), never message by message: it decides, per signature, the
variable and ensemble member its messages fill, or that they are not wanted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fc_config.recipes.grib import GRIB_LEVTYPES, GribSourceConfig
from fc_config.suggest import did_you_mean
from fc_datasets.exceptions import SourceError
from fc_datasets.sources._grib_keys import MessageKeys
from fc_datasets.sources._grib_naming import format_name

__all__ = ["Identity", "Selection", "listing", "select"]

#: (param, levtype, level): what makes one variable; level is None for single-level fields.
Identity = tuple[str, str, int | float | None]

_MAX_LISTED = 12


def listing(values: Iterable[object], limit: int = _MAX_LISTED) -> str:
    """``a, b, c`` — shortened to the first ``limit`` items with a count."""
    items = [str(v) for v in values]
    text = ", ".join(items[:limit])
    return text + (f" ... ({len(items)} in all)" if len(items) > limit else "")


@dataclass(frozen=True)
class Selection:
    """The variables and members a node reads, and what each signature contributes."""

    identities: list[Identity]
    names: list[str]
    members: list[int]
    keys: dict[Identity, MessageKeys]
    """Keys of one message of each variable (its metadata comes from them)."""
    decisions: dict[bytes, tuple[int, int, int]]
    """Per accepted signature: (variable index, member index or -1, step in seconds)."""


def _param_matches(p: str | int, keys: MessageKeys) -> bool:
    if isinstance(p, int):
        return p == keys.param_id
    return p in (keys.param, keys.short_name)


def matches(config: GribSourceConfig, keys: MessageKeys) -> bool:
    """Whether fields with ``keys`` pass every selection key of ``config`` except ``time``."""
    if config.param is not None and not any(_param_matches(p, keys) for p in config.param):
        return False
    if config.levtype is not None and keys.levtype != config.levtype:
        return False
    levels = config.levels
    if levels is not None and keys.level is not None and keys.level not in levels:
        return False
    if config.number is not None and keys.number not in config.number:
        return False
    if config.step is not None and keys.step_hours not in config.step:
        return False
    return all(keys.mars.get(name) in wanted for name, wanted in _mars_selectors(config))


def _mars_selectors(config: GribSourceConfig) -> list[tuple[str, list[str]]]:
    pairs = [
        ("class", config.class_),
        ("stream", config.stream),
        ("type", config.type),
        ("expver", config.expver),
    ]
    return [(name, wanted) for name, wanted in pairs if wanted is not None]


def selection_text(config: GribSourceConfig, *, skip_param: bool = False) -> str:
    """The selection keys of ``config`` in words, for error messages."""
    parts = [] if skip_param or config.param is None else [f"param {config.param}"]
    for name, value in (
        ("levtype", config.levtype),
        ("level", config.levels),
        ("number", config.number),
        ("step", config.step),
        ("time", config.time),
    ):
        if value is not None:
            parts.append(f"{name} {value}")
    parts += [f"{name} {wanted}" for name, wanted in _mars_selectors(config)]
    return ", ".join(parts) or "everything"


def field_text(keys: MessageKeys) -> str:
    """``t (pl 850)`` — a field as error messages show it."""
    level = "" if keys.level is None else f" {keys.level}"
    return f"{keys.param} ({keys.levtype}{level})"


def _check_params(
    config: GribSourceConfig,
    where: str,
    all_keys: Iterable[MessageKeys],
    by_identity: dict[Identity, MessageKeys],
) -> None:
    every = list(all_keys)
    for p in config.param or []:
        if any(_param_matches(p, k) for k in by_identity.values()):
            continue
        same = [k for k in every if _param_matches(p, k)]
        if not same:
            held = sorted({k.param for k in every})
            raise SourceError(
                f"{where}: param '{p}' is not in the files, which hold {listing(held)}."
                + did_you_mean(str(p), held)
            )
        raise SourceError(
            f"{where}: param '{p}' is in the files, but not with "
            f"{selection_text(config, skip_param=True)}; the files have it as "
            f"{listing(sorted({field_text(k) for k in same}))}."
        )
    if not by_identity:
        raise SourceError(
            f"{where}: no field in the files matches the selection "
            f"({selection_text(config)}); the files hold "
            f"{listing(sorted({field_text(k) for k in every}))}."
        )


def _check_levels(
    config: GribSourceConfig,
    where: str,
    all_keys: Iterable[MessageKeys],
    by_identity: dict[Identity, MessageKeys],
) -> None:
    """Every requested level of every levelled parameter must be in the files."""
    levels = config.levels
    if levels is None:
        return
    every = list(all_keys)
    for param, levtype in sorted({(i[0], i[1]) for i in by_identity if i[2] is not None}):
        found = sorted(
            {
                k.level
                for k in every
                if (k.param, k.levtype) == (param, levtype) and k.level is not None
            },
            key=float,
        )
        absent = [lev for lev in levels if lev not in found]
        if absent:
            raise SourceError(
                f"{where}: param '{param}' ({levtype}) has no level {listing(absent)} in the "
                f"files; its levels there are {listing(found)}."
            )


def _order(config: GribSourceConfig, by_identity: dict[Identity, MessageKeys]) -> list[Identity]:
    """Parameters as listed in ``param`` (else as first met), surface first, then levels as
    listed in ``level`` (else ascending)."""
    levels = config.levels
    params = config.param or []
    first_seen: dict[str, int] = {}
    for ident in by_identity:
        first_seen.setdefault(ident[0], len(first_seen))

    def rank(ident: Identity) -> tuple[int, int, float]:
        keys = by_identity[ident]
        listed = [i for i, p in enumerate(params) if _param_matches(p, keys)]
        param_rank = listed[0] if listed else len(params) + first_seen[ident[0]]
        levtype = ident[1]
        lt = GRIB_LEVTYPES.index(levtype) if levtype in GRIB_LEVTYPES else len(GRIB_LEVTYPES)
        level = ident[2]
        if level is None:
            return (param_rank, lt, -1.0)
        return (param_rank, lt, float(levels.index(level)) if levels else float(level))

    return sorted(by_identity, key=rank)


def _names(
    config: GribSourceConfig,
    where: str,
    identities: list[Identity],
    by_identity: dict[Identity, MessageKeys],
) -> list[str]:
    names = [format_name(config.variable_naming, by_identity[i]) for i in identities]
    seen: dict[str, Identity] = {}
    for name, ident in zip(names, identities, strict=True):
        if name in seen:
            other = seen[name]
            raise SourceError(
                f"{where}: two different fields would both be named '{name}': "
                f"{field_text(by_identity[other])} and {field_text(by_identity[ident])}.",
                hint="Select one level type with 'levtype', or name them apart with "
                "variable_naming: '{param}_{levtype}_{levelist}'.",
            )
        seen[name] = ident
    return names


def _members(
    config: GribSourceConfig,
    where: str,
    accepted: Iterable[MessageKeys],
    every: Iterable[MessageKeys],
) -> list[int]:
    found = sorted({k.number for k in accepted})
    if config.number is None:
        return found
    absent = [n for n in config.number if n not in found]
    if absent:
        held = sorted({k.number for k in every})
        raise SourceError(
            f"{where}: ensemble member(s) {listing(absent)} are not in the files, which hold "
            f"member(s) {listing(held)} (0 stands for fields without an ensemble number)."
        )
    return list(config.number)


def select(config: GribSourceConfig, where: str, all_keys: dict[bytes, MessageKeys]) -> Selection:
    """The selection ``config`` makes among fields whose signatures have ``all_keys``.

    ``where`` names the node in error messages. Raises :class:`SourceError` for a parameter,
    level or member that is not in the files (with a suggestion for a misspelt parameter)
    and for two fields that would get the same name.
    """
    accepted = {sig: k for sig, k in all_keys.items() if matches(config, k)}
    by_identity: dict[Identity, MessageKeys] = {}
    for keys in accepted.values():
        by_identity.setdefault((keys.param, keys.levtype, keys.level), keys)
    _check_params(config, where, all_keys.values(), by_identity)
    _check_levels(config, where, all_keys.values(), by_identity)
    identities = _order(config, by_identity)
    names = _names(config, where, identities, by_identity)
    members = _members(config, where, accepted.values(), all_keys.values())
    var_index = {ident: i for i, ident in enumerate(identities)}
    member_index = {m: i for i, m in enumerate(members)}
    decisions = {
        sig: (
            var_index[(k.param, k.levtype, k.level)],
            member_index.get(k.number, -1),
            k.step_seconds,
        )
        for sig, k in accepted.items()
    }
    return Selection(identities, names, members, by_identity, decisions)
