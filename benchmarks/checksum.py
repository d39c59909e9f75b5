"""What the per-chunk crc32c costs a chip read: the same chips in a store with and without chunk checksums.

    python benchmarks/checksum.py [--chips 64] [--rounds 7]

Writes S1-like chips (4 x float32 dB with speckle, 400 x 400 px: the least compressible modality, so the
largest chunks) into two stores that differ only in the chunk codec chain (blosc -> crc32c, as store.py
writes now, and blosc alone, as older stores have), then times `ChunkReader.read` of every chip, the page
cache warm, in interleaved rounds (the best round counts, so other load on the machine does not pick a
winner). Also times crc32c alone on one chunk. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(root: Path, n: int, checksum: bool) -> None:
    from zarr.codecs import BloscCodec

    from m3leo_extract import store as store_mod
    from m3leo_extract.grid import Chip

    if not checksum:
        original = store_mod._chunk_codecs
        store_mod._chunk_codecs = lambda: [BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")]
    try:
        st = store_mod.ChipStore.open(root, create=True)
        st.ensure_collection(store_mod.CollectionSpec("s1", ("VV", "VH", "VV_p10", "VH_p10"), "float32",
                                                      float("nan"), 10.0, 400))
    finally:
        if not checksum:
            store_mod._chunk_codecs = original
    chips = [Chip(31, False, 1250 + i // 16, 100 + i % 16) for i in range(n)]
    st.add_chips("s1", chips)
    st.ensure_period("s1", "2020")
    rng = np.random.default_rng(0)
    for lo in range(0, n, 16):
        part = chips[lo:lo + 16]
        base = rng.normal(-12, 3, size=(len(part), 4, 1, 1)).astype("float32")
        speckle = 10 * np.log10(rng.gamma(4.0, 0.25, size=(len(part), 4, 400, 400))).astype("float32")
        st.write_shard("s1", lo // 16, 0, [c.chip_id for c in part], base + speckle, np.ones(len(part)))


def time_reads(root: Path, n: int) -> float:
    from m3leo_extract.shards import ChunkReader, CollectionSpec, Modality

    spec = CollectionSpec("s1", ("VV", "VH", "VV_p10", "VH_p10"), "float32", float("nan"), 10.0, 400)
    m = Modality(spec, "2020", 0, 16)
    reader = ChunkReader(str(root), m)
    reader.read(0)
    t0 = time.perf_counter()
    for i in range(n):
        reader.read(i)
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chips", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=7)
    a = ap.parse_args()
    from m3leo_extract.shards import ShardLayout, crc32c

    with tempfile.TemporaryDirectory() as tmp:
        with_crc, without = Path(tmp) / "crc", Path(tmp) / "plain"
        build(with_crc, a.chips, True)
        build(without, a.chips, False)
        assert ShardLayout.read(with_crc / "chips.zarr" / "s1" / "data").chunk_crc  # type: ignore[union-attr]
        rounds: dict[str, list[float]] = {"crc": [], "plain": []}
        for _ in range(a.rounds):
            rounds["plain"].append(time_reads(without, a.chips))
            rounds["crc"].append(time_reads(with_crc, a.chips))
        chunk = (with_crc / "chips.zarr" / "s1" / "data" / "c" / "0" / "0" / "0" / "0" / "0").read_bytes()
        size = len(chunk) // 16
        t0 = time.perf_counter()
        for _ in range(50):
            crc32c(chunk[:size])
        crc_s = (time.perf_counter() - t0) / 50
    best = {k: min(v) for k, v in rounds.items()}
    print(json.dumps({"chips": a.chips, "rounds": a.rounds, "chunk_kb": round(size / 1024, 1),
                      "read_ms_with_crc": round(best["crc"] * 1e3, 3), "read_ms_without": round(best["plain"] * 1e3, 3),
                      "median_ms_with_crc": round(float(np.median(rounds["crc"])) * 1e3, 3),
                      "median_ms_without": round(float(np.median(rounds["plain"])) * 1e3, 3),
                      "crc32c_ms_per_chunk": round(crc_s * 1e3, 3),
                      "overhead": round(best["crc"] / best["plain"] - 1, 4)}))


if __name__ == "__main__":
    main()
