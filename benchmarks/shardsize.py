"""Benchmark the shard size (`--shard-chips`): files, bytes, loader throughput, write time, resume granularity.

    python benchmarks/shardsize.py [--quick] [--sizes 16,64,256,1024,4096] [--chips N] [--px PX] [--workers 2]
                                   [--seconds S] [--keep DIR]

For each shard size S it writes the same seeded chips (4 x uint16 bands, PX x PX px, an S2-like texture
with noise, in UTM 31N rows of 64 chips) into a store of its own, shard by shard through
`ChipStore.write_shard`, as an extract worker writes a unit, and measures:

  files_per_1000     files on disk per 1000 chips of one collection-period (`data` shards + `valid` chunks)
  store_mb           bytes of the collection on disk
  write_s            seconds to write every shard (one thread)
  random / seq       chips/s through the real ChipDataset + DataLoader (--workers workers, batch 16), in
                     random order (a seeded permutation, as a training epoch) and in store order; the page cache
                     is warm (one pass first); interleaved rounds, best round per size (and the median round:
                     random_median_chips_s, direct_median_chips_s)
  read_index_kb      bytes of shard index every chip read pulls (S x 16 + 4)
  direct_random      chips/s of the shard reader alone (`ChunkReader.read`, one thread, random order): the
                     per-read cost of the shard index (S x 16 + 4 bytes read and crc32c-checked per chip)
  index_read_us      microseconds of that index read alone (best of 3 x 5000 reads of one shard's index)
  resume_chips_lost  chips refetched after a kill at the worst moment of a continental run: a unit is all or
                     nothing, and extract keeps up to --max-concurrency units in flight (40 by default): S x 40
  unit_mb_s1_10m     memory one unit holds while it runs (its chips' raw pixels), for the catalog's heaviest
                     chip, 10 m Sentinel-1 (400 x 400 px x 4 float32 bands, 2.56 MB); x 40 units in flight =
                     in_flight_gb_s1_10m
  requests / units   of the plan of s1 (4 seasons) + s2 + esa_worldcover for 2020 over a box of chips
                     (`plan.estimate`, no request sent): units = objects PUT (x 2 with `valid`)

The baseline is the default (`DEFAULT_SHARD_CHIPS`, 16), measured in the same run; ratio columns divide each
size's figure by the baseline's. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BANDS = 4
COLS = 64  # chips per grid row: a shard of S > 64 chips spans several rows, as on a continental AOI
IN_FLIGHT = 40  # DEFAULT_MAX_CONCURRENCY: units in flight in one extract


def s1_chip_bytes() -> int:
    """Raw bytes of one chip of the catalog's s1 recipe (what a unit holds per chip while it runs)."""
    from m3leo_extract.catalog import load_catalog

    r = load_catalog()["s1"]
    return int(r.chip_px**2 * len(r.bands) * np.dtype(r.dtype).itemsize)


def make_chips(n: int) -> list[Any]:
    from m3leo_extract.grid import Chip

    return [Chip(31, False, 1250 + i // COLS, 100 + i % COLS) for i in range(n)]


def synth(i: int, px: int) -> np.ndarray:
    """Seeded chip i: smooth per-band levels in 8 px blocks, plus noise (compresses like real reflectance)."""
    rng = np.random.default_rng(i)
    k = max(1, px // 8)
    base = rng.integers(300, 3000, (BANDS, k, k))
    base = np.repeat(np.repeat(base, -(-px // k), 1), -(-px // k), 2)[:, :px, :px]
    return np.clip(base + rng.normal(0, 40, (BANDS, px, px)), 1, 10000).astype("uint16")


def build(root: Path, s: int, chips: list[Any], data: np.ndarray) -> dict[str, Any]:
    """One store with shard size s; the write time of its shards, its files and bytes."""
    import dataclasses

    from m3leo_extract.catalog import load_catalog
    from m3leo_extract.store import ChipStore

    px = data.shape[-1]
    st = ChipStore.open(root, create=True)
    spec = dataclasses.replace(load_catalog()["s2"].store_spec(), name="x", resolution=4000 / px, chip_px=px,
                               bands=tuple(f"b{b}" for b in range(BANDS)))
    st.ensure_collection(spec, shard_chips=s)
    st.add_chips("x", chips)
    st.ensure_period("x", "2020")
    ids = [c.chip_id for c in chips]
    t0 = time.perf_counter()
    for lo in range(0, len(chips), s):
        st.write_shard("x", lo // s, 0, ids[lo:lo + s], data[lo:lo + s], np.ones(min(s, len(chips) - lo)))
    write_s = time.perf_counter() - t0
    coll = root / "chips.zarr" / "x"
    files = [f for sub in ("data", "valid") for f in (coll / sub / "c").rglob("*") if f.is_file()]
    nbytes = sum(f.stat().st_size for f in coll.rglob("*") if f.is_file())
    return {"write_s": write_s, "files": len(files), "store_mb": nbytes / 1e6}


class Loader:
    """The real ChipDataset behind a persistent-worker DataLoader, in one order."""

    def __init__(self, root: Path, order: list[int], workers: int, batch: int) -> None:
        from torch.utils.data import DataLoader

        from m3leo_extract.dataset import ChipDataset, collate

        ds = ChipDataset(root, inputs=["x"], target=None, split=None, normalize=False)
        self.n = len(ds)
        self.loader = DataLoader(ds, batch_size=batch, sampler=order, num_workers=workers, collate_fn=collate,
                                 persistent_workers=workers > 0, prefetch_factor=2 if workers else None)

    def run(self, seconds: float) -> float:
        n, t0 = 0, time.perf_counter()
        while True:
            for b in self.loader:
                n += len(b["chip_id"])
            if time.perf_counter() - t0 >= seconds:
                return n / (time.perf_counter() - t0)


def direct_reads(root: Path, order: list[int], seconds: float) -> float:
    """Chips/s of ChunkReader alone (ChipDataset's reader: shard index + one pread + one decode a chip)."""
    from m3leo_extract.shards import ChunkReader, Modality
    from m3leo_extract.store import ChipStore

    st = ChipStore.open(root)
    reader = ChunkReader(str(root), Modality(st.spec("x"), "2020", 0, st.shard_chips("x")))
    n, t0 = 0, time.perf_counter()
    while True:
        for i in order:
            reader.read(i, reuse=True)
        n += len(order)
        if time.perf_counter() - t0 >= seconds:
            return n / (time.perf_counter() - t0)


def index_read_us(root: Path, reads: int = 5000) -> float:
    """Microseconds one shard-index read takes (pread of S x 16 + 4 bytes and its crc32c check): paid per chip."""
    from m3leo_extract.shards import ShardLayout, array_path, read_index, shard_file

    array_dir = array_path(root, "x")
    layout = ShardLayout.read(array_dir)
    assert layout is not None
    fd = os.open(shard_file(array_dir, 0, 0), os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        best = math.inf
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(reads):
                read_index(fd, size, layout)
            best = min(best, (time.perf_counter() - t0) / reads * 1e6)
        return best
    finally:
        os.close(fd)


def plan_figures(sizes: list[int], quick: bool) -> dict[int, dict[str, int]]:
    """Units and requests of s1 (4 seasons) + s2 + WorldCover for 2020 over a box, per shard size."""
    from shapely.geometry import box

    from m3leo_extract.catalog import load_catalog, parse_periods
    from m3leo_extract.grid import chip_arrays
    from m3leo_extract.plan import estimate

    cat = load_catalog()
    recipes = [cat[r] for r in ("s1", "s2", "esa_worldcover")]
    area = box(2.0, 44.0, 4.0, 46.0) if quick else box(0.0, 43.0, 6.0, 49.0)  # ~2.2k / ~20k chips
    chips = chip_arrays(area)
    out = {}
    for s in sizes:
        est = estimate(area, recipes, parse_periods("2020"), shard_chips=s, chips=chips)
        out[s] = {"chips": est["chips"], "units": est["units"], "requests": est["requests"]}
    return out


def main(argv: list[str] | None = None) -> int:
    from m3leo_extract.defaults import DEFAULT_SHARD_CHIPS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2048 chips of 64 px, shorter timings")
    ap.add_argument("--sizes", default="16,64,256,1024,4096", help="shard sizes (the default, 16, is always added)")
    ap.add_argument("--chips", type=int, help="chips per store (default 4096, 2048 with --quick)")
    ap.add_argument("--px", type=int, help="chip size in pixels (default 128, 64 with --quick)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seconds", type=float, help="timed seconds per size, order and round (default 4, 1.5 quick)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds, best counts (default 3, 2 with --quick)")
    ap.add_argument("--keep", type=Path, help="build the stores here and keep them")
    a = ap.parse_args(argv)
    base = DEFAULT_SHARD_CHIPS
    sizes = sorted({base, *(int(v) for v in a.sizes.split(","))})
    n = a.chips or (2048 if a.quick else 4096)
    px = a.px or (64 if a.quick else 128)
    seconds = a.seconds or (1.5 if a.quick else 4.0)
    rounds = a.rounds or (2 if a.quick else 3)
    root = a.keep or Path(tempfile.mkdtemp(prefix="m3leo-bench-shardsize-"))
    t_start = time.monotonic()
    try:
        chips = make_chips(n)
        data = np.stack([synth(i, px) for i in range(n)])
        built = {s: build(root / f"s{s}", s, chips, data) for s in sizes}
        for s in sizes:
            b = built[s]
            print(f"S={s:5}: {b['files']:5} files, {b['store_mb']:7.1f} MB, written in {b['write_s']:.2f}s",
                  flush=True)
        rng = np.random.default_rng(0)
        orders = {"random": [int(i) for i in rng.permutation(n)], "seq": list(range(n))}
        loaders = {(s, o): Loader(root / f"s{s}", orders[o], a.workers, a.batch) for s in sizes for o in orders}
        rates: dict[tuple[int, str], list[float]] = {k: [] for k in loaders}
        direct: dict[int, list[float]] = {s: [] for s in sizes}
        for ld in loaders.values():  # warm-up: workers, page cache
            ld.run(0.0)
        for r in range(rounds):
            for k, ld in loaders.items():
                rates[k].append(ld.run(seconds))
            for s in sizes:
                direct[s].append(direct_reads(root / f"s{s}", orders["random"], seconds / 2))
            print(f"round {r + 1}: " + "  ".join(f"S={s} {o} {rates[(s, o)][-1]:.0f}" for s, o in loaders),
                  flush=True)
        del loaders
        index_us = {s: index_read_us(root / f"s{s}") for s in sizes}
        plans = plan_figures(sizes, a.quick)
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    rows, chip_bytes = {}, s1_chip_bytes()
    for s in sizes:
        b, p = built[s], plans[s]
        rows[s] = {
            "files_per_1000": round(b["files"] / n * 1000, 1), "store_mb": round(b["store_mb"], 1),
            "write_s": round(b["write_s"], 2), "random_chips_s": round(max(rates[(s, "random")]), 1),
            "seq_chips_s": round(max(rates[(s, "seq")]), 1),
            "random_median_chips_s": round(float(np.median(rates[(s, "random")])), 1),
            "direct_median_chips_s": round(float(np.median(direct[s])), 1),
            "read_index_kb": round((s * 16 + 4) / 1024, 2),
            "index_read_us": round(index_us[s], 1),
            "direct_random_chips_s": round(max(direct[s]), 1), "resume_chips_lost": s * IN_FLIGHT,
            "unit_mb_s1_10m": round(s * chip_bytes / 1e6, 1),
            "in_flight_gb_s1_10m": round(s * chip_bytes * IN_FLIGHT / 1e9, 1),
            "plan_units": p["units"], "plan_requests": p["requests"],
        }
    b0 = rows[base]
    for s in sizes:
        r = rows[s]
        r.update({f"ratio_{k}": round(r[k] / b0[k], 3) if b0[k] else None
                  for k in ("files_per_1000", "store_mb", "write_s", "random_chips_s", "seq_chips_s",
                            "direct_random_chips_s", "random_median_chips_s", "direct_median_chips_s",
                            "resume_chips_lost", "plan_requests")})
    hdr = ("S", "files/1k", "MB", "write s", "random/s", "seq/s", "direct/s", "idx KB", "idx us", "lost", "unit MB",
           "requests", "x files", "x random", "x seq", "x direct", "x write", "x requests")
    print(" ".join(f"{h:>10}" for h in hdr))
    for s in sizes:
        r = rows[s]
        vals = (s, r["files_per_1000"], r["store_mb"], r["write_s"], r["random_chips_s"], r["seq_chips_s"],
                r["direct_random_chips_s"], r["read_index_kb"], r["index_read_us"], r["resume_chips_lost"],
                r["unit_mb_s1_10m"], r["plan_requests"],
                r["ratio_files_per_1000"], r["ratio_random_chips_s"], r["ratio_seq_chips_s"],
                r["ratio_direct_random_chips_s"], r["ratio_write_s"],
                r["ratio_plan_requests"])
        print(" ".join(f"{v:>10}" for v in vals))
    out = {"baseline_shard_chips": base, "chips": n, "chip_px": px, "bands": BANDS, "workers": a.workers,
           "batch": a.batch, "rounds": rounds, "seconds_per_round": seconds, "cpus": os.cpu_count(),
           "plan_chips": plans[base]["chips"], "seconds": round(time.monotonic() - t_start, 1),
           "sizes": {str(s): rows[s] for s in sizes}}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
