#!/usr/bin/env bash
# Builds the libFuzzer targets (clang++, AddressSanitizer + UndefinedBehaviorSanitizer) in
# build-fuzz/ and runs each for SECONDS (default 60) on a copy of its seed corpus.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: idx safetensors model_file (default: all)
#
# A finding (a crash, a sanitizer report, an exception that is not a tinynet::FileError, a
# timeout or an allocation over the limits below) stops that target with exit status 1 and
# leaves the input as build-fuzz/findings/TARGET/crash-* — keep it in tests/fuzz/regressions/TARGET/
# once fixed, where ctest replays it. Longer campaigns: scripts/fuzz.sh 3600.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx safetensors model_file)
clang=$(command -v clang++ || command -v clang++-14 || true)
[ -n "$clang" ] || { echo "fuzz.sh: clang++ is not installed (apt-get install clang)" >&2; exit 2; }

build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$clang" -DTINYNET_BUILD_FUZZERS=ON \
      -DTINYNET_BUILD_TESTS=OFF -DTINYNET_BUILD_EXAMPLES=OFF -DTINYNET_BUILD_BENCHMARKS=OFF >/dev/null
# (one target at a time would compile one file at a time; the build holds only the fuzzers)
if [ ${#targets[@]} -eq 3 ]; then cmake --build "$build" -j "$(nproc)"
else cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}"); fi

status=0
for target in "${targets[@]}"; do
  work="$build/corpus/$target" findings="$build/findings/$target"
  mkdir -p "$work" "$findings"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$work/" 2>/dev/null || true
  cp -n "$root/tests/fuzz/regressions/$target/"* "$work/" 2>/dev/null || true
  echo "fuzz.sh: $target for ${seconds}s"
  # 2 GB of memory, 512 MB per allocation, 10 s per input: beyond these an input is a finding.
  if ! "$build/tests/fuzz/fuzz_$target" "$work" -max_total_time="$seconds" -rss_limit_mb=2048 \
         -malloc_limit_mb=512 -timeout=10 -max_len=262144 -artifact_prefix="$findings/" -print_final_stats=1 \
         2>"$build/fuzz_$target.log"; then
    echo "fuzz.sh: $target FOUND A PROBLEM, see $build/fuzz_$target.log and $findings/" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz_$target.log" | sed "s/^/  $target /"
done
exit $status
