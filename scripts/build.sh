#!/usr/bin/env bash
# Configures and builds tinynet (Release) in build/, after installing what is missing.
# Usage: scripts/build.sh [cmake --build arguments, e.g. --target fashion_mnist]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j "$(nproc)" "$@"
