"""Peak memory and time of building the training dataset's chip index (`ChipDataset(...)`) at two sizes.

Each store has N chips in collections "a" (two periods) and "b" (one, chips in another order), every chip
written and valid (tests/test_dataset_index.py `make_store`). The build runs in a fresh subprocess; its peak
is VmHWM reset once torch and zarr are imported, less the RSS it started from. `--compare DIR` also runs the
code of another checkout (e.g. /work/main) on the same stores.

    python benchmarks/dataset_index.py [--quick] [--sizes 1000000,3000000] [--compare /work/main]

Last line: one JSON object {sizes, runs: [{code, chips, kept, build_s, build_peak_over_start_mb}, ..]}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests"))

from flat_fixtures import python_rss  # noqa: E402
from test_dataset_index import BUILD, make_store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100k and 300k chips (default 1M and 3M)")
    ap.add_argument("--sizes", default=None, help="two chip counts, comma-separated")
    ap.add_argument("--compare", default=None, help="another checkout whose ChipDataset to run as well")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")] if a.sizes else ([100_000, 300_000] if a.quick
                                                                    else [1_000_000, 3_000_000])
    codes = [("this", str(HERE))] + ([("compare", a.compare)] if a.compare else [])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = make_store(Path(tmp) / f"s{n}", n, seed=None, shard_chips=4096)
            for label, root in codes:
                os.environ["PYTHONPATH"] = root
                _, _, out = python_rss(BUILD.format(store=str(store)), cwd=Path(tmp))  # cwd: not this checkout
                kept, secs, _, over = out.split()
                runs.append({"code": label, "chips": n, "kept": int(kept), "build_s": float(secs),
                             "build_peak_over_start_mb": float(over)})
                print(json.dumps(runs[-1]), file=sys.stderr)
    print(json.dumps({"benchmark": "dataset_index", "sizes": sizes, "runs": runs}))


if __name__ == "__main__":
    main()
