#!/usr/bin/env bash
# Checks that every C++ file follows .clang-format (clang-format 14, Debian's clang-format).
# Prints the files that do not and exits 1; `scripts/check-format.sh --fix` reformats them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$format" ] || { echo "check-format: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(find include examples tests benchmarks -name '*.hpp' -o -name '*.cpp' | sort)
if [ "${1:-}" = "--fix" ]; then
  "$format" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$format" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run scripts/check-format.sh --fix)"
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "check-format: ${#files[@]} files follow .clang-format"
exit "$bad"
