#!/usr/bin/env bash
# Installs what tinynet needs from Debian/Ubuntu packages, only what is missing.
# Uses sudo when not root. Safe to run again: it does nothing when all is there.
set -euo pipefail

# Build and library: g++, CMake, Eigen, Catch2, stb, zlib, nlohmann/json, the data set.
# Tests: python3-numpy (the safetensors reader check), clang with libc++ (the strict consumer
# build, the same-draws-with-libc++ check, the sanitizer build and the fuzzers), clang-format
# (the format check).
packages=(g++ cmake make libeigen3-dev catch2 libstb-dev zlib1g-dev nlohmann-json3-dev
          dataset-fashion-mnist python3-numpy clang libc++-dev libc++abi-dev clang-format)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "tinynet: installing missing packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "tinynet: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
