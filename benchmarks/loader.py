"""Benchmark the training data path: ChipDataset vs TorchGeo RasterDataset vs memory-mapped raw .npy chips.

    python benchmarks/loader.py [--quick] [--chips N] [--workers 4] [--batch 16] [--seconds S] [--keep DIR]

Writes the same synthetic S1 (4 x float32, dB), S2 (4 x uint16) and land-cover label (uint8) chips, 400 x 400
px (10 m, UTM 31N), three ways in a temporary folder (64 chips with --quick, 256 otherwise):

  ours      the m3leo Zarr store (one chip per chunk, 16 chips per shard, zstd) read by ChipDataset
  torchgeo  one GeoTIFF per chip and modality (one 400 x 400 tile, zstd: the same codec), read by TorchGeo's
            RasterDataset (S1 & S2 & labels intersected) with a GridGeoSampler of one window per chip; skipped
            (null) when torchgeo is not importable (`pip install torchgeo`)
  raw       one uncompressed .npy per chip and modality, np.load(mmap_mode="r"): the storage upper bound. It
            goes through ChipDataset's own decoding (normalisation, label mapping), so ours/raw isolates the
            cost of the store itself

and measures samples/s through a DataLoader (--workers workers, --batch batch size, persistent workers, a
warm-up pass first, the OS page cache warm for every contender). Prints one line per contender and last
one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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

PX = 400
RES = 10.0
CLASSES = (10, 20, 30, 40, 50, 60, 80)
S1_MEAN = {10: (-7.5, -13.5), 20: (-9.5, -16.0), 30: (-10.5, -17.5), 40: (-9.0, -16.5), 50: (-3.0, -10.0),
           60: (-14.0, -23.0), 80: (-22.0, -28.0)}


def make_chips(n: int) -> list[Any]:
    """n chips in blocks of 16 columns: the first half in UTM 31N, the second in 32N (M3LEO regions span zones)."""
    from m3leo_extract.grid import Chip

    cols, half = 16, (n + 1) // 2
    return [Chip(31 if i < half else 32, False, 1250 + (i % half) // cols, 100 + i % cols) for i in range(n)]


def synth(i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded chip i: blocky land cover (16 px blocks) driving S1 means + speckle and S2 levels + noise."""
    rng = np.random.default_rng(i)
    lc = np.asarray(CLASSES, dtype="uint8")[rng.integers(0, len(CLASSES), (PX // 16, PX // 16))]
    lc = np.repeat(np.repeat(lc, 16, 0), 16, 1)
    means = np.array([S1_MEAN[c] for c in CLASSES], dtype="float32")
    k = np.searchsorted(CLASSES, lc)
    s1 = np.empty((4, PX, PX), "float32")
    for b in range(4):
        s1[b] = means[k, b % 2] + rng.normal(0, 1.6, (PX, PX)).astype("float32")
    s2 = np.empty((4, PX, PX), "uint16")
    for b in range(4):
        s2[b] = np.clip(300 + 400 * b + 150 * k + rng.normal(0, 60, (PX, PX)), 1, 10000).astype("uint16")
    return s1, s2, lc[None]


def build(root: Path, n: int) -> dict[str, Any]:
    """Write the store, the GeoTIFFs and the .npy chips; returns sizes and seconds."""
    import rasterio

    from m3leo_extract.catalog import load_catalog
    from m3leo_extract.store import ChipStore

    t0 = time.monotonic()
    chips = make_chips(n)
    st = ChipStore.open(root / "store", create=True)
    cat = load_catalog()
    names = {"s1": "s1", "s2": "s2", "labels": "esa_worldcover"}
    for name, recipe in names.items():
        spec = dataclasses.replace(cat[recipe].store_spec(), name=name, resolution=RES, chip_px=PX)
        st.ensure_collection(spec)
        st.add_chips(name, chips)
        st.ensure_period(name, "2020")
    for sub in ("tif/s1", "tif/s2", "tif/labels", "npy"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    s = st.shard_chips("s1")
    for lo in range(0, n, s):
        part = chips[lo:lo + s]
        arrays = [synth(lo + j) for j in range(len(part))]
        ids = [c.chip_id for c in part]
        for m, name in enumerate(("s1", "s2", "labels")):
            data = np.stack([a[m] for a in arrays])
            st.write_shard(name, lo // s, 0, ids, data, np.ones(len(part)))
            for c, arr in zip(part, data, strict=True):
                np.save(root / "npy" / f"{c.chip_id}_{name}.npy", arr)
                prof = {"driver": "GTiff", "width": PX, "height": PX, "count": arr.shape[0], "dtype": arr.dtype.name,
                        "crs": c.crs, "transform": c.transform(RES), "tiled": True, "blockxsize": PX,
                        "blockysize": PX, "compress": "zstd", "zstd_level": 3,
                        "nodata": None if name == "s1" else 0}
                with rasterio.open(root / "tif" / name / f"{c.chip_id}.tif", "w", **prof) as dst:
                    dst.write(arr)
    sizes = {k: sum(f.stat().st_size for f in (root / k).rglob("*") if f.is_file()) / 1e6
             for k in ("store", "tif", "npy")}
    return {"chips": n, "build_s": round(time.monotonic() - t0, 1), "mb": {k: round(v, 1) for k, v in sizes.items()}}


def _measure(ds: Any, keys: list[Any], workers: int, batch: int, seconds: float, collate: Any) -> float:
    """Samples/s over `keys` (repeated as needed) after one warm-up pass, persistent workers."""
    from torch.utils.data import DataLoader

    reps = 1
    loader = DataLoader(ds, batch_size=batch, sampler=keys, num_workers=workers, collate_fn=collate,
                        persistent_workers=workers > 0, prefetch_factor=2 if workers else None)
    for _ in loader:  # warm-up: worker start, file handles, page cache
        pass
    n, t0 = 0, time.perf_counter()
    while True:
        for b in loader:
            n += len(next(v for v in b.values() if hasattr(v, "__len__")))
        reps += 1
        if time.perf_counter() - t0 >= seconds:
            break
    return n / (time.perf_counter() - t0)


def run_ours(root: Path, workers: int, batch: int, seconds: float) -> dict[str, Any]:
    from m3leo_extract.dataset import ChipDataset, collate

    t0 = time.monotonic()
    ds = ChipDataset(root / "store", inputs=["s1", "s2"], target="labels", split=None)
    init = time.monotonic() - t0
    return {"samples_s": _measure(ds, list(range(len(ds))), workers, batch, seconds, collate), "init_s": init}


def run_raw(root: Path, workers: int, batch: int, seconds: float) -> dict[str, Any]:
    from m3leo_extract.dataset import ChipDataset, collate

    class RawChips(ChipDataset):
        """ChipDataset's decoding over memory-mapped uncompressed .npy chips instead of the store."""

        npy: Path

        def read_raw(self, name: str, i: int) -> np.ndarray:
            return np.load(self.npy / f"{self.chip_ids[i]}_{name}.npy", mmap_mode="r")

    ds = RawChips(root / "store", inputs=["s1", "s2"], target="labels", split=None)
    ds.npy = root / "npy"
    return {"samples_s": _measure(ds, list(range(len(ds))), workers, batch, seconds, collate)}


def run_torchgeo(root: Path, workers: int, batch: int, seconds: float, pattern: str = "*.tif") -> dict[str, Any]:
    try:
        import torchgeo
        from torchgeo.datasets import RasterDataset, stack_samples
        from torchgeo.samplers import GridGeoSampler
    except Exception as exc:  # not installed, or installed against another torch
        return {"samples_s": None, "error": f"torchgeo not importable ({type(exc).__name__}: {exc}); "
                                            "pip install torchgeo"}

    class Image(RasterDataset):
        filename_glob = pattern
        is_image = True

    class Labels(RasterDataset):
        filename_glob = pattern
        is_image = False

    t0 = time.monotonic()
    tif = root / "tif"
    ds = Image(str(tif / "s1")) & Image(str(tif / "s2")) & Labels(str(tif / "labels"))
    keys = list(GridGeoSampler(ds, size=PX, stride=PX))
    init = time.monotonic() - t0
    return {"samples_s": _measure(ds, keys, workers, batch, seconds, stack_samples), "init_s": init,
            "windows": len(keys), "version": torchgeo.__version__}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="64 chips and shorter timings")
    ap.add_argument("--chips", type=int, help="number of chips (default 256, 64 with --quick)")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seconds", type=float, help="timed seconds per contender (default 20, 8 with --quick)")
    ap.add_argument("--keep", type=Path, help="build the data here and keep it")
    a = ap.parse_args(argv)
    n = a.chips or (64 if a.quick else 256)
    seconds = a.seconds or (8.0 if a.quick else 20.0)
    root = a.keep or Path(tempfile.mkdtemp(prefix="m3leo-bench-loader-"))
    try:
        info = build(root, n)
        print(f"built {n} chips of {PX} px (s1 4xf32, s2 4xu16, labels u8) in {info['build_s']}s: "
              f"store {info['mb']['store']} MB, GeoTIFF {info['mb']['tif']} MB, npy {info['mb']['npy']} MB",
              flush=True)
        res = {}
        runs = (("ours", run_ours, {}), ("raw", run_raw, {}), ("torchgeo", run_torchgeo, {}),
                ("torchgeo_one_zone", run_torchgeo, {"pattern": "31N_*.tif"}))
        for name, fn, kw in runs:
            r = fn(root, a.workers, a.batch, seconds, **kw)
            res[name] = r
            rate = r["samples_s"]
            extra = f"  ({r['windows']} windows)" if "windows" in r else ""
            print(f"{name:18} {'n/a' if rate is None else f'{rate:8.1f}'} samples/s{extra}"
                  + (f"  ({r['error']})" if "error" in r else ""), flush=True)
            if rate is None:
                break
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    ours, raw, tg = res["ours"]["samples_s"], res["raw"]["samples_s"], res["torchgeo"]["samples_s"]
    tg1 = res.get("torchgeo_one_zone", {}).get("samples_s")
    out = {
        "ours_samples_s": round(ours, 1), "torchgeo_samples_s": None if tg is None else round(tg, 1),
        "raw_samples_s": round(raw, 1), "ratio_vs_torchgeo": None if tg is None else round(ours / tg, 2),
        "fraction_of_raw": round(ours / raw, 3),
        "torchgeo_one_zone_samples_s": None if tg1 is None else round(tg1, 1),
        "ratio_vs_torchgeo_one_zone": None if tg1 is None else round(ours / tg1, 2),
        "chips": n, "chip_px": PX, "workers": a.workers,
        "batch": a.batch, "cpus": os.cpu_count(), "mb": info["mb"],
        "torchgeo": res["torchgeo"].get("version") or res["torchgeo"].get("error"),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
