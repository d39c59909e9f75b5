"""Per-sample CPU time and page faults of ChipDataset against the raw .npy bound, in one process.

    python benchmarks/loader_profile.py [--stack] [--chips 16] [--reps 6] [--keep DIR]

The same data and contenders as benchmarks/loader.py (`ours` / `raw`, or with --stack `ours_stack` /
`raw_stack`), without a DataLoader: each sample's `time.process_time()` (CPU seconds of this process, so other
load on the machine moves it less than wall time) and the minor page faults per sample (getrusage). Rounds
alternate the two contenders; prints p10 and median milliseconds, faults per sample and raw/ours (the
fraction of the raw bound, per sample) as one JSON line.

Why faults: glibc returns freed heap memory to the kernel when the free top of the heap exceeds its trim
threshold, and every first touch of a page after that is a fault. Whether a process settles in the regime
with almost no faults or in the one with a fault per output page is decided by its allocation history, and
a fault costs microseconds here, so the same code can cost twice as much per sample from one process to the
next (docs/benchmarks.md, loader). Compare ratios from one run, and look at the faults column.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import loader  # noqa: E402  (benchmarks/loader.py: the data and the contenders)


def _time(ds: Any, reps: int) -> tuple[list[float], float]:
    out: list[float] = []
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(reps):
        for i in range(len(ds)):
            c0 = time.process_time()
            ds[i]
            out.append(time.process_time() - c0)
    return out, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / (reps * len(ds))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack", action="store_true", help="the 16-channel S1 seasonal stack")
    ap.add_argument("--chips", type=int, default=16)
    ap.add_argument("--reps", type=int, default=6, help="passes over the chips per round (3 rounds)")
    ap.add_argument("--keep", type=Path, help="build the data here (or reuse it when already built)")
    a = ap.parse_args(argv)
    root = a.keep or Path(tempfile.mkdtemp(prefix="m3leo-bench-profile-"))
    if not (root / "store").exists():
        loader.build(root, a.chips, a.stack)
    ours = (loader.ours_stack if a.stack else loader.ours)(root, 0, 1).loader.dataset
    raw = loader.raw(root, 0, 1, stack=a.stack).loader.dataset
    cpu: dict[str, list[float]] = {"ours": [], "raw": []}
    faults: dict[str, list[float]] = {"ours": [], "raw": []}
    for _ in range(3):
        for name, ds in (("ours", ours), ("raw", raw)):
            v, f = _time(ds, a.reps)
            cpu[name] += v
            faults[name].append(round(f))
    ms = {k: (float(np.percentile(v, 10)) * 1e3, statistics.median(v) * 1e3) for k, v in cpu.items()}
    print(json.dumps({"stack": a.stack, "ours_ms_p10_median": [round(x, 2) for x in ms["ours"]],
                      "raw_ms_p10_median": [round(x, 2) for x in ms["raw"]],
                      "faults_per_sample": faults, "fraction_of_raw_p10": round(ms["raw"][0] / ms["ours"][0], 3),
                      "fraction_of_raw_median": round(ms["raw"][1] / ms["ours"][1], 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
