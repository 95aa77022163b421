#!/usr/bin/env bash
# Builds the Fashion-MNIST example and runs it (installing what is missing first).
# Usage: scripts/example.sh [fashion_mnist options]   e.g. scripts/example.sh --model cnn
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" --target fashion_mnist
exec "$root/build/examples/fashion_mnist/fashion_mnist" "$@"
