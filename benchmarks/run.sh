#!/usr/bin/env bash
# tinynet's benchmark suite, in one command: installs what the build needs (scripts/install-deps.sh),
# builds the harness (bench) and the FMA-peak probe (fma_peak) in build-bench/, then runs
# benchmarks/run.py, which measures tinynet and, when Debian's python3-torch is installed, the
# PyTorch references side by side, and writes benchmarks/results.json and benchmarks/RESULTS.md.
#
#   benchmarks/run.sh                    the whole suite (3 repetitions; about half an hour on 2 cores)
#   benchmarks/run.sh --quick            a smoke test: tiny subsets, 1 repetition, well under a minute
#   benchmarks/run.sh --models mlp,cnn --repeat 5 --no-torch --out results.json
#   benchmarks/run.sh --help             every option
#
# Environment: TINYNET_BENCH_BUILD (the build directory, default build-bench/ in the repository),
# TINYNET_BENCH_JOBS (parallel compile jobs, default 1), TINYNET_DATA (the Fashion-MNIST
# directory, default /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${TINYNET_BENCH_BUILD:-$root/build-bench}"
jobs="${TINYNET_BENCH_JOBS:-1}"
python=/usr/bin/python3  # Debian's: a python3 earlier on PATH (pyenv, venv) may lack torch
[ -x "$python" ] || python="$(command -v python3)"

for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then exec "$python" "$root/benchmarks/run.py" --help; fi
done

"$root/scripts/install-deps.sh"  # the build's Debian packages, only what is missing (python3-torch stays optional)
configure=(cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTINYNET_BUILD_TESTS=OFF)
compile=(cmake --build "$build" -j "$jobs" --target bench fma_peak)
echo "run.sh: ${configure[*]}" >&2
"${configure[@]}" >/dev/null
echo "run.sh: ${compile[*]}" >&2
"${compile[@]}" >&2

rel() { sed "s|$root/||g; s|$root|.|g"; }
TINYNET_BENCH_BUILD_COMMANDS="$(printf '%s\n%s' "${configure[*]}" "${compile[*]}" | rel)"
TINYNET_BENCH_INVOCATION="benchmarks/run.sh"
[ $# -eq 0 ] || TINYNET_BENCH_INVOCATION+="$(printf ' %q' "$@")"
export TINYNET_BENCH_BUILD_COMMANDS TINYNET_BENCH_INVOCATION
exec "$python" "$root/benchmarks/run.py" --build-dir "$build" --python "$python" "$@"
