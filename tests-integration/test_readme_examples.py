"""The Python examples in the READMEs run as written (each ```python block, from a file).

fc-config's README is tested by fc-config itself (``packages/fc-config/tests/test_readme.py``),
so that it also runs in that package's isolated environment.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = [
    ROOT / "README.md",
    *sorted(p for p in ROOT.glob("packages/*/README.md") if p.parent.name != "fc-config"),
]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)

EXAMPLES = [
    pytest.param(code, id=f"{readme.relative_to(ROOT)}#{i}")
    for readme in READMES
    for i, code in enumerate(BLOCK.findall(readme.read_text(encoding="utf-8")))
]


@pytest.mark.parametrize("code", EXAMPLES)
def test_readme_example_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # run from a file: schema field docstrings are read from the source
    script = tmp_path / "readme_example.py"
    script.write_text(code, encoding="utf-8")
    runpy.run_path(str(script), run_name="readme")


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 1
