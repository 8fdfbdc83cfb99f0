#!/usr/bin/env bash
# One-time machine set-up shared by the README's commands and CI. Idempotent; needs root on Debian 12.
# Default: nothing beyond the .NET SDK is needed (the digits data are committed, libtorch comes from NuGet).
#   --fashion-mnist   also install Debian's package dataset-fashion-mnist (the IDX files that
#                     `dotnet run -c Release --project samples/TrainDigits -- --data fashion-mnist` reads),
#                     unless its files are already there. Uses sudo when not run as root.
#   --tables          also install Debian's r-base-core, r-cran-mlbench, r-cran-janeaustenr and r-cran-modeldata,
#                     regenerate samples/data/letter_recognition.csv and samples/data/austen_lines.csv with
#                     build/extract-tables.R (the committed files are those; see samples/data/README.md), and write the
#                     20 public tables of the suite (docs/benchmarks/tables/suite.json) into artifacts/tables/ (git-ignored)
#                     with build/extract-suite-tables.R, checked against build/suite-tables.sha256.
#                     Uses sudo when not run as root.
set -euo pipefail

fashion_mnist=false
tables=false
for arg in "$@"; do
  case "$arg" in
    --fashion-mnist) fashion_mnist=true ;;
    --tables) tables=true ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (known: --fashion-mnist, --tables)." >&2; exit 2 ;;
  esac
done

command -v dotnet >/dev/null || { echo "The .NET SDK (10.0) must be on PATH." >&2; exit 1; }

# apt_install PACKAGE...: apt-get update and install, as root or through sudo.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Installing $* needs root (or sudo)." >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

if $fashion_mnist; then
  dir=/usr/share/datasets/fashion-mnist   # where the package puts them (dpkg -L dataset-fashion-mnist)
  missing=false
  for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$dir/$name.gz" ] || [ -f "$dir/$name" ] || missing=true
  done
  if $missing; then
    apt_install dataset-fashion-mnist
  else
    echo "Fashion-MNIST is already in $dir."
  fi
fi

if $tables; then
  if ! Rscript -e 'library(mlbench); library(janeaustenr); library(modeldata)' >/dev/null 2>&1; then
    # without the recommends: about 500 packages fewer
    apt_install --no-install-recommends r-base-core r-cran-mlbench r-cran-janeaustenr r-cran-modeldata
  fi
  build="$(cd "$(dirname "$0")" && pwd)"
  Rscript "$build/extract-tables.R" "$build/../samples/data"
  mkdir -p "$build/../artifacts/tables"
  Rscript "$build/extract-suite-tables.R" "$build/../artifacts/tables"
  # Other R or package versions may print numbers differently: the tables are then usable but not the ones measured.
  if ! (cd "$build/../artifacts/tables" && sha256sum --check --quiet "$build/suite-tables.sha256"); then
    echo "setup.sh --tables: the tables in artifacts/tables differ from build/suite-tables.sha256 (other R or package versions?); results may not match the committed ones." >&2
  fi
fi

# Say what was done, so that a run with nothing to do is not mistaken for one that did nothing by accident.
done_what="the .NET SDK is on PATH"
$fashion_mnist && done_what="$done_what; Fashion-MNIST's files are in place"
$tables && done_what="$done_what; the suite's tables are in artifacts/tables"
echo "setup.sh: ready ($done_what)."
