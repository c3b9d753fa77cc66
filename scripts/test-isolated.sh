#!/usr/bin/env bash
# Runs each package's tests in an environment that holds only that package, its declared
# dependencies (resolved from uv.lock) and pytest — so an undeclared dependency, or an import of
# a package that a component must not need, fails here even when the full workspace hides it.
#
#   scripts/test-isolated.sh                 # every package, then the models+inference pair
#   scripts/test-isolated.sh fc-utils        # one package
#   scripts/test-isolated.sh models-inference
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$(scripts/ensure-uv.sh)
all=(fc-config fc-utils fc-datasets fc-graphs fc-models fc-training fc-inference models-inference)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
marks=${PYTEST_MARKS:-"not slow and not gpu"}
failed=()

sync_env() {  # sync_env ENV_DIR PACKAGE...
  local env=$1; shift
  local args=()
  for p in "$@"; do args+=(--package "$p"); done
  UV_PROJECT_ENVIRONMENT="$env" "$uv" sync --quiet --locked --no-default-groups --group test "${args[@]}"
}

for target in "${targets[@]}"; do
  echo "=== isolated: $target"
  env=".venvs/$target"
  case "$target" in
    models-inference)
      # What an agency that runs forecasts installs: fc-models + fc-inference, nothing of training.
      sync_env "$env" fc-models fc-inference
      "$env/bin/python" - <<'PY'
import importlib.util, sys
present = [m for m in ("lightning", "pytorch_lightning", "hydra", "mlflow", "fc_training")
           if importlib.util.find_spec(m) is not None]
if present:
    sys.exit(f"models-inference environment must not contain {present}")
print("no lightning, hydra, mlflow or fc_training installed: ok")
PY
      tests=(packages/fc-models/tests packages/fc-inference/tests)
      ;;
    fc-*)
      [ -d "packages/$target" ] || { echo "unknown package $target" >&2; exit 2; }
      sync_env "$env" "$target"
      tests=("packages/$target/tests")
      ;;
    *) echo "unknown target $target (a package name or models-inference)" >&2; exit 2 ;;
  esac
  rc=0
  for t in "${tests[@]}"; do
    "$env/bin/python" -m pytest -q -m "$marks" -p no:cacheprovider "$t" || rc=$?
  done
  [ $rc -eq 0 ] || failed+=("$target")
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "isolated tests failed for: ${failed[*]}" >&2
  exit 1
fi
echo "isolated tests passed for: ${targets[*]}"
