#!/usr/bin/env bash
# Prints the path of a uv executable, installing uv from PyPI first when none is found.
# Used by the Makefile so that a fresh machine needs nothing but Python 3.11+ and make.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then
  command -v uv
  exit 0
fi
here=$(cd "$(dirname "$0")/.." && pwd)
tool_env="$here/.tools/uv"
if [ ! -x "$tool_env/bin/uv" ]; then
  python=${PYTHON:-$(command -v python3 || command -v python)}
  echo "uv not found: installing it from PyPI into $tool_env" >&2
  "$python" -m venv "$tool_env" >&2
  "$tool_env/bin/python" -m pip install --quiet --disable-pip-version-check uv >&2
fi
echo "$tool_env/bin/uv"
