#!/usr/bin/env bash
# Downloads the four Fashion-MNIST files into DIR and checks them against the MD5 sums
# published in Zalando's fashion-mnist README.
#
#   scripts/download-fashion-mnist.sh DIR                 fetch what is missing, then verify all four
#   scripts/download-fashion-mnist.sh --verify-only DIR   fetch nothing, only verify
#
# A file already in DIR is not fetched again, only verified, so a re-run resumes. Files come
# from the official S3 mirror, then from the GitHub repository if that fails (curl or wget).
#
# Debian's dataset-fashion-mnist package ships the very same compressed data with its gzip
# header normalised (no stored file name, another timestamp), so the .gz's own MD5 differs
# from the published one. Such a file passes when its decompressed contents match the MD5 of
# the published files' contents (listed below; they were taken from the published archives).
# An uncompressed file (train-images-idx3-ubyte, ...) is checked against that MD5 too.
#
# Exit status: 0 all four files verified, 1 a file missing or a checksum mismatch,
#              2 bad usage, 3 a download failed.
set -euo pipefail

usage() {
  echo "usage: $0 [--verify-only] DIR" >&2
  exit 2
}

verify_only=0
if [ "${1:-}" = "--verify-only" ]; then
  verify_only=1
  shift
fi
[ $# -eq 1 ] || usage
case "$1" in -*) usage ;; esac
dir=$1

names="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"
mirrors="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com
https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion"

# MD5 of NAME.gz as published, and of its decompressed contents (bash 3 has no maps).
published_gz_md5() {
  case "$1" in
    train-images-idx3-ubyte) echo 8d4fb7e6c68d591d4c3dfef9ec88bf0d ;;
    train-labels-idx1-ubyte) echo 25c81989df183df01b3e8a0aad5dffbe ;;
    t10k-images-idx3-ubyte)  echo bef4ecab320f06d8554ea6380940ec79 ;;
    t10k-labels-idx1-ubyte)  echo bb300cfdad3c16e7a12a480ee83cd310 ;;
  esac
}
published_data_md5() {
  case "$1" in
    train-images-idx3-ubyte) echo f4a8712d7a061bf5bd6d2ca38dc4d50a ;;
    train-labels-idx1-ubyte) echo 9018921c3c673c538a1fc5bad174d6f9 ;;
    t10k-images-idx3-ubyte)  echo 8181f5470baa50b63fa0f6fddb340f0a ;;
    t10k-labels-idx1-ubyte)  echo 15d484375f8d13e6eb1aabb0c3f46965 ;;
  esac
}

# MD5 of standard input: md5sum (Linux) or md5 (macOS, BSD).
md5_of() {
  if command -v md5sum >/dev/null 2>&1; then
    md5sum | cut -d' ' -f1
  elif command -v md5 >/dev/null 2>&1; then
    md5 -q
  else
    echo "error: neither md5sum nor md5 is installed" >&2
    return 1
  fi
}

fetch() {  # URL OUT
  if command -v curl >/dev/null 2>&1; then
    curl -fL --retry 3 --connect-timeout 30 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q --tries=3 --timeout=30 -O "$2" "$1"
  else
    echo "error: neither curl nor wget is installed" >&2
    return 1
  fi
}

if [ "$verify_only" = 0 ]; then
  mkdir -p "$dir"
  for name in $names; do
    if [ -f "$dir/$name.gz" ] || [ -f "$dir/$name" ]; then
      echo "have   $name (not fetched again)"
      continue
    fi
    ok=0
    for mirror in $mirrors; do
      echo "fetch  $mirror/$name.gz"
      if fetch "$mirror/$name.gz" "$dir/$name.gz.part"; then
        mv "$dir/$name.gz.part" "$dir/$name.gz"
        ok=1
        break
      fi
      rm -f "$dir/$name.gz.part"
    done
    if [ "$ok" = 0 ]; then
      echo "error: could not download $name.gz from any mirror" >&2
      exit 3
    fi
  done
fi

failed=0
for name in $names; do
  want_gz=$(published_gz_md5 "$name")
  want_data=$(published_data_md5 "$name")
  if [ -f "$dir/$name.gz" ]; then
    file="$dir/$name.gz"
    got_gz=$(md5_of <"$file")
    if [ "$got_gz" = "$want_gz" ]; then
      echo "OK     $file (md5 $got_gz, as published)"
      continue
    fi
    got_data=$(gzip -dc "$file" 2>/dev/null | md5_of) || got_data="(not a valid gzip file)"
    if [ "$got_data" = "$want_data" ]; then
      echo "OK     $file (gzip header differs from the published file, decompressed data" \
           "matches: md5 $got_data)"
      continue
    fi
    echo "MD5 MISMATCH $file: expected $want_gz (or decompressed $want_data)," \
         "got $got_gz (decompressed $got_data); delete it and run again" >&2
    failed=1
  elif [ -f "$dir/$name" ]; then
    file="$dir/$name"
    got_data=$(md5_of <"$file")
    if [ "$got_data" = "$want_data" ]; then
      echo "OK     $file (uncompressed, md5 $got_data)"
      continue
    fi
    echo "MD5 MISMATCH $file: expected $want_data, got $got_data; delete it and run again" >&2
    failed=1
  else
    echo "MISSING $dir/$name.gz (nor $dir/$name)" >&2
    failed=1
  fi
done

if [ "$failed" != 0 ]; then
  echo "Fashion-MNIST in $dir failed verification" >&2
  exit 1
fi
echo "Fashion-MNIST in $dir verified; load it with load_fashion_mnist(\"$dir\") or TINYNET_DATA=$dir"
