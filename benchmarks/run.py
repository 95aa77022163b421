#!/usr/bin/python3
"""tinynet's benchmark suite: runs the harness (bench), the FMA-peak probe (fma_peak) and the PyTorch
references (torch_models.py) side by side, and writes results.json and RESULTS.md.

Run it through benchmarks/run.sh, which builds bench and fma_peak first:

  benchmarks/run.sh                       everything, 3 repetitions (about half an hour on 2 cores)
  benchmarks/run.sh --quick               a smoke test on tiny subsets, 1 repetition (well under a minute)
  benchmarks/run.sh --models mlp,cnn      some models only (mlp, mlp-deep, cnn, cnn-best)
  benchmarks/run.sh --repeat 5 --no-torch --out /tmp/results.json

What it measures (README.md here says what each figure means):

  * the FMA peak with 1 and 2 threads (fma_peak);
  * seconds per training epoch over all 60,000 images, each model with its recipe's batch size;
  * inference at batch 1 (microseconds per image, one call per image), 256 and 10,000 (images/s),
    for the MLP and the CNN;
  * peak resident memory (ru_maxrss, from wait4 on each child) of a process that loads the data and
    trains the MLP for one epoch, and of CNN inference at batch 256 and at batch 10,000;
  * GFLOP/s (the harness's analytic count of matrix-product FLOPs) and its fraction of the peak;
  * the MLP's epoch time against training-set size and batch size, and thread scaling.

Every tinynet figure is measured with 1 thread, 2 threads, and 2 threads while another process spins
on one core; each PyTorch figure with 1 thread and with 2 threads (OMP_WAIT_POLICY=PASSIVE), and the
better of the two is "PyTorch best". Each measurement is a fresh child process; the runs of one figure
alternate (tinynet, PyTorch, tinynet, PyTorch, ...) round after round, so that both see the same machine
load, and each figure is the median of its rounds. Standard library only (torch only in the children).
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ALL_MODELS = ("mlp", "mlp-deep", "cnn", "cnn-best")
INFERENCE_MODELS = ("mlp", "cnn")
THREADS = (1, 2)
TRAIN_IMAGES, TEST_IMAGES = 60000, 10000
INFERENCE_BATCHES = (1, 256, 10000)
SWEEP_SIZES = (10000, 30000)  # and 60,000, the main figure
SWEEP_BATCHES = (32, 128, 256, 512)  # and 64, the main figure
LATENCY_IMAGES = 2000  # images predicted one call each at batch 1

# --quick: the same code paths on tiny subsets.
# A PyTorch child costs 1.5-2 s of interpreter and torch start-up, so --quick runs PyTorch in the
# main tables only (extras: the memory and "how cost grows" figures are tinynet's alone there).
QUICK = {"train_images": 500, "test_images": 500, "latency_images": 50, "passes": 1, "torch_in_extras": False,
         "sweep_sizes": (250,), "sweep_batches": (512,), "fma": ["--seconds", "0.05", "--repeat", "2"]}
FULL = {"train_images": TRAIN_IMAGES, "test_images": TEST_IMAGES, "latency_images": LATENCY_IMAGES, "passes": 3,
        "torch_in_extras": True, "sweep_sizes": SWEEP_SIZES, "sweep_batches": SWEEP_BATCHES,
        "fma": ["--seconds", "0.25", "--repeat", "5"]}

# Thread settings. tinynet runs with the caller's environment less the variables below (its
# thread count is set by the program); PyTorch with them set as its best settings need.
THREAD_VARS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "GOMP_SPINCOUNT", "OMP_PROC_BIND", "OMP_PLACES",
               "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
# glibc's malloc for PyTorch: PyTorch allocates and frees every intermediate tensor of every
# step, and with glibc's defaults the large ones are mmap'd and unmapped, or the heap's top
# trimmed, each time: about 100 page faults per MLP step, which made an MLP epoch 2.2 s instead
# of 0.62 s (2026-12-06, AMD EPYC Zen 5; sys time 0.5-0.9 s of it). Keeping freed memory in the
# heap is PyTorch's best setting. (tinynet allocates nothing per training step.)
TORCH_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}


def openblas_coretype():
    """The OpenBLAS kernel family this CPU supports, for PyTorch's runs. Debian 12's OpenBLAS
    (0.3.21) does not know CPUs newer than itself (an Intel Xeon of model 207 is 'Prescott' to
    it) and then runs SSE3 kernels, which made PyTorch 2-4x slower than it is. Naming the family
    the CPU's flags allow gives the reference its real speed."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((set(l.split(":", 1)[1].split()) for l in f if l.startswith("flags")), set())
    except OSError:
        return None
    if {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return None


OPENBLAS_CORETYPE = openblas_coretype()
SETTINGS = {  # name: (library, threads, busy core)
    "tinynet-t1": ("tinynet", 1, False), "tinynet-t2": ("tinynet", 2, False), "tinynet-t2-busy": ("tinynet", 2, True),
    "pytorch-t1": ("pytorch", 1, False), "pytorch-t2": ("pytorch", 2, False),
}
SETTING_TITLE = {"tinynet-t1": "1 thread", "tinynet-t2": "2 threads", "tinynet-t2-busy": "2 threads, busy core",
                 "pytorch-t1": "1 thread", "pytorch-t2": "2 threads"}
TINYNET_SETTINGS = ("tinynet-t1", "tinynet-t2", "tinynet-t2-busy")
MAIN_ORDER = ("tinynet-t1", "pytorch-t1", "tinynet-t2", "pytorch-t2", "tinynet-t2-busy")  # alternating
SWEEP_ORDER = ("tinynet-t1", "pytorch-t1", "tinynet-t2", "pytorch-t2")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
# Running children: wall time, ru_maxrss of that child alone (wait4), and the cores other processes
# used meanwhile (from /proc/stat), so a disturbed run can be seen in results.json.

def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]  # all but idle and iowait


class Spinner:
    """A process that spins on one core (CPU 0 when taskset exists) while a busy-core figure runs."""

    def __init__(self):
        self.proc = None

    def start(self):
        cmd = ["sh", "-c", "while :; do :; done"]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0"] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        time.sleep(0.2)  # let it get going

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


SPINNER = Spinner()


def run_child(cmd, env, busy=False, timeout=3 * 3600):
    """Runs cmd; returns (JSON lines printed, facts about the run). Raises on failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if busy:
            SPINNER.start()
        try:
            hz = os.sysconf("SC_CLK_TCK")
            b0, t0 = busy_jiffies(), time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
            deadline = t0 + timeout
            while True:  # wait4 gives this child's own rusage (ru_maxrss), which Popen.wait does not
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    p.kill()
                    pid, status, usage = os.wait4(p.pid, 0)
                    break
                time.sleep(0.01)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
            own = usage.ru_utime + usage.ru_stime
            foreign = max(0.0, (busy_jiffies() - b0) / hz - own) / wall
        finally:
            if busy:
                SPINNER.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    facts = {"wall_s": wall, "max_rss_mib": usage.ru_maxrss / 1024.0, "cpu_s": own, "foreign_cores": foreign,
             "exit_code": p.returncode}
    if p.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} exited with {p.returncode}:\n{stderr[-3000:]}")
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return lines, facts


# ---------------------------------------------------------------------------------------------------
# The suite.

class Suite:
    def __init__(self, a):
        self.a = a
        self.p = QUICK if a.quick else FULL
        self.bench = os.path.join(a.build_dir, "benchmarks", "bench")
        self.fma = os.path.join(a.build_dir, "benchmarks", "fma_peak")
        self.torch_script = os.path.join(HERE, "torch_models.py")
        self.runs = []  # every child run, in order
        self.warnings = []
        self.torch = None  # torch_models.py info, or None when skipped
        self.torch_skipped = None  # why
        self.counter = 0

    # -- environments and commands ------------------------------------------------------------------

    def env(self, setting):
        lib, threads, _ = SETTINGS[setting]
        env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
        if lib == "pytorch":
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env[k] = str(threads)
            if OPENBLAS_CORETYPE:
                env["OPENBLAS_CORETYPE"] = OPENBLAS_CORETYPE  # see openblas_coretype()
            if threads > 1:
                env["OMP_WAIT_POLICY"] = "PASSIVE"  # spinning OpenMP threads slow PyTorch 2-4x on 2 cores
            env.update(TORCH_MALLOC)
        return env

    def env_prefix(self, setting):
        """The variables run.py sets, as a shell prefix for RESULTS.md."""
        lib, threads, _ = SETTINGS[setting]
        if lib == "tinynet":
            return ""
        s = f"OMP_NUM_THREADS={threads} OPENBLAS_NUM_THREADS={threads} MKL_NUM_THREADS={threads} "
        if OPENBLAS_CORETYPE:
            s += f"OPENBLAS_CORETYPE={OPENBLAS_CORETYPE} "
        s += "".join(f"{k}={v} " for k, v in TORCH_MALLOC.items())
        return s + ("OMP_WAIT_POLICY=PASSIVE " if threads > 1 else "")

    def command(self, setting, args):
        lib, threads, _ = SETTINGS[setting]
        program = [self.bench] if lib == "tinynet" else [self.a.python, self.torch_script]
        return program + args + ["--threads", str(threads)]

    def settings(self, order, extra=False):
        """The settings of `order` this run measures: PyTorch's only when it is there (and, for the
        memory and sweep figures, not with --quick)."""
        torch = self.torch is not None and (not extra or self.p["torch_in_extras"])
        return [s for s in order if SETTINGS[s][0] == "tinynet" or torch]

    def run(self, group, setting, args, round_=1, label=""):
        cmd = self.command(setting, args)
        busy = SETTINGS[setting][2]
        self.counter += 1
        record = {"group": group, "setting": setting, "round": round_, "cmd": cmd,
                  "env": self.env_prefix(setting).strip(), "busy_core": busy}
        try:
            lines, facts = run_child(cmd, self.env(setting), busy=busy)
        except RuntimeError as e:
            if SETTINGS[setting][0] == "tinynet":
                raise
            self.warnings.append(f"a PyTorch run failed ({group}, {setting}): {str(e).splitlines()[0]}")
            log(f"  PyTorch run failed: {e}")
            record.update({"failed": True, "lines": []})
            self.runs.append(record)
            return record
        record.update(facts)
        record["lines"] = lines
        self.runs.append(record)
        shown = ""
        for line in lines:
            if line.get("kind") == "train":
                shown = f"{line['epoch_s_median']:.3f} s/epoch"
            elif line.get("kind") == "predict":
                shown += f" b{line['requested_batch']}: {line['images_per_s']:,.0f} img/s"
        log(f"[{self.counter}] {group} {setting} round {round_}{label}: {shown.strip()} "
            f"(wall {facts['wall_s']:.1f} s, {facts['max_rss_mib']:.0f} MiB, other processes "
            f"{facts['foreign_cores']:.2f} cores)")
        return record

    # -- the pieces -----------------------------------------------------------------------------------

    def machine(self):
        cpu, flags = "unknown", set()
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name") and cpu == "unknown":
                        cpu = line.split(":", 1)[1].strip()
                    if line.startswith("flags") and not flags:
                        flags = set(line.split(":", 1)[1].split())
        except OSError:
            pass
        mem = None
        try:
            with open("/proc/meminfo") as f:
                mem = int(f.readline().split()[1]) / 1024 / 1024
        except (OSError, ValueError, IndexError):
            pass
        compiler, cache = None, {}
        try:
            with open(os.path.join(self.a.build_dir, "CMakeCache.txt")) as f:
                for line in f:
                    if ":" in line and "=" in line and not line.startswith(("#", "//")):
                        key, value = line.split("=", 1)
                        cache[key.split(":")[0]] = value.strip()
            compiler = subprocess.run([cache["CMAKE_CXX_COMPILER"], "--version"], capture_output=True,
                                      text=True).stdout.splitlines()[0]
        except (OSError, IndexError, KeyError):
            pass
        native = cache.get("TINYNET_NATIVE_ARCH", "").upper() in ("ON", "TRUE", "1", "YES")
        flags_used = " ".join(x for x in (cache.get("CMAKE_CXX_FLAGS", ""), cache.get("CMAKE_CXX_FLAGS_RELEASE", ""),
                                          "-march=native" if native else "") if x)
        git = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True, text=True)
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        return {"cpu": cpu, "cores": os.cpu_count(),
                "flags": {k: k in flags for k in ("fma", "avx2", "avx512f")},
                "memory_gib": round(mem, 1) if mem else None, "kernel": platform.release(),
                "compiler": compiler, "compile_flags": flags_used, "python": platform.python_version(),
                "taskset": shutil.which("taskset") is not None,
                "git": git.stdout.strip() or None, "load_average_at_start": [float(x) for x in load],
                "niceness": os.nice(0)}

    def check_torch(self):
        if self.a.no_torch:
            self.torch_skipped = "--no-torch"
            return
        if not os.path.exists(self.a.python):
            self.torch_skipped = f"{self.a.python} not found"
            return
        probe = subprocess.run([self.a.python, "-c", "import torch, numpy"], capture_output=True, text=True)
        if probe.returncode != 0:
            self.torch_skipped = (f"torch (Debian's python3-torch) or numpy is not importable by {self.a.python}: "
                                  + (probe.stderr.strip().splitlines() or ["?"])[-1])
            return
        try:
            lines, facts = run_child([self.a.python, self.torch_script, "info"], self.env("pytorch-t1"))
        except RuntimeError as e:
            self.torch_skipped = f"torch_models.py info failed: {str(e).splitlines()[-1]}"
            return
        self.torch = lines[0]
        self.torch["baseline_max_rss_mib"] = facts["max_rss_mib"]
        if not self.torch.get("openblas"):
            self.warnings.append(
                "PyTorch does not use OpenBLAS (torch.__config__.show() names none and no libopenblas is mapped "
                f"after a matrix product; mapped: {self.torch.get('blas_mapped') or 'none'}): install "
                "libopenblas0-pthread, or the reference BLAS makes PyTorch about 10x slower and every ratio "
                "flatters tinynet")
        if not self.torch.get("libopenblas_so_0"):
            self.warnings.append("/usr/lib/x86_64-linux-gnu/libopenblas.so.0 is missing: install libopenblas0-pthread")

    def fma_peak(self, when, peaks=None):
        """Runs the probe; returns the best figure per thread count so far (it runs at the start and
        at the end, so that one disturbed probe does not set the peak)."""
        cmd = [self.fma, "--threads", ",".join(map(str, THREADS))] + self.p["fma"]
        lines, facts = run_child(cmd, dict(os.environ))
        self.runs.append({"group": f"fma_peak ({when})", "setting": "fma_peak", "round": 1, "cmd": cmd, "env": "",
                          "busy_core": False, **facts, "lines": lines})
        peaks = dict(peaks or {})
        for line in lines:
            log(f"FMA peak ({when}), {line['threads']} thread(s): {line['gflops']:.1f} GFLOP/s ({line['isa']})")
            key = str(line["threads"])
            if key not in peaks or line["gflops"] > peaks[key]["gflops"]:
                peaks[key] = line
        return peaks

    def train_args(self, model, images, batch=None):
        args = ["train", "--model", model, "--epochs", "1"]
        if images < TRAIN_IMAGES:
            args += ["--limit", str(images)]
        if batch:
            args += ["--batch-size", str(batch)]
        return args

    def figure(self, group, args, order, rounds, extra=False):
        """Runs one figure's settings alternately, `rounds` times; returns {setting: [records]}."""
        out = {s: [] for s in self.settings(order, extra)}
        for r in range(1, rounds + 1):
            for s in out:
                out[s].append(self.run(group, s, args, r))
        return out

    # -- summaries ----------------------------------------------------------------------------------------

    @staticmethod
    def median_of(records, key, kind, **match):
        values = []
        for rec in records:
            for line in rec.get("lines", []):
                if line.get("kind") == kind and all(line.get(k) == v for k, v in match.items()):
                    values.append(line[key])
        return statistics.median(values) if values else None

    def summarize_train(self, runs, flops_per_image, images):
        fig = {}
        for s, records in runs.items():
            sec = self.median_of(records, "epoch_s_median", "train")
            if sec is None:
                continue
            flops = flops_per_image * images
            fig[s] = {"epoch_s": sec, "rounds": len(records), "threads": SETTINGS[s][1], "gflops": flops / sec / 1e9,
                      "max_rss_mib": statistics.median(r["max_rss_mib"] for r in records if "max_rss_mib" in r),
                      "batch_size": records[0]["lines"][0]["batch_size"] if records[0].get("lines") else None}
        add_best(fig, "epoch_s")
        return fig

    def summarize_predict(self, runs, batches, flops_per_image):
        fig = {}
        for b in batches:
            row = {}
            for s, records in runs.items():
                sec = self.median_of(records, "seconds", "predict", requested_batch=b)
                if sec is None:
                    continue
                line = next(l for r in records for l in r["lines"] if l.get("requested_batch") == b)
                n = line["images"]
                row[s] = {"batch": line["batch"], "images": n, "seconds": sec, "images_per_s": n / sec,
                          "us_per_image": 1e6 * sec / n, "threads": SETTINGS[s][1],
                          "gflops": flops_per_image * n / sec / 1e9}
            add_best(row, "seconds")
            fig[str(b)] = row
        return fig

    # -- everything ---------------------------------------------------------------------------------------

    def main(self):
        a, p = self.a, self.p
        started = datetime.datetime.now(datetime.timezone.utc)
        t_start = time.perf_counter()
        for exe in (self.bench, self.fma):
            if not os.path.exists(exe):
                sys.exit(f"run.py: {exe} is not built (run benchmarks/run.sh, which builds it)")
        machine = self.machine()
        build, _ = run_child([self.bench, "info"], dict(os.environ))
        build = build[0]
        _, baseline = run_child([self.bench, "info"], dict(os.environ))
        build["baseline_max_rss_mib"] = baseline["max_rss_mib"]
        self.check_torch()
        if self.torch_skipped:
            log(f"PyTorch references skipped: {self.torch_skipped}")
        for w in self.warnings:
            log(f"WARNING: {w}")

        peaks = self.fma_peak("start")
        flops = {}
        for m in a.models:
            flops[m] = run_child([self.bench, "flops", "--model", m], dict(os.environ))[0][0]

        results = {"train": {}, "predict": {}, "memory": {}, "sweeps": {}}
        n_train = p["train_images"]

        # 1. Seconds per epoch, every model, all training images, the recipe's batch size.
        for m in a.models:
            runs = self.figure(f"train {m}", self.train_args(m, n_train), MAIN_ORDER, a.repeat)
            fig = self.summarize_train(runs, flops[m]["train_flops_per_image"], n_train)
            fig["images"] = n_train
            fig["recipe_epochs"] = flops[m]["recipe_epochs"]
            results["train"][m] = fig
            results.setdefault("_train_runs", {})[m] = runs

        # 2. Inference: batch 1 (latency), 256, 10,000.
        for m in [m for m in a.models if m in INFERENCE_MODELS]:
            args = ["predict", "--model", m, "--batch", ",".join(map(str, INFERENCE_BATCHES)),
                    "--passes", str(p["passes"]), "--latency-images", str(p["latency_images"])]
            if p["test_images"] < TEST_IMAGES:
                args += ["--limit", str(p["test_images"])]
            runs = self.figure(f"predict {m}", args, MAIN_ORDER, a.repeat)
            results["predict"][m] = self.summarize_predict(runs, INFERENCE_BATCHES, flops[m]["infer_flops_per_image"])

        # 3. Peak memory. The MLP's training runs above are processes that load the data and train
        # for one epoch; CNN inference runs once per batch size, alone in its process.
        mem = results["memory"]
        mem["baseline"] = {"tinynet": build["baseline_max_rss_mib"],
                           "pytorch": self.torch["baseline_max_rss_mib"] if self.torch else None}
        if "mlp" in a.models:
            runs = results["_train_runs"]["mlp"]
            mem["mlp_train"] = {s: statistics.median(r["max_rss_mib"] for r in runs[s] if "max_rss_mib" in r)
                                for s in runs if any("max_rss_mib" in r for r in runs[s])}
        if "cnn" in a.models:
            mem["cnn_predict"] = {}
            for b in (256, 10000):
                args = ["predict", "--model", "cnn", "--batch", str(b), "--passes", "1"]
                if p["test_images"] < TEST_IMAGES:
                    args += ["--limit", str(p["test_images"])]
                row = {}
                for s in self.settings(("tinynet-t2", "pytorch-t2"), extra=True):
                    rec = self.run(f"memory cnn b{b}", s, args)
                    if not rec.get("failed"):
                        row[s] = {"max_rss_mib": rec["max_rss_mib"], "batch": rec["lines"][0]["batch"],
                                  "images": rec["lines"][0]["images"]}
                mem["cnn_predict"][str(b)] = row

        # 4. How cost grows: the MLP against training-set size and batch size (the main figure is the
        # 60,000-image, batch-64 point of both), and thread scaling (from the tables above).
        if "mlp" in a.models:
            main = results["_train_runs"]["mlp"]
            fpi = flops["mlp"]["train_flops_per_image"]
            sizes = {}
            for n in p["sweep_sizes"]:
                runs = self.figure(f"sweep mlp {n} images", self.train_args("mlp", n), SWEEP_ORDER, a.repeat,
                                  extra=True)
                sizes[str(n)] = self.summarize_train(runs, fpi, n)
            sizes[str(n_train)] = self.summarize_train({s: main[s] for s in SWEEP_ORDER if s in main}, fpi, n_train)
            batches = {}
            for b in p["sweep_batches"]:
                runs = self.figure(f"sweep mlp batch {b}", self.train_args("mlp", n_train, b), SWEEP_ORDER,
                                  a.repeat, extra=True)
                batches[str(b)] = self.summarize_train(runs, fpi, n_train)
            batches["64"] = sizes[str(n_train)]
            results["sweeps"] = {"mlp_sizes": dict(sorted(sizes.items(), key=lambda kv: int(kv[0]))),
                                 "mlp_batches": dict(sorted(batches.items(), key=lambda kv: int(kv[0])))}
        results.pop("_train_runs", None)

        # 5. The probe again, and every GFLOP/s figure as a fraction of the better peak.
        peaks = self.fma_peak("end", peaks)
        fill_peak_fractions(results, peaks)
        one, two = get(peaks, "1", "gflops"), get(peaks, "2", "gflops")
        if one and two and two < 1.5 * one:
            self.warnings.append(f"the 2-thread FMA peak ({two:.0f} GFLOP/s) is under 1.5x the 1-thread peak "
                                 f"({one:.0f}): another process held a core during both probes, so fractions "
                                 "of the 2-thread peak are too high")
        foreign = [r["foreign_cores"] for r in self.runs if "foreign_cores" in r and not r.get("busy_core")]
        if machine["niceness"] > 0 and foreign and statistics.median(foreign) > 0.1:
            self.warnings.append(f"the suite ran at niceness {machine['niceness']} while other processes ran: "
                                 "they took precedence over every measurement (and over the busy-core spinner's "
                                 "share of the core), which hurts the 2-thread figures most; run it at niceness 0")
        if foreign and statistics.median(foreign) > 0.25:
            self.warnings.append(f"the machine was busy: other processes used {statistics.median(foreign):.2f} "
                                 "cores (median over runs). The ratios, measured alternately, still compare like "
                                 "with like, but 2-thread and thread-scaling figures suffer first; re-run on a "
                                 "quieter machine")

        finished = datetime.datetime.now(datetime.timezone.utc)
        doc = {
            "suite": "tinynet benchmarks (benchmarks/run.sh)",
            "quick": a.quick,
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - t_start, 1),
            "invocation": os.environ.get("TINYNET_BENCH_INVOCATION") or shlex.join([sys.executable] + sys.argv),
            "build_commands": [c for c in os.environ.get("TINYNET_BENCH_BUILD_COMMANDS", "").split("\n") if c],
            "options": {"models": a.models, "repeat": a.repeat, "torch": self.torch is not None,
                        **{k: list(v) if isinstance(v, tuple) else v for k, v in p.items()}},
            "machine": machine,
            "build": build,
            "pytorch": self.torch if self.torch else {"skipped": self.torch_skipped},
            "warnings": self.warnings,
            "fma_peak": peaks,
            "flops": flops,
            "noise": {"foreign_cores_median": statistics.median(foreign) if foreign else None,
                      "foreign_cores_max": max(foreign) if foreign else None},
            "out": os.path.relpath(os.path.abspath(a.out), ROOT) if os.path.abspath(a.out).startswith(ROOT + os.sep)
            else a.out,
            "results": results,
            # commands with paths relative to the repository, as a reader's clone has them
            "runs": [dict(r, cmd=[os.path.relpath(c, ROOT) if isinstance(c, str) and c.startswith(ROOT + os.sep) else c
                                  for c in r["cmd"]]) if isinstance(r.get("cmd"), list) else r for r in self.runs],
        }
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        with open(a.md, "w") as f:
            f.write(render_markdown(doc))
        print(console_summary(doc), flush=True)
        for w in self.warnings:
            log(f"WARNING: {w}")
        log(f"wrote {a.out} and {a.md} in {doc['duration_s']:.0f} s")


def fill_peak_fractions(node, peaks):
    """Adds "peak_fraction" beside every "gflops" of the results: of the peak with the same thread count."""
    if isinstance(node, dict):
        if "gflops" in node and "threads" in node and str(node["threads"]) in peaks:
            node["peak_fraction"] = node["gflops"] / peaks[str(node["threads"])]["gflops"]
        for value in node.values():
            fill_peak_fractions(value, peaks)


def add_best(fig, key):
    """Adds "pytorch-best": the PyTorch setting with the smaller median `key` (seconds)."""
    torch = [s for s in ("pytorch-t1", "pytorch-t2") if s in fig]
    if torch:
        best = min(torch, key=lambda s: fig[s][key])
        fig["pytorch-best"] = dict(fig[best], setting=best)


# ---------------------------------------------------------------------------------------------------
# RESULTS.md

def num(x, digits=3):
    """A number with `digits` significant digits, thousands separated."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    mag = len(str(int(abs(x)))) if abs(x) >= 1 else 0
    decimals = max(0, digits - mag) if abs(x) >= 1 else digits
    return f"{x:,.{decimals}f}" if abs(x) >= 1 else f"{x:.{digits}g}"


def ratio(tiny, torch_best):
    """tinynet time / PyTorch time, and how many times faster tinynet is."""
    if not tiny or not torch_best:
        return "—"
    r = tiny / torch_best
    return f"{r:.2f} ({1 / r:.2f}x faster)" if r <= 1 else f"{r:.2f} ({r:.2f}x slower)"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def mib(x):
    return "—" if x is None else f"{num(x)} MiB"


def best_cell(fig, key):
    """PyTorch best's figure and which setting it was."""
    best = fig.get("pytorch-best")
    return "—" if not best else f"{num(best[key])} ({SETTING_TITLE[best['setting']]})"


def pct(x):
    return "—" if x is None else f"{100 * x:.0f} %"


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def console_summary(doc):
    """Each tinynet figure and its ratio to PyTorch best, one line per figure, for the terminal."""
    r, out = doc["results"], []
    for model, fig in r["train"].items():
        cells = []
        for s in TINYNET_SETTINGS:
            t = get(fig, s, "epoch_s")
            cells.append(f"{SETTING_TITLE[s]} {num(t)} s" + (f" = {ratio(t, get(fig, 'pytorch-best', 'epoch_s'))}"
                                                             if "pytorch-best" in fig else ""))
        out.append(f"train {model} (s/epoch): " + "; ".join(cells))
    for model, fig in r["predict"].items():
        for bkey, row in fig.items():
            unit, what = ("us_per_image", "µs/image") if bkey == "1" else ("images_per_s", "images/s")
            cells = []
            for s in TINYNET_SETTINGS:
                cells.append(f"{SETTING_TITLE[s]} {num(get(row, s, unit))}" + (
                    f" = {ratio(get(row, s, 'us_per_image'), get(row, 'pytorch-best', 'us_per_image'))}"
                    if "pytorch-best" in row else ""))
            out.append(f"predict {model} batch {get(row, 'tinynet-t1', 'batch') or bkey} ({what}): " + "; ".join(cells))
    if doc["pytorch"].get("skipped"):
        out.append(f"PyTorch references skipped: {doc['pytorch']['skipped']}")
    else:
        out.append("(= tinynet's time / PyTorch best's time)")
    return "\n".join(out)


def render_markdown(doc):
    r, m, b = doc["results"], doc["machine"], doc["build"]
    torch = doc["pytorch"]
    has_torch = "skipped" not in torch
    out = ["# tinynet benchmark results\n"]
    if doc["quick"]:
        out.append("> **`--quick` smoke test**: tiny subsets, one repetition. These numbers say the suite runs, "
                   "nothing about speed. Run `benchmarks/run.sh` without `--quick` for real figures.\n")
    out.append("Written by `benchmarks/run.sh` (see `benchmarks/README.md` for what each figure means). The "
               "machine may be shared and noisy: absolute seconds drift from run to run, while the ratios, "
               "measured alternately in the same session, hold. Every figure is the median of "
               f"{doc['options']['repeat']} run(s), each in a fresh process.\n")
    for w in doc["warnings"]:
        out.append(f"> **Warning:** {w}\n")

    # Machine
    flags = ", ".join(k for k, v in m["flags"].items() if v) or "none of fma, avx2, avx512f"
    peaks = doc["fma_peak"]
    out.append("## Machine\n")
    rows = [
        ("CPU", f"{m['cpu']}, {m['cores']} cores ({flags})"),
        ("memory", f"{m['memory_gib']} GiB" if m["memory_gib"] else "—"),
        ("kernel", m["kernel"]),
        ("compiler", f"{m['compiler'] or b['compiler']} (`{m['compile_flags']}`); Eigen {b['eigen']}, "
                     f"SIMD in use: {b['simd']}; OpenMP {b['openmp']}"),
        ("tinynet", f"{b['tinynet_version']}, commit `{m['git']}`"),
        ("PyTorch", (f"{torch['torch_version']} (python {torch['python']}, numpy {torch['numpy_version']}), "
                     f"CPU capability {torch['cpu_capability']}, BLAS: "
                     + (", ".join(os.path.basename(p) for p in torch["blas_mapped"]) or "none found"))
         if has_torch else f"skipped: {torch['skipped']}"),
        ("date", f"{doc['started']} to {doc['finished']} ({doc['duration_s'] / 60:.1f} min)"),
        ("load", f"load average {' '.join(map(str, m['load_average_at_start']))} at the start, run at niceness "
                 f"{m.get('niceness', 0)}; other processes "
                 f"used {num(doc['noise']['foreign_cores_median'], 2)} cores (median over runs, max "
                 f"{num(doc['noise']['foreign_cores_max'], 2)}) besides the busy-core spinner"),
        ("FMA peak", "; ".join(f"{t} thread{'s' if t != '1' else ''}: {v['gflops']:.1f} GFLOP/s" for t, v in peaks.items())
         + f" ({next(iter(peaks.values()))['isa']}, {next(iter(peaks.values()))['accumulators']} independent "
           "accumulators per thread, `fma_peak`)"),
    ]
    out.append(table(["", ""], rows))

    # Training
    if r["train"]:
        out.append("## Training: seconds per epoch\n")
        n = next(iter(r["train"].values()))["images"]
        out.append(f"One epoch over {n:,} training images, each model with its recipe's batch size "
                   "(`examples/fashion_mnist/models.hpp`), without validation. PyTorch best is the better of its "
                   "1-thread and 2-thread (`OMP_WAIT_POLICY=PASSIVE`) runs.\n")
        hdr = ["model", "batch", "tinynet 1 thread", "tinynet 2 threads", "tinynet 2 threads, busy core"]
        if has_torch:
            hdr += ["PyTorch 1 thread", "PyTorch 2 threads", "PyTorch best"]
        rows = []
        for model, fig in r["train"].items():
            row = [f"`{model}`", get(fig, "tinynet-t1", "batch_size")]
            row += [num(get(fig, s, "epoch_s")) for s in TINYNET_SETTINGS]
            if has_torch:
                row += [num(get(fig, s, "epoch_s")) for s in ("pytorch-t1", "pytorch-t2")]
                row.append(best_cell(fig, 'epoch_s'))
            rows.append(row)
        out.append(table(hdr, rows))
        if has_torch:
            out.append("tinynet's time over PyTorch best's (below 1: tinynet is faster):\n")
            rows = [[f"`{model}`"] + [ratio(get(fig, s, "epoch_s"), get(fig, "pytorch-best", "epoch_s"))
                                      for s in TINYNET_SETTINGS] for model, fig in r["train"].items()]
            out.append(table(["model", "1 thread", "2 threads", "2 threads, busy core"], rows))
        if "cnn-best" in r["train"]:
            fig = r["train"]["cnn-best"]
            e = fig["recipe_epochs"]
            cells = [f"tinynet {SETTING_TITLE[s]}: {num(get(fig, s, 'epoch_s') * e / 60 if get(fig, s, 'epoch_s') else None)} min"
                     for s in TINYNET_SETTINGS]
            if has_torch:
                cells.append(f"PyTorch best: {num(get(fig, 'pytorch-best', 'epoch_s') * e / 60)} min")
            out.append(f"`cnn-best`, one epoch timed, projected to its recipe's {e} epochs (epoch time × {e}, "
                       "without the per-epoch test evaluation): " + "; ".join(cells) + ".\n")

        out.append("### Achieved GFLOP/s and fraction of the FMA peak\n")
        out.append("GFLOP/s = the model's matrix-product FLOPs per epoch (counted analytically, see "
                   "\"FLOPs\" below) / seconds per epoch; the fraction is of the FMA peak with the same thread count "
                   "(the 2-thread peak for the busy-core runs).\n")
        hdr = ["model", "GFLOP per epoch", "tinynet 1 thread", "tinynet 2 threads", "tinynet 2 threads, busy core"]
        if has_torch:
            hdr.append("PyTorch best")
        rows = []
        for model, fig in r["train"].items():
            gf = doc["flops"][model]["train_flops_per_image"] * fig["images"] / 1e9
            row = [f"`{model}` training", num(gf)]
            row += [f"{num(get(fig, s, 'gflops'))} ({pct(get(fig, s, 'peak_fraction'))})" for s in TINYNET_SETTINGS]
            if has_torch:
                row.append(f"{num(get(fig, 'pytorch-best', 'gflops'))} ({pct(get(fig, 'pytorch-best', 'peak_fraction'))})")
            rows.append(row)
        for model, fig in r["predict"].items():
            big = fig.get(str(INFERENCE_BATCHES[-1]), {})
            imgs = get(big, "tinynet-t1", "images")
            row = [f"`{model}` inference, batch {get(big, 'tinynet-t1', 'batch')}",
                   num(doc["flops"][model]["infer_flops_per_image"] * imgs / 1e9) if imgs else "—"]
            row += [f"{num(get(big, s, 'gflops'))} ({pct(get(big, s, 'peak_fraction'))})" for s in TINYNET_SETTINGS]
            if has_torch:
                row.append(f"{num(get(big, 'pytorch-best', 'gflops'))} ({pct(get(big, 'pytorch-best', 'peak_fraction'))})")
            rows.append(row)
        out.append(table(hdr, rows))

    # Inference
    if r["predict"]:
        out.append("## Inference\n")
        out.append("`Sequential::predict` (PyTorch: the model in eval mode under `torch.no_grad()`) over the test "
                   "images: batch 1 is one call per image (latency, microseconds per image), the others are images "
                   "per second. The median of the timed passes after a warm-up pass.\n")
        for model, fig in r["predict"].items():
            out.append(f"### `{model}`\n")
            hdr = ["batch", "images", "tinynet 1 thread", "tinynet 2 threads", "tinynet 2 threads, busy core"]
            if has_torch:
                hdr += ["PyTorch 1 thread", "PyTorch 2 threads", "PyTorch best"]
            rows, ratios = [], []
            for bkey, row in fig.items():
                t1 = row.get("tinynet-t1", {})
                latency = bkey == "1"
                unit = "us_per_image" if latency else "images_per_s"
                label = "1 (µs per image)" if latency else f"{t1.get('batch', bkey):,} (images/s)"
                cells = [label, f"{t1.get('images', 0):,}"]
                cells += [num(get(row, s, unit)) for s in TINYNET_SETTINGS]
                if has_torch:
                    cells += [num(get(row, s, unit)) for s in ("pytorch-t1", "pytorch-t2")]
                    cells.append(best_cell(row, unit))
                    ratios.append([label.split(" ")[0]] + [ratio(get(row, s, "us_per_image"),
                                                                  get(row, "pytorch-best", "us_per_image"))
                                                            for s in TINYNET_SETTINGS])
                rows.append(cells)
            out.append(table(hdr, rows))
            if has_torch:
                out.append("tinynet's time per image over PyTorch best's:\n")
                out.append(table(["batch", "1 thread", "2 threads", "2 threads, busy core"], ratios))

    # Memory
    mem = r["memory"]
    if mem.get("mlp_train") or mem.get("cnn_predict"):
        out.append("## Peak memory\n")
        out.append("Peak resident set size (`ru_maxrss` from `wait4`) of one child process, alone: each figure "
                   "is that run only. A PyTorch process starts at the interpreter's and torch's own size "
                   "(the baseline row).\n")
        hdr = ["process", "tinynet"] + (["PyTorch"] if has_torch else [])
        rows = [["baseline: start, print build information, exit", mib(mem['baseline']['tinynet'])]
                + ([mib(mem['baseline']['pytorch'])] if has_torch else [])]
        if mem.get("mlp_train"):
            n = r["train"]["mlp"]["images"]
            for t in THREADS:
                rows.append([f"`mlp`: load the training set, train one epoch on {n:,} images, {t} thread{'s' if t > 1 else ''}",
                             mib(get(mem, "mlp_train", f"tinynet-t{t}"))]
                            + ([mib(get(mem, "mlp_train", f"pytorch-t{t}"))] if has_torch else []))
        for bkey, row in mem.get("cnn_predict", {}).items():
            t = row.get("tinynet-t2", {})
            rows.append([f"`cnn`: load the test set, predict {t.get('images', 0):,} images at batch "
                         f"{t.get('batch', bkey):,}, 2 threads", mib(get(row, 'tinynet-t2', 'max_rss_mib'))]
                        + ([mib(get(row, 'pytorch-t2', 'max_rss_mib'))] if has_torch else []))
        out.append(table(hdr, rows))

    # How cost grows
    sw = r.get("sweeps") or {}
    if sw or len(r["train"]) > 0:
        out.append("## How cost grows\n")
    if sw:
        out.append("### `mlp`: epoch time against training-set size (batch 64)\n")
        hdr = ["images", "tinynet 1 thread", "µs per image", "tinynet 2 threads", "µs per image"]
        if has_torch:
            hdr += ["PyTorch best", "tinynet best / PyTorch best"]
        rows = []
        for n, fig in sw["mlp_sizes"].items():
            n = int(n)
            t1, t2 = get(fig, "tinynet-t1", "epoch_s"), get(fig, "tinynet-t2", "epoch_s")
            row = [f"{n:,}", num(t1), num(1e6 * t1 / n if t1 else None), num(t2), num(1e6 * t2 / n if t2 else None)]
            if has_torch:
                best = min(x for x in (t1, t2) if x) if (t1 or t2) else None
                row += [num(get(fig, "pytorch-best", "epoch_s")), ratio(best, get(fig, "pytorch-best", "epoch_s"))]
            rows.append(row)
        out.append(table(hdr, rows))
        out.append(f"### `mlp`: epoch time against batch size ({r['train']['mlp']['images']:,} training images)\n")
        hdr = ["batch", "tinynet 1 thread", "tinynet 2 threads", "GFLOP/s (1 thread)"]
        if has_torch:
            hdr += ["PyTorch best", "tinynet best / PyTorch best"]
        rows = []
        for bs, fig in sw["mlp_batches"].items():
            t1, t2 = get(fig, "tinynet-t1", "epoch_s"), get(fig, "tinynet-t2", "epoch_s")
            row = [bs, num(t1), num(t2), num(get(fig, "tinynet-t1", "gflops"))]
            if has_torch:
                best = min(x for x in (t1, t2) if x) if (t1 or t2) else None
                row += [best_cell(fig, 'epoch_s'),
                        ratio(best, get(fig, "pytorch-best", "epoch_s"))]
            rows.append(row)
        out.append(table(hdr, rows))
    if r["train"] or r["predict"]:
        out.append("### Thread scaling, 1 → 2 threads\n")
        out.append("Speed-up = time with 1 thread / time with 2 (2.0 is perfect on two cores); busy core = time "
                   "with 2 threads while another process spins on one core / time with 2 threads on a quiet machine.\n")
        hdr = ["figure", "tinynet speed-up", "tinynet busy-core slowdown"] + (["PyTorch speed-up"] if has_torch else [])
        rows = []

        def scaling(label, fig, key):
            t1, t2, tb = get(fig, "tinynet-t1", key), get(fig, "tinynet-t2", key), get(fig, "tinynet-t2-busy", key)
            row = [label, num(t1 / t2) if t1 and t2 else "—", num(tb / t2) if tb and t2 else "—"]
            if has_torch:
                p1, p2 = get(fig, "pytorch-t1", key), get(fig, "pytorch-t2", key)
                row.append(num(p1 / p2) if p1 and p2 else "—")
            rows.append(row)

        for model, fig in r["train"].items():
            scaling(f"`{model}` training epoch", fig, "epoch_s")
        for model, fig in r["predict"].items():
            for bkey, row in fig.items():
                scaling(f"`{model}` inference, batch {get(row, 'tinynet-t1', 'batch') or bkey}", row, "seconds")
        out.append(table(hdr, rows))

    # FLOPs
    out.append("## FLOPs\n")
    out.append("Counted by the harness (`bench flops --model NAME`), matrix products only, 2·m·n·k for an "
               "(m × k)·(k × n) product. Per image: a Dense layer in → out costs 2·in·out forward and, in "
               "training, 2·in·out for dW = dY·Xᵀ plus 2·in·out for dX = Wᵀ·dY; a k×k Conv2D with C_in → C_out "
               "channels and P = H_out·W_out output pixels costs 2·C_out·(k²·C_in)·P forward (K·cols), and the "
               "same again for dK and for dcols. The first layer's input gradient is not counted: neither library "
               "computes it. Biases, activations, BatchNorm, pooling, dropout, softmax, im2col and the optimizer "
               "are not counted (O(values) work, a few percent), so GFLOP/s slightly understate the work done.\n")
    rows = []
    for model, f in doc["flops"].items():
        layers = "; ".join(f"{l['type']} {l['forward_product']}" + ("" if l["input_gradient"] else " (no dX)")
                           for l in f["layers"])
        rows.append([f"`{model}`", f"{f['parameters']:,}", num(f["infer_flops_per_image"] / 1e6),
                     num(f["train_flops_per_image"] / 1e6), layers])
    out.append(table(["model", "parameters", "inference MFLOP/image", "training MFLOP/image",
                      "forward products per image"], rows))

    # Commands
    out.append("## Commands\n")
    out.append("```sh\n" + "\n".join(doc["build_commands"] + [doc["invocation"]]) + "\n```\n")
    out.append("Each measurement is one of the commands below, run by `benchmarks/run.py` as a child process "
               "(paths relative to the repository). tinynet runs with the caller's environment minus the thread "
               "variables (" + ", ".join(f"`{v}`" for v in THREAD_VARS[:4]) + ", ...); busy-core runs start "
               "`taskset -c 0 sh -c 'while :; do :; done'` first and kill it after.\n")
    seen, cmds = set(), []
    for run in doc["runs"]:
        cmd = " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c for c in run["cmd"])
        line = (run["env"] + " " if run["env"] else "") + cmd + ("   # with a busy core" if run["busy_core"] else "")
        if line not in seen:
            seen.add(line)
            cmds.append(line)
    out.append("<details><summary>" + f"{len(cmds)} distinct commands, {len(doc['runs'])} runs" +
               "</summary>\n\n```sh\n" + "\n".join(cmds) + "\n```\n\n</details>\n")
    out.append("Every run's output, wall time, peak memory and the cores other processes used meanwhile are in "
               f"the JSON file this run wrote (`{doc['out']}`).\n")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny subsets, 1 repetition: a smoke test")
    ap.add_argument("--repeat", type=int, help="runs per figure, the median reported (default 3; 1 with --quick)")
    ap.add_argument("--models", default=",".join(ALL_MODELS), help="comma-separated: " + ", ".join(ALL_MODELS))
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch references")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"), help="the JSON file to write")
    ap.add_argument("--md", default=os.path.join(HERE, "RESULTS.md"), help="the Markdown report to write")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"), help="where run.sh built bench")
    ap.add_argument("--python", default="/usr/bin/python3", help="a python3 with torch (Debian's python3-torch)")
    a = ap.parse_args()
    a.models = [m for m in a.models.split(",") if m]
    unknown = [m for m in a.models if m not in ALL_MODELS]
    if unknown or not a.models:
        ap.error(f"--models: unknown {', '.join(unknown) or '(none given)'}; expected some of {', '.join(ALL_MODELS)}")
    if a.repeat is None:
        a.repeat = 1 if a.quick else 3
    if a.repeat < 1:
        ap.error("--repeat must be at least 1")
    a.build_dir = os.path.abspath(a.build_dir)

    def stop(signum, _frame):
        SPINNER.stop()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        Suite(a).main()
    except KeyboardInterrupt:
        sys.exit(130)
    except RuntimeError as e:
        sys.exit(f"run.py: {e}")
    finally:
        SPINNER.stop()


if __name__ == "__main__":
    main()
