#!/usr/bin/env bash
# Issue 18's table suite (suite.json beside this script): every table of both sets, three seeds, results into
# OUT (default docs/benchmarks/tables/suite). Needs the generated tables: `bash build/setup.sh --tables` once.
# Extra arguments go to the command, e.g. --suite-set meta-train, --only Glass,Servo, --set "Name=Value", --seeds 1.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out="${OUT:-docs/benchmarks/tables/suite}"
seeds=3
for arg in "$@"; do [ "$arg" = --seeds ] && seeds=""; done   # a --seeds of the caller's wins
if [ ! -f artifacts/tables/Glass.csv ]; then
  echo "run-suite.sh: artifacts/tables/ has no tables; run 'bash build/setup.sh --tables' first." >&2
  exit 1
fi
dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- tables --suite docs/benchmarks/tables/suite.json \
  --out "$out" ${seeds:+--seeds $seeds} "$@"
