#!/usr/bin/env bash
# The run committed in this folder: every table of issue 11's benchmark, results into docs/benchmarks/tables/
# (the small tables first, so that a run stopped early has them).
# FIELD_CASES: the folder holding c17_many_classes.csv and c12_house_prices.csv (default test/MLNetRiemannian.Tests/data/field-cases, where the tests keep their copies).
# Extra arguments go to the command (e.g. --timeout 900, --out DIR, --trainers RiemannianMlp).
set -euo pipefail
cd "$(dirname "$0")/../../.."
field_cases="${FIELD_CASES:-test/MLNetRiemannian.Tests/data/field-cases}"
dotnet run -c Release --project test/MLNetRiemannian.Benchmarks -- tables --out docs/benchmarks/tables \
  --data samples/data/digits.csv --no-header --label C64 --task multiclass \
  --data samples/data/breast_cancer.csv --skip-lines 1 --no-header --label C30 --task binary \
  --data samples/data/boston_house_prices.csv --skip-lines 1 --label MEDV --ignore B --task regression \
  --data "$field_cases/c12_house_prices.csv" --label Price --task regression \
  --data samples/data/letter_recognition.csv --label lettr --task multiclass \
  --data samples/data/austen_lines.csv --label book --task multiclass \
  --data "$field_cases/c17_many_classes.csv" --label Category --task multiclass \
  "$@"
