#!/usr/bin/env bash
# Builds a wheel of every package, then installs each one in a fresh virtual environment (with
# the other fc wheels as its only source of fc packages) and runs its command-line tool's --help:
# the check that a published wheel carries everything its CLI needs.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$(scripts/ensure-uv.sh)
dist=${DIST:-dist}
rm -rf "$dist"
"$uv" build --all-packages --wheel --out-dir "$dist" --quiet
ls -1 "$dist"
for wheel in "$dist"/*.whl; do
  name=$(basename "$wheel" | cut -d- -f1 | tr _ -)
  env=$(mktemp -d)/venv
  "$uv" venv --quiet "$env"
  VIRTUAL_ENV="$env" "$uv" pip install --quiet --find-links "$dist" "$wheel"
  "$env/bin/$name" --help >/dev/null
  echo "$name: wheel installs and '$name --help' runs"
  rm -rf "$(dirname "$env")"
done
