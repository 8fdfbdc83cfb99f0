#!/usr/bin/env bash
# One-time machine set-up shared by the README's commands and CI. Idempotent; needs root on Debian 12.
# Default: nothing beyond the .NET SDK is needed (the digits data are committed, libtorch comes from NuGet).
#   --fashion-mnist   also install Debian's package dataset-fashion-mnist (the IDX files that
#                     `dotnet run -c Release --project samples/TrainDigits -- --data fashion-mnist` reads),
#                     unless its files are already there. Uses sudo when not run as root.
set -euo pipefail

fashion_mnist=false
for arg in "$@"; do
  case "$arg" in
    --fashion-mnist) fashion_mnist=true ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (known: --fashion-mnist)." >&2; exit 2 ;;
  esac
done

command -v dotnet >/dev/null || { echo "The .NET SDK (10.0) must be on PATH." >&2; exit 1; }

if $fashion_mnist; then
  dir=/usr/share/datasets/fashion-mnist   # where the package puts them (dpkg -L dataset-fashion-mnist)
  missing=false
  for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    [ -f "$dir/$name.gz" ] || [ -f "$dir/$name" ] || missing=true
  done
  if $missing; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || { echo "Installing dataset-fashion-mnist needs root (or sudo)." >&2; exit 1; }
      sudo=sudo
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y dataset-fashion-mnist
  else
    echo "Fashion-MNIST is already in $dir."
  fi
fi
