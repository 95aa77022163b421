#!/usr/bin/python3
"""PyTorch references of the benchmarked tinynet models: the same architectures, optimizers,
batch sizes and data, timed the way bench.cpp times tinynet, printing the same JSON lines.

  /usr/bin/python3 benchmarks/torch_models.py info
  /usr/bin/python3 benchmarks/torch_models.py train   --model NAME [--threads T] [--epochs E] [--limit N]
                                                      [--batch-size B] [--seed S] [--warmup-steps W] [--test 1]
  /usr/bin/python3 benchmarks/torch_models.py predict --model NAME [--threads T] [--batch 1,256,10000]
                                                      [--limit N] [--latency-images N] [--latency-seconds S]
                                                      [--passes P] [--seed S]
  common: [--data DIR]  (default $TINYNET_DATA, else /usr/share/datasets/fashion-mnist)

Models, as the recipes of examples/fashion_mnist/models.hpp build them in tinynet:

  mlp       784-128-10: Linear-ReLU-Linear; Adam 1e-3; batch 64
  mlp-deep  784-512-256-128-10, each hidden Linear-ReLU-BatchNorm1d-Dropout(0.3); Adam 1e-3; batch 64
  cnn       Conv(32,3)-ReLU-MaxPool2-Conv(64,3)-ReLU-MaxPool2-Flatten-Linear(1600,64)-ReLU-Linear(64,10);
            Adam 1e-3; batch 64
  cnn-best  Conv(32,3,same)-MaxPool2-BN-ReLU, Conv(64,3)-MaxPool2-BN-ReLU-Dropout(0.25),
            Flatten-Linear(2304,256)-BN-ReLU-Dropout(0.4), Linear(256,10); Adam from 2e-3 with a
            per-epoch cosine decay over 25 epochs; every batch shifted by up to ±1 pixel and
            mirrored with probability 1/2 (tinynet's RandomShiftAndFlip)

The loss is CrossEntropyLoss on the logits (tinynet's Softmax + cross-entropy, fused). Images are
read from the same IDX files with gzip and numpy, scaled to [0, 1].

train: trains W steps on the first batches (--warmup-steps, default 50; not timed, so that the
timed epochs are the steady state), then on the first N training images (default all 60,000) for
E epochs (default 1), and reports each epoch's seconds: shuffling (randperm), gathering each batch by index, augmenting
(cnn-best), forward, backward and the optimizer step; loading and building are timed apart.
predict: the untrained model in eval mode under torch.no_grad(), over the first N test images
(default 10,000) at each batch size, a warm-up pass and then P timed passes (default 3), the
median pass reported; batch 1 is one call per image over --latency-images images (default 2,000;
fewer if the warm-up through them takes more than --latency-seconds, default 3).

Denormal floats are flushed to zero (torch.set_flush_denormal), as tinynet does.

Threads: --threads T calls torch.set_num_threads(T); run.py also sets OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS to T, and OMP_WAIT_POLICY=PASSIVE when T > 1 (spinning
OpenMP threads slow PyTorch 2-4x on a 2-core machine). Debian's python3-torch takes its matrix
products from the system BLAS: install libopenblas0-pthread, or it runs on the reference BLAS,
about 10x slower (`info` says which BLAS is loaded).
"""
import argparse
import gzip
import json
import math
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np

# torch and OpenBLAS read their thread counts when they load: default them to --threads.
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "1"
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, _threads)
import torch  # noqa: E402

nn = torch.nn
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
MODELS = ("mlp", "mlp-deep", "cnn", "cnn-best")
RECIPE_BATCH = {"mlp": 64, "mlp-deep": 64, "cnn": 64, "cnn-best": 64}
RECIPE_EPOCHS = {"mlp": 10, "mlp-deep": 20, "cnn": 10, "cnn-best": 25}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, split, limit, images_2d):
    """(x, y): float32 pixels / 255 as (N, 784) or (N, 1, 28, 28), int64 labels; the first `limit`."""
    data_dir = data_dir or os.environ.get("TINYNET_DATA") or DEFAULT_DATA

    def find(base):
        for name in (base + ".gz", base):
            if os.path.isfile(os.path.join(data_dir, name)):
                return os.path.join(data_dir, name)
        sys.exit(f"torch_models.py: {os.path.join(data_dir, base)}[.gz] not found "
                 "(install dataset-fashion-mnist, or set TINYNET_DATA / --data)")

    x = read_idx(find(f"{split}-images-idx3-ubyte"))
    y = read_idx(find(f"{split}-labels-idx1-ubyte"))
    if limit and limit < len(x):
        x, y = x[:limit], y[:limit]
    x = x.astype(np.float32) / 255.0
    x = x.reshape(len(x), 1, 28, 28) if images_2d else x.reshape(len(x), -1)
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y.astype(np.int64))


def build(name):
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "mlp-deep":
        layers, width = [], 784
        for units in (512, 256, 128):
            layers += [nn.Linear(width, units), nn.ReLU(), nn.BatchNorm1d(units), nn.Dropout(0.3)]
            width = units
        return nn.Sequential(*layers, nn.Linear(width, 10))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(1600, 64), nn.ReLU(), nn.Linear(64, 10))
    if name == "cnn-best":
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.MaxPool2d(2), nn.BatchNorm2d(32), nn.ReLU(),
                             nn.Conv2d(32, 64, 3), nn.MaxPool2d(2), nn.BatchNorm2d(64), nn.ReLU(), nn.Dropout(0.25),
                             nn.Flatten(), nn.Linear(64 * 6 * 6, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                             nn.Linear(256, 10))
    sys.exit(f"torch_models.py: unknown model '{name}' (expected one of: {', '.join(MODELS)})")


def learning_rate(name, epoch, total_epochs):
    """The recipe's learning rate for (0-based) epoch: Adam's 1e-3, or cnn-best's cosine decay from 2e-3."""
    if name != "cnn-best":
        return 1e-3
    t = min(epoch, total_epochs) / total_epochs
    return 2e-3 * 0.5 * (1 + math.cos(math.pi * t))


def shift_and_flip(x, generator, max_shift=1):
    """tinynet's RandomShiftAndFlip on an (N, 1, H, W) batch: out[i, j] = x[i - dy, j - dx] (mirrored
    left-right with probability 1/2), 0 where that falls outside the image."""
    n, _, h, w = x.shape
    dy = torch.randint(-max_shift, max_shift + 1, (n, 1, 1), generator=generator)
    dx = torch.randint(-max_shift, max_shift + 1, (n, 1, 1), generator=generator)
    flip = torch.rand((n, 1, 1), generator=generator) < 0.5
    padded = nn.functional.pad(x, (max_shift, max_shift, max_shift, max_shift))
    rows = torch.arange(h).view(1, h, 1) - dy + max_shift  # (n, h, 1) source row in padded
    cols = torch.arange(w).view(1, 1, w) - dx  # (n, 1, w) source column before the flip
    cols = torch.where(flip, w - 1 - cols, cols) + max_shift
    return padded[torch.arange(n).view(n, 1, 1), 0, rows, cols].unsqueeze(1)


def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(d):
    print(json.dumps(d), flush=True)


def train(a):
    torch.manual_seed(a.seed)
    start = time.perf_counter()
    x, y = load_split(a.data, "train", a.limit, a.model.startswith("cnn"))
    model = build(a.model)
    load_s = time.perf_counter() - start
    batch = a.batch_size or RECIPE_BATCH[a.model]
    total_epochs = max(RECIPE_EPOCHS[a.model], a.epochs)
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate(a.model, 0, total_epochs))
    lossf = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(a.seed)
    n = len(x)
    epoch_s, losses = [], []
    model.train()
    # Warm-up, not timed (as bench.cpp's): --warmup-steps steps on the first batches, so that the
    # timed epochs are the steady state (PyTorch's first steps allocate and initialise lazily).
    for i in range(0, min(a.warmup_steps, n // batch) * batch, batch):
        xb, yb = x[i:i + batch], y[i:i + batch]
        if a.model == "cnn-best":
            xb = shift_and_flip(xb, generator)
        opt.zero_grad()
        lossf(model(xb), yb).backward()
        opt.step()
    fit_start = time.perf_counter()
    for epoch in range(a.epochs):
        for group in opt.param_groups:
            group["lr"] = learning_rate(a.model, epoch, total_epochs)
        t0 = time.perf_counter()
        total = torch.zeros(())
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            if a.model == "cnn-best":
                xb = shift_and_flip(xb, generator)
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(yb)
        epoch_s.append(time.perf_counter() - t0)
        losses.append(total.item() / n)
    fit_s = time.perf_counter() - fit_start
    line = {}
    if a.test:
        xt, yt = load_split(a.data, "t10k", 0, a.model.startswith("cnn"))
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(xt[i:i + 256]) for i in range(0, len(xt), 256)])
        line["test_loss"] = lossf(logits, yt).item()
        line["test_accuracy"] = (logits.argmax(1) == yt).float().mean().item()
    med = statistics.median(epoch_s)
    line.update({"kind": "train", "lib": "pytorch", "model": a.model, "threads": a.threads, "samples": n,
                 "batch_size": batch, "epochs": a.epochs, "seed": a.seed, "epoch_s": epoch_s, "epoch_s_median": med,
                 "loss": losses, "load_s": load_s, "fit_s": fit_s, "max_rss_mib": max_rss_mib()})
    emit(line)


def predict(a):
    torch.manual_seed(a.seed)
    start = time.perf_counter()
    x, _ = load_split(a.data, "t10k", a.limit, a.model.startswith("cnn"))
    model = build(a.model).eval()
    load_s = time.perf_counter() - start
    for requested in [int(b) for b in a.batch.split(",") if b]:
        batch = min(requested, len(x))
        images = len(x) if batch > 1 else min(len(x), a.latency_images or len(x))
        sink = 0.0

        def one_pass():
            nonlocal sink
            with torch.no_grad():
                for i in range(0, images, batch):
                    out = model(x[i:i + batch])
                sink += float(out[0, 0])

        if batch == 1:  # the warm-up also fixes the image count, as in bench.cpp
            t0, done = time.perf_counter(), 0
            with torch.no_grad():
                while done < images and (done == 0 or time.perf_counter() - t0 < a.latency_seconds):
                    sink += float(model(x[done:done + 1])[0, 0])
                    done += 1
            images = done
        else:
            one_pass()  # warm-up
        seconds = []
        for _ in range(a.passes):
            t0 = time.perf_counter()
            one_pass()
            seconds.append(time.perf_counter() - t0)
        s = statistics.median(seconds)
        emit({"kind": "predict", "lib": "pytorch", "model": a.model, "threads": a.threads, "batch": batch,
              "requested_batch": requested, "images": images, "passes": a.passes, "pass_s": seconds, "seconds": s,
              "images_per_s": images / s, "us_per_image": 1e6 * s / images, "load_s": load_s,
              "max_rss_mib": max_rss_mib(), "checksum": sink})


def blas_libraries():
    """The BLAS/LAPACK shared objects mapped into this process, after a matrix product loaded them."""
    (torch.ones(64, 64) @ torch.ones(64, 64)).sum().item()
    found = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if any(k in os.path.basename(path).lower() for k in ("blas", "lapack", "blis", "mkl", "atlas")):
                found.add(os.path.realpath(path))
    return sorted(found)


def info(_a):
    config = torch.__config__.show()
    capability = None
    if "CPU capability usage:" in config:
        capability = config.split("CPU capability usage:")[1].split("\n")[0].strip()
    libs = blas_libraries()
    openblas = "openblas" in config.lower() or any("openblas" in p.lower() for p in libs)
    emit({"kind": "info", "lib": "pytorch", "torch_version": torch.__version__, "numpy_version": np.__version__,
          "python": sys.version.split()[0], "threads": torch.get_num_threads(), "cpu_capability": capability,
          "config_mentions_openblas": "openblas" in config.lower(), "blas_mapped": libs, "openblas": openblas,
          "libopenblas_so_0": os.path.exists("/usr/lib/x86_64-linux-gnu/libopenblas.so.0")})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("info", "train", "predict"))
    p.add_argument("--model", default="mlp", choices=MODELS)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--limit", type=int, default=0, help="use the first N images only (0: all)")
    p.add_argument("--batch-size", type=int, default=0, help="training batch size (0: the recipe's)")
    p.add_argument("--seed", type=int, default=42, help="torch.manual_seed and the shuffling order")
    p.add_argument("--warmup-steps", type=int, default=50, help="training steps before the timed epochs (not timed)")
    p.add_argument("--test", type=int, default=0, help="1: report the test accuracy after training (not timed)")
    p.add_argument("--batch", default="1,256,10000", help="inference batch sizes")
    p.add_argument("--latency-images", type=int, default=2000, help="images predicted one by one at batch 1")
    p.add_argument("--latency-seconds", type=float, default=3,
                   help="at batch 1, fewer images if the warm-up through them takes longer than this")
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--data", default="")
    a = p.parse_args()
    torch.set_num_threads(max(1, a.threads))
    # tinynet flushes denormal floats to zero while it trains and predicts (as TensorFlow does;
    # detail/flush_denormals.hpp); PyTorch does not by default, and Adam's decaying moments
    # reach denormals within the first epochs, which x86 computes on many times slower. Same
    # numerics for both, so that the comparison measures the libraries, not the float mode.
    torch.set_flush_denormal(True)
    {"info": info, "train": train, "predict": predict}[a.command](a)


if __name__ == "__main__":
    main()
