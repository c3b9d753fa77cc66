"""The dependency rules of DESIGN.md, checked on the source of every package.

Each package's imports are read statically (every ``import``, including those inside functions,
except under ``if TYPE_CHECKING:``) and compared with what its ``pyproject.toml`` declares and
with the architecture's rules:

- every imported third-party or fc distribution is declared by the importing package;
- the internal dependency graph has no cycle;
- ``fc_models`` and ``fc_inference`` never import lightning, hydra, mlflow or ``fc_training``;
- ``fc_graphs`` never imports ``fc_models``;
- ``fc_config`` and ``fc_utils`` stay light (they sit under everything else).

The checker itself is tested on a small fake package, so a broken checker cannot pass silently.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "packages"

#: Import names whose distribution name differs, or that several distributions provide.
IMPORT_TO_DIST = {
    "yaml": "pyyaml",
    "torch_geometric": "torch-geometric",
    "hydra": "hydra-core",
    "omegaconf": "hydra-core",  # comes with hydra-core; declaring hydra-core is enough
    "pytorch_lightning": "lightning",
    "lightning": "lightning",
    "netCDF4": "netcdf4",
    "gribapi": "eccodes",
    "eccodes": "eccodes",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "google": "protobuf",
}

#: Modules a package must never import, whatever it declares (issue #2, DESIGN.md).
FORBIDDEN = {
    "fc_models": {"lightning", "pytorch_lightning", "hydra", "omegaconf", "mlflow", "fc_training"},
    "fc_inference": {
        "lightning",
        "pytorch_lightning",
        "hydra",
        "omegaconf",
        "mlflow",
        "fc_training",
    },
    "fc_graphs": {"fc_models", "fc_training", "fc_inference"},
    "fc_config": {
        "fc_utils",
        "fc_datasets",
        "fc_graphs",
        "fc_models",
        "fc_training",
        "fc_inference",
        "numpy",
        "torch",
    },
    "fc_utils": {
        "fc_datasets",
        "fc_graphs",
        "fc_models",
        "fc_training",
        "fc_inference",
        "torch",
        "zarr",
        "xarray",
        "dask",
    },
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Package:
    """A workspace member as the checker sees it."""

    dist: str
    import_name: str
    src: Path
    declared: set[str] = field(default_factory=set)
    optional: set[str] = field(default_factory=set)


def _requirement_name(req: str) -> str:
    return _norm(re.split(r"[\s<>=!~;\[(]", req.strip(), maxsplit=1)[0])


def load_package(path: Path) -> Package:
    meta = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    dist = meta["name"]
    pkg = Package(
        dist=dist, import_name=dist.replace("-", "_"), src=path / "src" / dist.replace("-", "_")
    )
    pkg.declared = {_requirement_name(r) for r in meta.get("dependencies", [])}
    for reqs in meta.get("optional-dependencies", {}).values():
        pkg.optional |= {_requirement_name(r) for r in reqs}
    return pkg


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str) -> set[str]:
    """Top-level module names imported anywhere in ``source`` (relative imports excluded)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
        ) and (
            node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            name = node.args[0].value
            if not name.startswith("."):
                found.add(name.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def package_imports(pkg: Package) -> dict[str, set[str]]:
    """Map each imported top-level module to the files (relative paths) that import it."""
    result: dict[str, set[str]] = {}
    for file in sorted(pkg.src.rglob("*.py")):
        for mod in imported_modules(file.read_text(encoding="utf-8")):
            result.setdefault(mod, set()).add(str(file.relative_to(pkg.src.parent)))
    return result


def _dist_of(module: str) -> str | None:
    """The distribution that provides ``module``, or None for the standard library."""
    if module in sys.stdlib_module_names or module == "__future__":
        return None
    if module.startswith("fc_"):
        return _norm(module)
    if module in IMPORT_TO_DIST:
        return IMPORT_TO_DIST[module]
    return _norm(module)


def check_package(pkg: Package) -> list[str]:
    """Every rule broken by ``pkg``, as readable sentences (empty when all hold)."""
    problems: list[str] = []
    imports = package_imports(pkg)
    for module, files in sorted(imports.items()):
        where = ", ".join(sorted(files))
        if module in FORBIDDEN.get(pkg.import_name, set()):
            problems.append(f"{pkg.import_name} must never import {module} (in {where})")
            continue
        dist = _dist_of(module)
        if dist is None or module == pkg.import_name:
            continue
        if dist not in pkg.declared | pkg.optional:
            problems.append(
                f"{pkg.dist} imports {module} (in {where}) but does not declare {dist!r}"
            )
    return problems


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A dependency cycle in ``graph`` as a list of names, or None when it is acyclic."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


WORKSPACE = [load_package(p) for p in sorted(PACKAGES.iterdir()) if (p / "pyproject.toml").exists()]


def test_workspace_has_the_seven_packages() -> None:
    assert {p.dist for p in WORKSPACE} == {
        "fc-config",
        "fc-utils",
        "fc-datasets",
        "fc-graphs",
        "fc-models",
        "fc-training",
        "fc-inference",
    }
    for pkg in WORKSPACE:
        assert (pkg.src / "py.typed").exists(), f"{pkg.dist} lacks py.typed"
        assert (pkg.src.parents[1] / "CHANGELOG.md").exists()
        assert (pkg.src.parents[1] / "README.md").exists()
        assert any((pkg.src.parents[1] / "tests").glob("test_*.py")), f"{pkg.dist} has no tests"


@pytest.mark.parametrize("pkg", WORKSPACE, ids=lambda p: p.dist)
def test_package_respects_the_dependency_rules(pkg: Package) -> None:
    problems = check_package(pkg)
    assert not problems, "\n".join(problems)


def test_internal_dependencies_have_no_cycle() -> None:
    names = {p.dist for p in WORKSPACE}
    graph = {p.dist: {d for d in p.declared | p.optional if d in names} for p in WORKSPACE}
    assert find_cycle(graph) is None, f"dependency cycle: {' -> '.join(find_cycle(graph) or [])}"


def test_declared_internal_dependencies_follow_design() -> None:
    names = {p.dist for p in WORKSPACE}
    internal = {p.dist: {d for d in p.declared if d in names} for p in WORKSPACE}
    assert internal["fc-config"] == set()
    assert internal["fc-utils"] == {"fc-config"}
    assert "fc-models" not in internal["fc-graphs"]
    assert "fc-training" not in internal["fc-inference"] | internal["fc-models"]
    # An agency running forecasts installs fc-models + fc-inference only: no datasets needed.
    assert "fc-datasets" not in internal["fc-inference"]


# --- the checker must be able to fail ------------------------------------------------------


def _fake_package(tmp_path: Path, name: str, deps: list[str], code: str) -> Package:
    root = tmp_path / name
    src = root / "src" / name.replace("-", "_")
    src.mkdir(parents=True)
    (src / "__init__.py").write_text(code)
    deps_toml = ", ".join(f'"{d}"' for d in deps)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "0"\ndependencies = [{deps_toml}]\n'
    )
    return load_package(root)


def test_checker_flags_forbidden_and_undeclared_imports(tmp_path: Path) -> None:
    code = (
        "import os\nfrom typing import TYPE_CHECKING\nimport numpy as np\n"
        "if TYPE_CHECKING:\n    import xarray\n"
        "def train():\n    import lightning\n    from fc_training.loop import fit\n"
        "def lazy():\n    import importlib\n    return importlib.import_module('mlflow')\n"
    )
    pkg = _fake_package(tmp_path, "fc-models", ["numpy>=1", "fc-config"], code)
    problems = check_package(pkg)
    text = "\n".join(problems)
    assert "must never import lightning" in text
    assert "must never import fc_training" in text
    assert "must never import mlflow" in text
    assert "xarray" not in text  # TYPE_CHECKING-only imports are not runtime dependencies
    assert "numpy" not in text and "os" not in text


def test_checker_flags_undeclared_dependency(tmp_path: Path) -> None:
    pkg = _fake_package(
        tmp_path, "fc-utils", ["fc-config"], "import safetensors.numpy\nimport fc_config\n"
    )
    assert check_package(pkg) == [
        "fc-utils imports safetensors (in fc_utils/__init__.py) but does not declare 'safetensors'"
    ]


def test_cycle_detection() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
