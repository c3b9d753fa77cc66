"""Every package's console script is installed, answers --help and --version, and stays light.

Start-up speed itself is measured by ``make bench`` (benchmarks/bench_startup.py); here we check
what makes it fast: ``--help`` never imports the heavy libraries.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "torch",
    "torch_geometric",
    "mlflow",
    "dask",
    "lightning",
    "hydra",
    "zarr",
    "xarray",
    "scipy",
    "eccodes",
)


def _scripts() -> list[tuple[str, str]]:
    found = []
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        found += list(project.get("scripts", {}).items())
    return found


SCRIPTS = _scripts()


def test_every_package_has_a_console_script() -> None:
    assert sorted(name for name, _ in SCRIPTS) == sorted(
        [
            "fc-config",
            "fc-utils",
            "fc-datasets",
            "fc-graphs",
            "fc-models",
            "fc-training",
            "fc-inference",
        ]
    )


@pytest.mark.parametrize(("name", "target"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_console_script_answers_help_and_version(name: str, target: str) -> None:
    exe = Path(sys.executable).parent / name
    assert exe.exists(), f"{name} is not installed in {exe.parent}"
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"usage: {name}" in done.stdout
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith(name)


@pytest.mark.parametrize(("name", "target"), SCRIPTS, ids=[n for n, _ in SCRIPTS])
def test_help_imports_no_heavy_library(name: str, target: str) -> None:
    module, func = target.split(":")
    code = (
        "import sys\n"
        f"from {module} import {func} as main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"sys.stderr.write(repr(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_bad_command_line_exits_non_zero() -> None:
    exe = Path(sys.executable).parent / "fc-utils"
    done = subprocess.run([str(exe), "no-such-command"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr
