#!/usr/bin/env bash
# A run killed mid-epoch (SIGKILL) leaves its last checkpoint loadable, and --resume continues
# from it to the very same final weights as a run that was never interrupted; Ctrl-C (SIGINT)
# ends a run cleanly, keeping the last whole epoch, and no temporary file survives either.
#
#   kill_and_resume.sh FASHION_MNIST_BINARY SCRATCH_DIR
set -euo pipefail
bin=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
args=(--model mlp --epochs 6 --seed 3 --threads 1 --verbose 2)

# The checkpoint's epoch, from its header ("epoch":"N"), or 0.
checkpoint_epoch() {
  [ -f "$1" ] || { echo 0; return; }
  head -c 4096 "$1" | grep -ao '"epoch":"[0-9]*"' | grep -o '[0-9]*' || echo 0
}
# Starts a run with a checkpoint in the background, waits until the checkpoint holds epoch 2,
# then a little more (into epoch 3), and sends signal $2.
interrupt_run() {
  local ck=$1 signal=$2 log=$3
  "$bin" "${args[@]}" --checkpoint "$ck" >"$log" 2>&1 &
  local pid=$! waited=0
  until [ "$(checkpoint_epoch "$ck")" -ge 2 ]; do
    sleep 0.02
    waited=$((waited + 1))
    [ $waited -lt 3000 ] || { echo "no checkpoint after 60 s"; kill -9 $pid; exit 1; }
  done
  sleep 0.15
  kill -"$signal" $pid
  wait $pid && status=0 || status=$?
  echo "$status"
}

echo "1. the uninterrupted run"
"$bin" "${args[@]}" --save "$dir/full.safetensors" >"$dir/full.log"

echo "2. a run killed with SIGKILL during epoch 3"
status=$(interrupt_run "$dir/killed.safetensors" KILL "$dir/killed.log")
[ "$status" = 137 ] || { echo "expected the run to be killed (137), got $status"; exit 1; }
epoch=$(checkpoint_epoch "$dir/killed.safetensors")
echo "   killed; the checkpoint holds epoch $epoch"
[ "$epoch" -ge 2 ] && [ "$epoch" -lt 6 ] || { echo "the kill did not land mid-run (epoch $epoch)"; exit 1; }

echo "3. --resume from it, to the same 6 epochs"
"$bin" "${args[@]}" --resume "$dir/killed.safetensors" --save "$dir/resumed.safetensors" >"$dir/resumed.log"
grep -q "Resuming .* after epoch $epoch" "$dir/resumed.log"
cmp "$dir/full.safetensors" "$dir/resumed.safetensors" || { echo "resumed weights differ from the uninterrupted run"; exit 1; }
echo "   the resumed model file is byte-identical to the uninterrupted one"

echo "4. Ctrl-C (SIGINT) during epoch 3"
status=$(interrupt_run "$dir/interrupted.safetensors" INT "$dir/interrupted.log")
[ "$status" = 130 ] || { echo "expected exit status 130 after SIGINT, got $status"; cat "$dir/interrupted.log"; exit 1; }
grep -q "Interrupted during epoch" "$dir/interrupted.log"
echo "   ended cleanly (status 130) with the checkpoint at epoch $(checkpoint_epoch "$dir/interrupted.safetensors")"

leftovers=$(find "$dir" -name '*.tmp-*' | grep -v killed || true)
[ -z "$leftovers" ] || { echo "temporary files left behind: $leftovers"; exit 1; }
echo "no temporary file left by the completed or interrupted runs"
