#!/usr/bin/env bash
# One-time machine set-up shared by the README's commands and CI. Idempotent; needs root on Debian 12.
# Today: nothing beyond the .NET SDK is needed (the digits data are committed, libtorch comes from NuGet).
set -euo pipefail
command -v dotnet >/dev/null || { echo "The .NET SDK (10.0) must be on PATH." >&2; exit 1; }
