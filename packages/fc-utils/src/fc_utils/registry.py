"""A registry of named plugins, extended by other distributions through entry points.

Recipes and configs name their components in short YAML (``source: grib``, ``output: netcdf``).
Each kind of component has one :class:`Registry` that maps such names to the classes or
factories that implement them. fc registers its own plugins in code; any installed distribution
adds more, without editing fc, by declaring entry points in the registry's group::

    # pyproject.toml of a third-party package
    [project.entry-points."fc.datasets.sources"]
    mars = "my_package.sources:MarsSource"

Entry points are discovered only when a name is not found or the names are listed, and each is
imported only when it is asked for, so that a broken or slow third-party plugin costs nothing
until it is used — and then fails with a :class:`PluginError` that names the distribution at
fault instead of a bare traceback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from importlib import metadata
from typing import Any, Generic, TypeVar, cast, overload

from fc_config.suggest import did_you_mean
from fc_utils.exceptions import PluginError

__all__ = ["Registry"]

_LOG = logging.getLogger(__name__)

T = TypeVar("T")


class Registry(Generic[T]):
    """Plugins of one kind, by name.

    Parameters
    ----------
    kind
        What the plugins are, in the singular, used in messages: ``"source"``, ``"output"``.
    group
        The entry-point group that other distributions use to add plugins:
        ``"fc.datasets.sources"``.

    Examples
    --------
    >>> sources: Registry[type] = Registry("source", "fc.example.sources")
    >>> @sources.register("grib", aliases=("grib2",))
    ... class GribSource:
    ...     pass
    >>> sources.get("grib2") is GribSource
    True

    Names are case-sensitive; "did you mean" suggestions are not.
    """

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._objects: dict[str, T] = {}
        self._aliases: dict[str, str] = {}
        self._entry_points: dict[str, list[metadata.EntryPoint]] | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.group!r})"

    # -- registration --------------------------------------------------------------------------

    @overload
    def register(
        self, name: str, obj: None = None, *, aliases: Iterable[str] = (), replace: bool = False
    ) -> Callable[[T], T]: ...

    @overload
    def register(
        self, name: str, obj: T, *, aliases: Iterable[str] = (), replace: bool = False
    ) -> T: ...

    def register(
        self,
        name: str,
        obj: T | None = None,
        *,
        aliases: Iterable[str] = (),
        replace: bool = False,
    ) -> T | Callable[[T], T]:
        """Register ``obj`` under ``name`` (and ``aliases``); use it as a call or a decorator.

        Parameters
        ----------
        name
            The name configs use. Case-sensitive.
        obj
            The plugin, usually a class or factory. Leave it out to get a decorator.
        aliases
            Other names for the same plugin, e.g. older spellings kept for compatibility.
        replace
            Replace a plugin already registered under one of these names instead of failing.

        Returns
        -------
        The plugin itself (so the decorator leaves the decorated object unchanged), or a
        decorator when ``obj`` is left out.

        Raises
        ------
        PluginError
            If a name is empty or already taken by another plugin and ``replace`` is false.
            Registering the very same object again under the same name is allowed.
        """
        names = [name, *aliases]
        for each in names:
            if not isinstance(each, str) or not each.strip() or each != each.strip():
                raise PluginError(
                    f"{self.kind} name {each!r} is not valid.",
                    hint="Use a non-empty string without surrounding blanks.",
                )
        if obj is None:

            def decorator(target: T) -> T:
                self.register(name, target, aliases=aliases, replace=replace)
                return target

            return decorator
        with self._lock:
            if not replace:
                for each in names:
                    current = self._lookup(each)
                    if current is not None and current is not obj:
                        raise PluginError(
                            f"{self.kind} '{each}' is already registered (as {_describe(current)}).",
                            hint="Choose another name, or pass replace=True to override it.",
                        )
            for each in aliases:
                self._objects.pop(each, None)
                self._aliases[each] = name
            self._aliases.pop(name, None)
            self._objects[name] = obj
        return obj

    def _lookup(self, name: str) -> T | None:
        target = self._aliases.get(name, name)
        return self._objects.get(target)

    # -- lookup --------------------------------------------------------------------------------

    def get(self, name: str) -> T:
        """Return the plugin registered as ``name``, loading its entry point if need be.

        Raises
        ------
        PluginError
            If no plugin has that name (the message suggests the closest name and lists
            the available ones), if two distributions provide it, or if its entry point fails
            to load.
        """
        with self._lock:
            found = self._lookup(name)
            if found is not None:
                return found
            candidates = self._discover().get(name, [])
            if not candidates:
                available = self.names()
                listing = ", ".join(available) if available else "none"
                raise PluginError(
                    f"unknown {self.kind} '{name}'.{did_you_mean(name, [*available, *self._aliases])}"
                    f" Available: {listing}.",
                    hint=f"Check the spelling, or install the package that provides this {self.kind}.",
                )
            if len(candidates) > 1:
                providers = ", ".join(f"'{_distribution(ep)}' ({ep.value})" for ep in candidates)
                raise PluginError(
                    f"{self.kind} '{name}' is provided by several packages: {providers}.",
                    hint="Uninstall all but one of them.",
                )
            obj = self._load(candidates[0])
            self._objects[name] = obj
            return obj

    def _load(self, entry_point: metadata.EntryPoint) -> T:
        try:
            obj = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"{self.kind} '{entry_point.name}' could not be loaded from entry point "
                f"'{entry_point.name} = {entry_point.value}' (group '{self.group}') of "
                f"distribution '{_distribution(entry_point)}': {type(exc).__name__}: {exc}",
                hint="Reinstall or upgrade that package, or uninstall it if you do not need it.",
            ) from exc
        _LOG.debug("loaded %s '%s' from %s", self.kind, entry_point.name, entry_point.value)
        return cast(T, obj)

    def _discover(self) -> dict[str, list[metadata.EntryPoint]]:
        if self._entry_points is None:
            found: dict[str, list[metadata.EntryPoint]] = {}
            for entry_point in metadata.entry_points(group=self.group):
                found.setdefault(entry_point.name, []).append(entry_point)
            self._entry_points = found
        return self._entry_points

    def refresh(self) -> None:
        """Forget the entry points found so far, so that the next lookup scans again.

        Useful after installing a package in a running interpreter (notebooks, tests).
        Plugins already loaded stay registered.
        """
        with self._lock:
            self._entry_points = None

    def create(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Look up ``name`` and call it with the given arguments (build a plugin instance).

        Raises
        ------
        PluginError
            As :meth:`get`, or if the plugin is not callable.
        """
        factory = self.get(name)
        if not callable(factory):
            raise PluginError(
                f"{self.kind} '{name}' is {_describe(factory)}, which cannot be called.",
                hint="Register a class or a factory function.",
            )
        return factory(*args, **kwargs)

    # -- listing -------------------------------------------------------------------------------

    def names(self) -> list[str]:
        """Return the sorted names of every plugin, registered or available through an entry
        point (without loading it); aliases are not included."""
        with self._lock:
            return sorted(set(self._objects) | set(self._discover()))

    def items(self) -> list[tuple[str, T]]:
        """Return ``(name, plugin)`` pairs for every plugin, loading all entry points.

        Raises
        ------
        PluginError
            If an entry point fails to load.
        """
        return [(name, self.get(name)) for name in self.names()]

    def __contains__(self, name: object) -> bool:
        """Whether ``name`` (or an alias) is registered or offered by an entry point."""
        if not isinstance(name, str):
            return False
        with self._lock:
            return name in self._objects or name in self._aliases or name in self._discover()

    def __iter__(self) -> Iterator[str]:
        """Iterate over :meth:`names`."""
        return iter(self.names())

    def __len__(self) -> int:
        """Number of plugins (see :meth:`names`)."""
        return len(self.names())


def _distribution(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    if dist is None:
        return "unknown distribution"
    return f"{dist.name} {dist.version}"


def _describe(obj: object) -> str:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return repr(obj)
