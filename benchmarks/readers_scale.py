"""Peak RSS and time of the store's readers on a huge planned state: verify, stats, split, export and the
training dataset's index, at two sizes.

Each store has N chips in its chip arrays and N/16 planned units in state.sqlite, with 4 shards written
(tests/flat_fixtures.py: what a continental run looks like after its plan phase). Every command runs in a
fresh subprocess (the real `m3leo` module; the dataset index as `ChipDataset(...)`), and its own ru_maxrss is
its peak. The growth exponent is log(t2/t1)/log(N2/N1) of each command's seconds.

    python benchmarks/readers_scale.py [--quick] [--sizes 200000,800000]

Last line: one JSON object {sizes, <command>: {rss_mb: [..], seconds: [..], exponent}, max_rss_mb}.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from flat_fixtures import COLLECTION, build_store, m3leo_rss, python_rss  # noqa: E402

DATASET = ("from m3leo_extract.dataset import ChipDataset\n"
           "ds = ChipDataset({store!r}, inputs={coll!r}, target=None, split='train', normalize=False)\n"
           "print(len(ds))")


def commands(store: Path, out: Path) -> dict[str, object]:
    return {
        "verify": ("verify", "--store", str(store), "--json"),
        "stats": ("stats", "--store", str(store)),
        "split": ("split", "--store", str(store), "--scheme", "random:seed=1", "--json"),
        "export": ("export", "--store", str(store), "--collection", COLLECTION, "--out", str(out), "--json"),
        "dataset": DATASET.format(store=str(store), coll=COLLECTION),
    }


def measure(n: int, work: Path) -> dict[str, tuple[float, float]]:
    store = work / f"s{n}"
    build_store(store, n)
    out: dict[str, tuple[float, float]] = {}
    for name, cmd in commands(store, work / f"cogs{n}").items():
        rss, secs, _ = python_rss(cmd) if isinstance(cmd, str) else m3leo_rss(*cmd)
        out[name] = (round(rss, 1), round(secs, 2))
        print(f"{n:>9} chips  {name:8} {rss:8.1f} MB  {secs:7.2f} s", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100k and 400k chips (default 1M and 4M)")
    ap.add_argument("--sizes", default=None, help="two chip counts, comma-separated")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")] if a.sizes else ([100_000, 400_000] if a.quick
                                                                    else [1_000_000, 4_000_000])
    with tempfile.TemporaryDirectory() as tmp:
        runs = [measure(n, Path(tmp)) for n in sizes]
    result: dict[str, object] = {"benchmark": "readers_scale", "sizes": sizes}
    for name in runs[0]:
        rss = [r[name][0] for r in runs]
        secs = [r[name][1] for r in runs]
        expo = math.log(max(secs[-1], 1e-3) / max(secs[0], 1e-3)) / math.log(sizes[-1] / sizes[0])
        result[name] = {"rss_mb": rss, "seconds": secs, "rss_growth_mb": round(rss[-1] - rss[0], 1),
                        "exponent": round(expo, 2)}
    result["max_rss_mb"] = max(r[n][0] for r in runs for n in r)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
