"""What `m3leo publish` costs: chips per second against a plain pyarrow loop, and peak memory at two sizes.

    python benchmarks/publish.py [--quick] [--rounds 3]

Two stores of S2 (4 x uint16, 400 x 400 px), SMALL and LARGE chips (4x as many), written through the
store's own API as extract's workers do (seeded values, extract's provenance; no Earth Engine, so the
benchmark measures publishing only): 64 and 256 chips with --quick, 256 and 1024 without. Throughput, on
LARGE: `publish(store, out, formats="parquet")` (the Parquet chips plus the chip index it always writes)
against the baseline, a plain loop over `ChipDataset(..., normalize=False)` that writes the same Parquet
files (same columns, georeference, row groups and writer options) with pyarrow, one file per split. Rounds
interleave the two; the best round counts. `ratio` = publish chips/s / baseline chips/s (wall clock);
`cpu_ratio` = the same per CPU-second (process CPU, every thread), the figure to read on a shared machine
under load, where wall time measures the other users as much as the code (`load_avg` is recorded).

Memory: `m3leo publish --format stac,parquet,croissant,hf` in a fresh subprocess per store, its peak RSS
(ru_maxrss of the child); `rss_ratio` = LARGE / SMALL (flat: ~1).

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))


def make_store(path: Path, cols: int, rows: int) -> int:
    """An S2 store of cols x rows chips near Lyon, written through the store's own API (`write_shard`, as
    extract's workers do) with seeded reflectance-like values and extract's provenance (synthetic)."""
    from m3leo_extract.catalog import get_recipe
    from m3leo_extract.grid import Chip
    from m3leo_extract.store import ChipStore

    rng = np.random.default_rng(0)
    recipe = get_recipe("s2")
    st = ChipStore.open(path, create=True)
    st.ensure_collection(recipe.store_spec())
    st.mark_source("s2", True)
    chips = sorted(Chip(31, False, 1265 + r, 160 + c) for r in range(rows) for c in range(cols))
    st.add_chips("s2", chips)
    t = st.ensure_period("s2", "2020")
    st.record_period("s2", "2020", tool="m3leo extract", recipe="s2", recipe_version=recipe.version,
                     assets=[recipe.asset], mode="pixels", endpoint="emulator", synthetic=True)
    ids = st.chip_ids("s2")
    s = st.shard_chips("s2")
    for shard in range(-(-len(ids) // s)):
        part = ids[shard * s:(shard + 1) * s]
        base = rng.integers(300, 3000, size=(len(part), 4, 1, 1))
        data = np.clip(base + rng.normal(0, 120, size=(len(part), 4, 400, 400)), 1, 10000).astype("uint16")
        st.write_shard("s2", shard, t, part, data, np.ones(len(part), dtype="float32"))
    return len(ids)


def baseline(store: Path, out: Path) -> int:
    """The same Parquet files, by a plain loop over ChipDataset (one chip at a time) and pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from m3leo_extract.dataset import ChipDataset
    from m3leo_extract.publish.parquet import ROW_GROUP, WRITE_OPTIONS, _georef, _pixels
    from m3leo_extract.store import ChipStore

    st = ChipStore.open(store)
    valid = st.read_valid("s2")[:, 0]
    rows = {c: i for i, c in enumerate(st.chip_ids("s2"))}
    writers: dict[str, pq.ParquetWriter] = {}
    n = 0
    for split in ("train", "val", "test", "none"):
        ds = ChipDataset(st, inputs=["s2"], target=None, split=split, normalize=False)
        for lo in range(0, len(ds), ROW_GROUP):
            idx = range(lo, min(lo + ROW_GROUP, len(ds)))
            ids = [ds.chip_ids[i] for i in idx]
            data = np.stack([ds.read_raw("s2", i) for i in idx])
            geo = _georef(ids, 10.0)
            table = pa.table({
                "chip_id": ids, "period": ["2020"] * len(ids), "split": [split] * len(ids),
                **{k: pa.array(v) for k, v in geo.items()},
                "valid": pa.array(np.array([valid[rows[c]] for c in ids], dtype="float32")),
                "start": pa.array([np.datetime64("2020-01-01", "ms")] * len(ids), pa.timestamp("ms")),
                "end": pa.array([np.datetime64("2021-01-01", "ms")] * len(ids), pa.timestamp("ms")),
                "pixels": _pixels(data)})
            table = table.set_column(table.schema.get_field_index("epsg"), "epsg", table["epsg"].cast(pa.int32()))
            if split not in writers:
                (out / split).mkdir(parents=True, exist_ok=True)
                writers[split] = pq.ParquetWriter(out / split / "s2.parquet", table.schema, **WRITE_OPTIONS)
            writers[split].write_table(table, row_group_size=ROW_GROUP)
            n += len(ids)
    for w in writers.values():
        w.close()
    return n


def peak_rss(store: Path, out: Path) -> int:
    """Peak RSS (bytes) of `m3leo publish` in a fresh child of a fresh interpreter."""
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "assert r.returncode == 0, r.stderr; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    res = subprocess.run([sys.executable, "-c", code, BIN, "publish", "--store", str(store), "--out", str(out)],
                         capture_output=True, text=True, check=True)
    return int(res.stdout.strip().splitlines()[-1]) * 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small stores (< 3 min on 2 cores)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from m3leo_extract.publish import publish

    small, large = ((8, 8), (16, 16)) if args.quick else ((16, 16), (32, 32))
    rounds = min(args.rounds, 2) if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        n_small = make_store(tmp_path / "small", *small)
        n_large = make_store(tmp_path / "large", *large)
        pub, base, pub_cpu, base_cpu = [], [], [], []
        for r in range(rounds):
            out = tmp_path / f"pub{r}"
            t0, c0 = time.perf_counter(), time.process_time()
            publish(tmp_path / "large", out, formats="parquet")
            pub.append(n_large / (time.perf_counter() - t0))
            pub_cpu.append(n_large / (time.process_time() - c0))
            t0, c0 = time.perf_counter(), time.process_time()
            n = baseline(tmp_path / "large", tmp_path / f"base{r}")
            base.append(n / (time.perf_counter() - t0))
            base_cpu.append(n / (time.process_time() - c0))
            assert n == n_large, (n, n_large)
            shutil.rmtree(out)
        rss = {name: peak_rss(tmp_path / name, tmp_path / f"rss-{name}") for name in ("small", "large")}
    result = {"chips_small": n_small, "chips_large": n_large, "publish_chips_per_s": round(max(pub), 1),
              "baseline_chips_per_s": round(max(base), 1), "publish_median": round(float(np.median(pub)), 1),
              "baseline_median": round(float(np.median(base)), 1),
              "publish_chips_per_cpu_s": round(max(pub_cpu), 1), "baseline_chips_per_cpu_s": round(max(base_cpu), 1),
              "ratio": round(max(pub) / max(base), 3), "cpu_ratio": round(max(pub_cpu) / max(base_cpu), 3),
              "load_avg": round(os.getloadavg()[0], 1),
              "rss_small_mb": round(rss["small"] / 2**20, 1), "rss_large_mb": round(rss["large"] / 2**20, 1),
              "rss_ratio": round(rss["large"] / rss["small"], 3), "self_maxrss_mb":
              round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    print(f"publish {result['publish_chips_per_s']} chips/s ({result['publish_chips_per_cpu_s']} per CPU-s) vs "
          f"plain loop {result['baseline_chips_per_s']} chips/s ({result['baseline_chips_per_cpu_s']} per CPU-s): "
          f"ratio {result['ratio']} (CPU {result['cpu_ratio']}, load {result['load_avg']}); peak RSS "
          f"{result['rss_small_mb']} MB ({n_small} chips) vs {result['rss_large_mb']} MB ({n_large} chips)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
