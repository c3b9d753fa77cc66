#!/usr/bin/env bash
# The fc demo: runs the pipeline end to end on generated sample data, as far as it exists.
# Each stage is what a user would type; outputs go to build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/demo
rm -rf "$out" && mkdir -p "$out"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. The grid: octahedral reduced Gaussian O96 (no download), coordinates saved for later stages"
fc-utils grid O96 --output "$out/o96.npz"

step "2. The dates of a training period, split into the parts that parallel dataset loads would take"
fc-utils dates 2020-01-01 2020-01-31T18 6h --missing 2020-01-13T06 --parts 4

step "3. Computed forcings on that grid (what datasets and inference both add to the inputs)"
fc-utils forcings cos_latitude sin_julian_day cos_local_time insolation toa_incident_solar_radiation --grid O96 --date 2020-06-21T12

step "4. Dataset metadata for that grid and period, validated against its schema"
python scripts/demo_metadata.py "$out/dataset-metadata.json"
fc-config validate dataset-metadata "$out/dataset-metadata.json"

step "5. An artifact file (JSON metadata + safetensors, written atomically), inspected and verified"
python scripts/demo_artifact.py "$out/o96-forcings.fc"
fc-utils inspect "$out/o96-forcings.fc"
fc-utils verify "$out/o96-forcings.fc"

step "6. A typo in a document gets a clear error and a non-zero exit"
sed 's/"frequency"/"frequncy"/' "$out/dataset-metadata.json" > "$out/bad-metadata.json"
if fc-config validate dataset-metadata "$out/bad-metadata.json"; then
  echo "a bad document was accepted" >&2; exit 1
fi

printf '\nDemo finished: outputs in %s/. Later stages (dataset, graph, training, forecast, verification) join as their packages land.\n' "$out"
