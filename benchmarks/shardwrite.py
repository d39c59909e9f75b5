"""What writing one 16-chip shard costs: zarr-python against the direct encoder (`ChipStore.write_shard`).

    python benchmarks/shardwrite.py [--quick] [--rounds 7] [--threads 4]

Three chip shapes, each in two stores of the same collection: S1 (4 x float32 dB with speckle, 400 x 400 px,
NaN nodata: the least compressible, the largest chunks), S2 (4 x uint16 reflectance, 400 x 400 px, 0 nodata)
and the extract benchmark's WorldCover at 100 m (1 x uint8, 40 x 40 px: tiny chunks, where zarr's per-call
overhead is everything). The baseline is zarr itself as write_shard's fallback path writes a shard (the
store's own array handles, `data[lo:hi, t] = ...; valid[lo:hi, t] = ...`); the candidate is `write_shard`
on its direct path (shards.ShardEncoder / ChunkEncoder). Every write goes to a shard file not written yet (as
in extract). Rounds interleave the two, the best round counts (median also printed), so other load on the
machine does not pick a winner. Then `--threads` threads write shards at once (extract's workers do), wall
time per shard. Per side: wall and process CPU (blosc's own threads included) per shard.

The last line printed is one JSON object; `ratio` is the smallest over the three shapes of the CPU ratio
zarr / direct (process CPU per shard: what extract's CPU-bound 2-core client pays, and the figure load on the
machine moves least); each shape's single-thread wall (`single_ratio`), CPU (`cpu_ratio`) and threaded
(`threads_ratio`) ratios are printed too. For the 400 x 400 px shapes Blosc's compression itself is most of
the cost, so wall times are close and, on a loaded machine, noisy: zarr compresses a shard's chunks on several
threads at once, the direct encoder one after the other in the calling thread (GIL released).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from m3leo_extract.grid import Chip  # noqa: E402
from m3leo_extract.store import ChipStore, CollectionSpec  # noqa: E402

S = 16
SHAPES = {  # name: (dtype, nodata, bands, px)
    "s1": ("float32", float("nan"), 4, 400),
    "s2": ("uint16", 0, 4, 400),
    "wc100": ("uint8", 0, 1, 40),
}


def chips_data(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    dtype, nodata, nb, px = SHAPES[name]
    if name == "s1":
        base = rng.normal(-12, 3, size=(S, nb, 1, 1)).astype("float32")
        data = base + 10 * np.log10(rng.gamma(4.0, 0.25, size=(S, nb, px, px))).astype("float32")
    elif name == "s2":
        base = rng.integers(300, 3000, size=(S, nb, 1, 1))
        data = np.clip(base + rng.normal(0, 120, size=(S, nb, px, px)), 1, 10000).astype("uint16")
    else:
        classes = np.array([10, 20, 30, 40, 50, 60, 80], dtype="uint8")
        data = classes[rng.integers(0, len(classes), size=(S, nb, px // 8, px // 8))].repeat(8, 2).repeat(8, 3)
    data[:, :, :px // 10] = nodata  # a nodata strip, as chips at an AOI's edge have
    return data, np.full(S, 0.9, dtype="float32")


def make_store(root: Path, name: str, shards: int) -> tuple[ChipStore, list[str]]:
    dtype, nodata, nb, px = SHAPES[name]
    st = ChipStore.open(root, create=True)
    st.ensure_collection(CollectionSpec(name, tuple(f"b{i}" for i in range(nb)), dtype, nodata, 10.0, px),
                         shard_chips=S)
    chips = [Chip(31, False, 1000 + i // 64, 100 + i % 64) for i in range(shards * S)]
    st.add_chips(name, chips)
    st.ensure_period(name, "2020")
    return st, [c.chip_id for c in chips]


class Side:
    """One store and how it writes shard k (a fresh one each call)."""

    def __init__(self, root: Path, name: str, shards: int, direct: bool) -> None:
        self.name, self.direct = name, direct
        self.st, self.ids = make_store(root, name, shards)
        self.next = 0

    def write(self, data: np.ndarray, valid: np.ndarray) -> None:
        k, self.next = self.next, self.next + 1
        lo, hi = k * S, (k + 1) * S
        if self.direct:
            self.st.write_shard(self.name, k, 0, self.ids[lo:hi], data, valid)
        else:  # write_shard's zarr path
            self.st._arr(self.name, "data")[lo:hi, 0] = data
            self.st._arr(self.name, "valid")[lo:hi, 0] = valid


def timed(side: Side, data: np.ndarray, valid: np.ndarray, n: int) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        side.write(data, valid)
    return (time.perf_counter() - w0) / n, (time.process_time() - c0) / n


def threaded(side: Side, data: np.ndarray, valid: np.ndarray, n: int, threads: int) -> float:
    w0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: side.write(data, valid), range(n)))
    return (time.perf_counter() - w0) / n


def bench(tmp: Path, name: str, rounds: int, per_round: int, threads: int) -> dict[str, float]:
    data, valid = chips_data(name, np.random.default_rng(0))
    shards = 1 + rounds * per_round + 2 * threads
    sides = {"zarr": Side(tmp / f"{name}-zarr", name, shards, False),
             "direct": Side(tmp / f"{name}-direct", name, shards, True)}
    for side in sides.values():
        side.write(data, valid)  # warm: open handles, parse zarr.json, first-touch
    wall: dict[str, list[float]] = {k: [] for k in sides}
    cpu: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(rounds):
        for key, side in sides.items():
            w, c = timed(side, data, valid, per_round)
            wall[key].append(w)
            cpu[key].append(c)
    par = {k: threaded(s, data, valid, 2 * threads, threads) for k, s in sides.items()}
    a, b = sides["zarr"].st.read_block(name, S, 2 * S, 0), sides["direct"].st.read_block(name, S, 2 * S, 0)
    assert np.array_equal(a, b, equal_nan=True) and np.array_equal(a, data, equal_nan=True)
    out: dict[str, float] = {}
    for k in sides:
        out[f"{k}_ms"] = round(min(wall[k]) * 1e3, 3)
        out[f"{k}_median_ms"] = round(float(np.median(wall[k])) * 1e3, 3)
        out[f"{k}_cpu_ms"] = round(min(cpu[k]) * 1e3, 3)
        out[f"{k}_threads_ms"] = round(par[k] * 1e3, 3)
    out["single_ratio"] = round(out["zarr_ms"] / out["direct_ms"], 2)
    out["cpu_ratio"] = round(out["zarr_cpu_ms"] / out["direct_cpu_ms"], 2)
    out["threads_ratio"] = round(out["zarr_threads_ms"] / out["direct_threads_ms"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 rounds of 2 shards (big shapes), under a minute")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()
    rounds = 3 if a.quick else a.rounds
    result: dict[str, object] = {"shard_chips": S, "rounds": rounds, "threads": a.threads}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SHAPES:
            per_round = 20 if name == "wc100" else (2 if a.quick else 4)
            result[name] = r = bench(Path(tmp), name, rounds, per_round, a.threads)
            print(name, json.dumps(r), flush=True)
    result["ratio"] = min(result[n]["cpu_ratio"] for n in SHAPES)  # type: ignore[index]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
