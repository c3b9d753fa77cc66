#!/usr/bin/env bash
# Builds a wheel of every package, then installs each one in a fresh virtual environment (with
# the other fc wheels as its only source of fc packages) and runs its command-line tool's --help:
# the check that a published wheel carries everything its CLI needs.
#
# The fc wheels a package needs are passed as files: an unrelated project already holds the name
# fc-config on PyPI, so a resolver must never be left to pick an fc package from an index.
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
  # the wheel plus the fc wheels it needs, directly or through another fc package
  mapfile -t needed < <(python3 - "$dist" "$wheel" <<'PY'
import re, sys, zipfile
from pathlib import Path
dist, first = Path(sys.argv[1]), Path(sys.argv[2])
wheels = {w.name.split("-")[0].replace("_", "-"): w for w in dist.glob("*.whl")}
def requires(wheel):
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        lines = z.read(meta).decode().splitlines()
    return [re.split(r"[ ;<>=!~\[(]", l.split(":", 1)[1].strip())[0] for l in lines
            if l.startswith("Requires-Dist:") and "extra ==" not in l]
todo, seen = [first], []
while todo:
    w = todo.pop()
    if w in seen:
        continue
    seen.append(w)
    todo += [wheels[r] for r in requires(w) if r in wheels]
print("\n".join(str(w) for w in seen))
PY
)
  VIRTUAL_ENV="$env" "$uv" pip install --quiet "${needed[@]}"
  "$env/bin/$name" --help >/dev/null
  echo "$name: wheel installs and '$name --help' runs"
  rm -rf "$(dirname "$env")"
done
