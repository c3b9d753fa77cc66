"""The Python examples of the README run as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks
    for i, block in enumerate(blocks):
        # run from a file: field docstrings are read from the source
        script = tmp_path / f"readme_block_{i}.py"
        script.write_text(block, encoding="utf-8")
        runpy.run_path(str(script), run_name="readme")
