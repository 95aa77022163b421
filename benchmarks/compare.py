#!/usr/bin/env python3
"""tinynet vs PyTorch, side by side in one session.

Runs the fashion_mnist example and the matching PyTorch reference script from ../shared/refbench
alternately (tinynet, torch, tinynet, torch, ...), so that both see the same machine load, and
reports the ratio of their median seconds per epoch (both train on all 60,000 images: the
example's own validation split is turned off) and of their inference throughput. The
machines are shared and noisy: absolute seconds drift, the ratio measured side by side is what
counts. Each run also records how many cores other processes used meanwhile ("foreign cores").

  /usr/bin/python3 benchmarks/compare.py --model mlp --epochs 3 --rounds 2
  /usr/bin/python3 benchmarks/compare.py --model cnn --epochs 1 --rounds 2 --threads 2

Prints one JSON line per run and a summary line; --out FILE appends them to FILE.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REFERENCE = {"mlp": "torch_mlp.py", "mlp-deep": "torch_deep_mlp.py", "cnn": "torch_cnn.py"}


def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]


def run(cmd, env=None):
    """Runs cmd; returns (stdout, wall seconds, cores used by other processes meanwhile)."""
    hz = os.sysconf("SC_CLK_TCK")
    t0, b0, r0 = time.perf_counter(), busy_jiffies(), os.times()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    r1 = os.times()
    own = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    foreign = max(0.0, (busy_jiffies() - b0) / hz - own) / wall
    if p.returncode != 0:
        sys.exit(f"compare.py: {' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout, wall, round(foreign, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=sorted(REFERENCE), default="mlp")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2, help="tinynet/torch pairs to run")
    ap.add_argument("--threads", type=int, default=1, help="threads for both (PyTorch's MLP is fastest at 1)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "examples", "fashion_mnist", "fashion_mnist"))
    ap.add_argument("--refbench", default=os.path.join(ROOT, "..", "shared", "refbench"))
    ap.add_argument("--python", default="/usr/bin/python3", help="a python3 with torch (Debian's python3-torch)")
    ap.add_argument("--out", help="append the JSON lines to this file")
    a = ap.parse_args()

    script = os.path.join(a.refbench, REFERENCE[a.model])
    if not os.path.exists(script):
        sys.exit(f"compare.py: reference script {script} not found (--refbench DIR)")
    if not os.path.exists(a.binary):
        sys.exit(f"compare.py: {a.binary} not built (scripts/build.sh --target fashion_mnist)")

    threads = str(a.threads)
    torch_env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads)
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        torch_env.pop(k, None)
    if a.threads > 1:
        torch_env["OMP_WAIT_POLICY"] = "PASSIVE"  # refbench README: spinning threads slow torch 2-4x
    tiny_env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE") if a.threads > 1 else None

    rows = []
    for r in range(a.rounds):
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            _, wall, foreign = run([a.binary, "--model", a.model, "--epochs", str(a.epochs), "--threads", threads,
                                    "--validation-split", "0", "--verbose", "2", "--json", tmp.name], env=tiny_env)
            j = json.load(open(tmp.name))
        rows.append({"lib": "tinynet", "round": r + 1, "epoch_s": [round(e["seconds"], 3) for e in j["epochs"]],
                     "epoch_s_median": round(statistics.median(e["seconds"] for e in j["epochs"]), 3),
                     "test_acc": round(j["test_accuracy"], 4),
                     "infer_img_s": round(j.get("inference_images_per_second", 0)), "wall_s": round(wall, 1),
                     "foreign_cores": foreign})
        print(json.dumps(rows[-1]), flush=True)
        out, wall, foreign = run([a.python, script, "--epochs", str(a.epochs), "--threads", threads], env=torch_env)
        t = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
        rows.append({"lib": "pytorch", "round": r + 1, "epoch_s": t["epoch_s"], "epoch_s_median": t["epoch_s_median"],
                     "test_acc": round(t.get("test_acc", 0), 4), "infer_img_s": t.get("infer_b10000_img_s", 0),
                     "wall_s": round(wall, 1), "foreign_cores": foreign})
        print(json.dumps(rows[-1]), flush=True)

    def med(lib, key):
        return statistics.median(r[key] for r in rows if r["lib"] == lib)

    summary = {"model": a.model, "epochs": a.epochs, "threads": a.threads, "rounds": a.rounds,
               "tinynet_epoch_s": med("tinynet", "epoch_s_median"), "pytorch_epoch_s": med("pytorch", "epoch_s_median"),
               "epoch_time_ratio_tinynet_over_pytorch": round(med("tinynet", "epoch_s_median") /
                                                              med("pytorch", "epoch_s_median"), 3)}
    if med("pytorch", "infer_img_s") and med("tinynet", "infer_img_s"):
        summary["inference_ratio_tinynet_over_pytorch"] = round(med("tinynet", "infer_img_s") /
                                                                med("pytorch", "infer_img_s"), 3)
    print(json.dumps({"summary": summary}), flush=True)
    if a.out:
        with open(a.out, "a") as f:
            for r in rows + [{"summary": summary}]:
                f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
