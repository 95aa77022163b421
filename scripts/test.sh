#!/usr/bin/env bash
# Builds everything and runs the whole test suite, installing what is missing first:
#
#   1. build/ (Release): every test, example and consumer project, with ctest in parallel;
#   2. build-sanitize/ (clang++ -O1, AddressSanitizer + UndefinedBehaviorSanitizer without
#      recovery, and libstdc++'s _GLIBCXX_ASSERTIONS): the tests of untrusted input and of the
#      index-arithmetic kernels, and the fuzz replays, again;
#   3. the libFuzzer targets, FUZZ_SECONDS (default 30) each, with clang++ (scripts/fuzz.sh).
#
# TINYNET_TEST_QUICK=1 runs step 1 only (a developer's quick loop); CI runs all three (about
# 23 minutes on 2 cores: 1376 s from a fresh clone, 2026-12-02).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs=$(nproc)
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")
[ "${TINYNET_TEST_QUICK:-0}" = 1 ] && exit 0

# The sanitizer build compiles the tests of everything that reads untrusted bytes (IDX, gzip,
# safetensors, model files, the registry, the dataset loader), of bad numbers, of the kernels
# with hand-written index arithmetic (Conv2D, MaxPooling2D, the matrix product) and of the
# thread pool: 11 of the 30 test files, about 6 minutes with clang++ -O1 -g1 on 2 cores (all of
# them, with g++ -O1 -g, took over 20). TINYNET_SANITIZE_ALL=1 compiles every test file.
echo "== the tests of untrusted input under ASan + UBSan + _GLIBCXX_ASSERTIONS"
clang=$(command -v clang++ || command -v clang++-14)
sanitize="-O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -D_GLIBCXX_ASSERTIONS"
files="test_idx.cpp;test_safetensors.cpp;test_model_file.cpp;test_hostile_files.cpp;test_bad_numbers.cpp"
files="$files;test_registry.cpp;test_fashion_mnist_data.cpp;test_conv2d.cpp;test_max_pooling2d.cpp;test_thread_pool.cpp"
files="$files;test_matrix_product.cpp"
[ "${TINYNET_SANITIZE_ALL:-0}" = 1 ] && files=""
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER="$clang" \
      -DCMAKE_CXX_FLAGS="$sanitize" -DTINYNET_TEST_FILES="$files" -DTINYNET_TEST_UNITS_ONLY=ON \
      -DTINYNET_BUILD_EXAMPLES=OFF -DTINYNET_BUILD_BENCHMARKS=OFF -DTINYNET_INSTALL=OFF >/dev/null
cmake --build "$root/build-sanitize" -j "$jobs"
(cd "$root/build-sanitize" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j "$jobs")

echo "== the fuzzers, ${FUZZ_SECONDS:-30} s each"
"$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-30}"
