#!/usr/bin/env bash
# Packs MLNetRiemannian and MLNetRiemannian.Scoring into a folder, then builds and runs the two apps of
# samples/PackageConsumer against those packages — not the projects — with an empty NuGet package cache, as a new user's
# apps would: Microsoft.ML and libtorch-cpu-linux-x64 come from the registry, the two packages from the folder.
#   Trainer on Microsoft.ML 6.0.0 and on 5.0.1: trains on the digits, evaluates, saves, reloads and scores.
#   Trainer without any libtorch: the first Fit must name the packages to add, having copied no libtorch into the app.
#   Scorer (MLNetRiemannian.Scoring only): scores the saved model and loads no TorchSharp and no libtorch.
# Also checks the packages' direct dependencies. Prints "check NAME: passed|failed" per check and ends with
# "N passed, N failed" (.ci/run adds these to the test counts). Packs the current Release build (--no-build): run
# `dotnet build MLNetRiemannian.sln -c Release` first. Usage: bash build/check-packages.sh [--keep DIR]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
keep=""
[ "${1:-}" = "--keep" ] && keep="${2:?--keep needs a folder}"

work=$(mktemp -d /tmp/mlnetriemannian-packages.XXXXXX)
cleanup() { if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$work"/. "$keep"/; fi; rm -rf "$work"; }
trap cleanup EXIT
# A version no earlier run used, so that no package cache can hand back another build of the same version.
version="0.1.0-check.$(date -u +%Y%m%d%H%M%S).$$"
export NUGET_PACKAGES="$work/nuget-packages"   # an empty global package folder: nothing restored before counts
export DOTNET_CLI_TELEMETRY_OPTOUT=1

passed=0; failed=0
check() { # NAME, then the command; its output goes to $work/NAME.log
  local name=$1; shift
  if "$@" >"$work/$name.log" 2>&1; then echo "check $name: passed"; passed=$((passed + 1))
  else echo "check $name: failed (last lines of its log follow)"; tail -25 "$work/$name.log"; failed=$((failed + 1)); fi
}

pack() {
  dotnet pack "$root/src/MLNetRiemannian.Scoring/MLNetRiemannian.Scoring.csproj" -c Release --no-build -o "$work/packages" -p:PackageVersion="$version" &&
  dotnet pack "$root/src/MLNetRiemannian/MLNetRiemannian.csproj" -c Release --no-build -o "$work/packages" -p:PackageVersion="$version"
}
check pack pack

# The direct dependencies each package states: exactly what its code uses.
dependencies() { # PACKAGE, then the expected "id version" lines
  local package=$1; shift
  local listed
  listed=$(unzip -p "$work/packages/$package.$version.nupkg" "$package.nuspec" | grep -o '<dependency id="[^"]*" version="[^"]*"' | sed 's/<dependency id="\([^"]*\)" version="\([^"]*\)"/\1 \2/' | sort)
  echo "$package depends on:"; echo "$listed"
  [ "$listed" = "$(printf '%s\n' "$@" | sort)" ]
}
check trainer-package-dependencies dependencies MLNetRiemannian "Microsoft.ML [5.0.1, 7.0.0)" "MLNetRiemannian.Scoring $version" "TorchSharp [0.107.0, 0.108.0)"
check scoring-package-dependencies dependencies MLNetRiemannian.Scoring "Microsoft.ML [5.0.1, 7.0.0)" "System.Numerics.Tensors 9.0.19"

app() { # PROJECT OUTPUT-FOLDER EXTRA-MSBUILD-ARGS...
  local project=$1 out=$2; shift 2
  dotnet build "$root/samples/PackageConsumer/$project/$project.csproj" -c Release -o "$out" -p:MLNetRiemannianVersion="$version" \
    -p:RestoreAdditionalProjectSources="$work/packages" -nologo "$@"
}
train() { # MLNET-VERSION
  app Trainer "$work/trainer-$1" -p:MLNetVersion="$1" || return 1
  dotnet "$work/trainer-$1/Trainer.dll" "$work/model-$1.zip" | tee "$work/trainer-$1.out" && grep -q "^microsoft-ml: $1\$" "$work/trainer-$1.out"
}
check trainer-on-microsoft-ml-6.0.0 train 6.0.0
check trainer-on-microsoft-ml-5.0.1 train 5.0.1

without_libtorch() {
  app Trainer "$work/trainer-no-libtorch" -p:WithLibTorch=false || return 1
  dotnet "$work/trainer-no-libtorch/Trainer.dll" "$work/never.zip" > "$work/no-libtorch.out" 2>&1
  local status=$?
  cat "$work/no-libtorch.out"
  # ... and before that, nothing copied into the app: TorchSharp's own fallback copies a libtorch it finds in the package
  # cache (this check's cache holds the other apps' libtorch-cpu-linux-x64) into bin/.../cpu/, about 480 MB.
  if [ -e "$work/trainer-no-libtorch/cpu" ]; then
    echo "a libtorch was copied into the app without one: $(du -sh "$work/trainer-no-libtorch/cpu" | cut -f1) in $work/trainer-no-libtorch/cpu"
    return 1
  fi
  [ "$status" -eq 3 ] && grep -q "libtorch-cpu-linux-x64" "$work/no-libtorch.out"
}
check trainer-without-libtorch-names-the-package without_libtorch

score() {
  app Scorer "$work/scorer" -p:MLNetVersion=6.0.0 && dotnet "$work/scorer/Scorer.dll" "$work/model-6.0.0.zip" &&
  ! ls "$work/scorer" | grep -qi torch   # nothing of torch in the scoring app's output folder either
}
check scorer-without-torch score

for log in "$work"/*.log; do
  grep -E "^(microsoft-ml|accuracy|reloaded-accuracy|first-test-row|scoring-accuracy|torch-loaded|fit-refused):" "$log" | cut -c1-200 | sed "s|^|  $(basename "$log" .log): |"
done
echo "restored package cache: $(du -sh "$NUGET_PACKAGES" | cut -f1); trainer app output (linux-x64 libtorch): $(du -sh "$work/trainer-6.0.0" 2>/dev/null | cut -f1)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
