#!/usr/bin/env bash
# The fc demo: runs the pipeline end to end on generated sample data, as far as it exists.
# Each stage is what a user would type; outputs go to build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/demo
rm -rf "$out" && mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The grid: octahedral reduced Gaussian O48 (generated, no download)"
fc-utils grid O48

step "2. An archive to start from: a month of 6-hourly synthetic weather written as GRIB2 files"
fc-datasets synthetic "$out/grib" --grid O48 --start 2020-01-01 --end 2020-01-31T18 --frequency 6h \
  --param 2t msl 10u 10v sp z t u v q --level 500 850

step "3. A training dataset from those GRIB files and a recipe (configs/datasets/demo-grib.yaml)"
fc-datasets create configs/datasets/demo-grib.yaml "$out/dataset.zarr"

step "4. What the dataset holds: variables, dates, statistics"
fc-datasets inspect "$out/dataset.zarr"
fc-datasets validate "$out/dataset.zarr" --full

step "5. The same dataset built in two parts, as two parallel jobs would, is bit-identical"
fc-datasets init configs/datasets/demo-grib.yaml "$out/parts.zarr" -q
fc-datasets load "$out/parts.zarr" --part 1/2 -q &
fc-datasets load "$out/parts.zarr" --part 2/2 -q
wait
fc-datasets finalise "$out/parts.zarr" -q
fc-datasets compare "$out/dataset.zarr" "$out/parts.zarr"

step "6. Training samples through open_dataset views (select, dates, frequency)"
python - "$out/dataset.zarr" <<'PY'
import sys
from fc_datasets import open_dataset

ds = open_dataset(sys.argv[1], select=["z_500", "t_850", "2t", "insolation"], start="2020-01-08", frequency="12h")
x = ds[0]
print(f"{len(ds)} samples of shape {x.shape} ({x.dtype}) from {ds.dates[0]} every {ds.frequency}")
print("variables:", ", ".join(ds.variables))
print("z_500 mean/stdev:", *(f"{ds.statistics[s][0]:.1f}" for s in ("mean", "stdev")))
PY

step "7. Bad input gets a clear error and a non-zero exit (a typo in a recipe)"
sed 's/levtype: pl/levtyp: pl/' configs/datasets/demo-grib.yaml > "$out/typo.yaml"
if fc-datasets create "$out/typo.yaml" "$out/typo.zarr"; then
  echo "a bad recipe was accepted" >&2; exit 1
fi
test ! -e "$out/typo.zarr" || { echo "a bad recipe left a dataset behind" >&2; exit 1; }

printf '\nDemo finished: outputs in %s/. Graphs, training, forecasts and verification join as their packages land.\n' "$out"
