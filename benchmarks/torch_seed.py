#!/usr/bin/env python3
"""Runs a ../shared/refbench PyTorch script with another torch seed.

The reference scripts fix torch.manual_seed(0); one seed says little when two libraries'
accuracies differ by a few tenths of a point, so this re-runs a script with the seed given.

  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/torch_seed.py 1 torch_deep_mlp.py --threads 1

Prints the script's own JSON line.
"""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFBENCH = os.environ.get("REFBENCH", os.path.join(HERE, "..", "..", "shared", "refbench"))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: torch_seed.py SEED SCRIPT.py [script options]")
    seed, script = int(sys.argv[1]), os.path.join(REFBENCH, sys.argv[2])
    if not os.path.exists(script):
        sys.exit(f"torch_seed.py: {script} not found (set REFBENCH=DIR)")
    sys.path.insert(0, REFBENCH)
    import torch
    import torch_common

    setup = torch_common.setup

    def seeded_setup(*args, **kwargs):
        setup(*args, **kwargs)
        torch.manual_seed(seed)

    torch_common.setup = seeded_setup
    sys.argv = [script] + sys.argv[3:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
