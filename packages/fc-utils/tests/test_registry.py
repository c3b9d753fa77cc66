"""Tests of fc_utils.registry: registration, lookup, suggestions and entry-point discovery."""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from fc_utils.exceptions import PluginError
from fc_utils.registry import Registry


class Grib:
    def __init__(self, path: str, *, level: int = 0) -> None:
        self.path = path
        self.level = level


class NetCDF:
    pass


@pytest.fixture
def group() -> str:
    """A fresh entry-point group, so that no installed distribution interferes."""
    return f"fc.tests.{uuid.uuid4().hex}"


@pytest.fixture
def sources(group: str) -> Registry[type]:
    registry: Registry[type] = Registry("source", group)
    registry.register("grib", Grib, aliases=("grib2",))
    registry.register("netcdf", NetCDF)
    return registry


def _fake_distribution(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    group: str,
    entry_points: dict[str, str],
    module: str,
) -> str:
    """Install a tiny distribution with entry points in ``root`` and put it on sys.path."""
    package = f"fcplugin_{uuid.uuid4().hex[:8]}"
    (root / f"{package}.py").write_text(textwrap.dedent(module))
    info = root / f"{package}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.2.3\n")
    lines = [f"[{group}]"] + [
        f"{name} = {package}:{target}" for name, target in entry_points.items()
    ]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, package, raising=False)
    return package


def test_register_as_call_and_decorator(sources: Registry[type]) -> None:
    @sources.register("zarr")
    class Zarr:
        pass

    assert sources.get("zarr") is Zarr
    assert sources.get("grib") is Grib
    assert sources.get("grib2") is Grib
    assert sources.names() == ["grib", "netcdf", "zarr"]
    assert "grib2" in sources
    assert "GRIB" not in sources  # names are case-sensitive
    assert dict(sources.items()) == {"grib": Grib, "netcdf": NetCDF, "zarr": Zarr}


def test_duplicate_names_are_refused_unless_replaced(sources: Registry[type]) -> None:
    with pytest.raises(PluginError, match="source 'grib' is already registered"):
        sources.register("grib", NetCDF)
    with pytest.raises(PluginError, match="'grib2' is already registered"):
        sources.register("other", NetCDF, aliases=("grib2",))
    sources.register("grib", Grib)  # the same object again is harmless
    sources.register("grib", NetCDF, replace=True)
    assert sources.get("grib") is NetCDF


@pytest.mark.parametrize("name", ["", " grib", 3])
def test_invalid_names_are_refused(sources: Registry[type], name: object) -> None:
    with pytest.raises(PluginError, match="not valid"):
        sources.register(name, Grib)  # type: ignore[call-overload]


def test_unknown_name_suggests_and_lists(sources: Registry[type]) -> None:
    with pytest.raises(PluginError) as info:
        sources.get("gribb")
    message = str(info.value)
    assert "unknown source 'gribb'. Did you mean 'grib'? Available: grib, netcdf." in message


def test_suggestions_ignore_case(sources: Registry[type]) -> None:
    with pytest.raises(PluginError, match="Did you mean 'netcdf'"):
        sources.get("NetCDF")


def test_create_builds_an_instance(sources: Registry[type]) -> None:
    made = sources.create("grib", "a.grib", level=500)
    assert isinstance(made, Grib)
    assert (made.path, made.level) == ("a.grib", 500)


def test_create_refuses_a_plugin_that_cannot_be_called(group: str) -> None:
    constants: Registry[int] = Registry("constant", group)
    constants.register("answer", 42)
    with pytest.raises(PluginError, match="cannot be called"):
        constants.create("answer")


def test_discovers_plugins_through_entry_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, sources: Registry[type]
) -> None:
    package = _fake_distribution(
        tmp_path,
        monkeypatch,
        group,
        {"mars": "Mars"},
        """
        class Mars:
            def __init__(self, request):
                self.request = request
        """,
    )
    assert "mars" in sources
    assert package not in sys.modules  # listing does not import the plugin
    assert sources.names() == ["grib", "mars", "netcdf"]
    mars = sources.get("mars")
    assert mars.__module__ == package
    assert sources.create("mars", {"param": "2t"}).request == {"param": "2t"}


def test_unknown_name_suggests_entry_point_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, sources: Registry[type]
) -> None:
    _fake_distribution(tmp_path, monkeypatch, group, {"mars": "Mars"}, "class Mars: ...\n")
    with pytest.raises(PluginError, match=r"Did you mean 'mars'\? Available: grib, mars, netcdf\."):
        sources.get("marz")


def test_broken_entry_point_names_the_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, sources: Registry[type]
) -> None:
    package = _fake_distribution(
        tmp_path,
        monkeypatch,
        group,
        {"broken": "Broken"},
        """
        import a_module_that_is_not_installed_anywhere

        class Broken: ...
        """,
    )
    with pytest.raises(PluginError) as info:
        sources.get("broken")
    message = str(info.value)
    assert f"distribution '{package} 1.2.3'" in message
    assert f"'broken = {package}:Broken'" in message
    assert "ModuleNotFoundError" in message
    assert isinstance(info.value.__cause__, ImportError)
    other = tmp_path / "other"
    other.mkdir()
    _fake_distribution(other, monkeypatch, group, {"typo": "DoesNotExist"}, "class Exists: ...\n")
    sources.refresh()
    with pytest.raises(PluginError, match=r"could not be loaded.*AttributeError"):
        sources.get("typo")
    # A broken plugin does not get in the way of the others.
    assert sources.get("grib") is Grib


def test_explicit_registration_wins_over_an_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, sources: Registry[type]
) -> None:
    _fake_distribution(tmp_path, monkeypatch, group, {"grib": "Other"}, "class Other: ...\n")
    assert sources.get("grib") is Grib


def test_refresh_sees_distributions_installed_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: str, sources: Registry[type]
) -> None:
    assert "mars" not in sources
    _fake_distribution(tmp_path, monkeypatch, group, {"mars": "Mars"}, "class Mars: ...\n")
    sources.refresh()
    assert "mars" in sources
