"""Benchmark `m3leo tile` against the usual script: one WarpedVRT window read and one GeoTIFF per chip.

    python benchmarks/tile.py [--quick] [--workers N] [--keep DIR]

Generates a seeded, smooth-ish 4-band uint16 GeoTIFF mosaic at 10 m in UTM 31N (tiled 512 x 512, uncompressed,
so the input's codec weighs on neither side) in a temporary folder: ~200 MB with --quick, ~0.5 GB and ~2 GB
otherwise. For each size it runs, each in its own
subprocess (so peak RSS is the run's own, from getrusage):

  ours      m3leo_extract.tile.tile into a Zarr store (threads, one shard per unit)
  baseline  for each chip: WarpedVRT onto the chip's grid, read, write one GeoTIFF (zstd)

twice: "aligned" (the mosaic sits on the chip grid, like an Earth Engine export: a window copy) and "warped"
(the same file through a VRT shifted by half a pixel: real bilinear resampling). Then "4326": a mosaic of the
same kind in EPSG:4326 (~11 m pixels, ~100 MB with --quick, ~400 MB otherwise) onto UTM 31N chips, as GSSIC,
GUNW and CCI biomass are: every chip reprojects. Each side runs twice (three times for 4326; best time kept),
each run after an os.sync(). Prints MB/s of chip pixels
(uncompressed), the speed ratio, the peak RSS of our run and the files per 1000 chips, one line per run, and
last one JSON object with everything.
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

EPSG = 32631
RES = 10.0
X0, Y1 = 400000.0, 5000000.0  # a chip corner: multiples of 4000 m
BANDS = 4
CHIP_PX = 400


def make_mosaic(path: Path, side_px: int, seed: int = 42) -> None:
    """side_px x side_px x 4 bands uint16, written in strips of tiles so memory stays small."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, size=(BANDS, 3))
    freq = rng.uniform(1 / 8000, 1 / 1500, size=(BANDS, 3))  # features of 1.5 to 8 km
    prof = {"driver": "GTiff", "width": side_px, "height": side_px, "count": BANDS, "dtype": "uint16",
            "nodata": 0, "crs": f"EPSG:{EPSG}", "transform": Affine(RES, 0, X0, 0, -RES, Y1), "tiled": True,
            "blockxsize": 512, "blockysize": 512, "BIGTIFF": "YES"}
    strip = 512
    with rasterio.open(path, "w", **prof) as dst:
        x = (np.arange(side_px) + 0.5) * RES
        for r0 in range(0, side_px, strip):
            h = min(strip, side_px - r0)
            y = (r0 + np.arange(h) + 0.5) * RES
            block = np.empty((BANDS, h, side_px), "uint16")
            noise_rng = np.random.default_rng([seed, r0])
            for b in range(BANDS):
                v = (np.sin(x[None, :] * freq[b, 0] * 2 * np.pi + phases[b, 0])
                     + np.sin(y[:, None] * freq[b, 1] * 2 * np.pi + phases[b, 1])
                     + 0.5 * np.sin((x[None, :] + y[:, None]) * freq[b, 2] * 2 * np.pi + phases[b, 2]))
                v = 3000 + 1000 * b + 900 * v + noise_rng.normal(0, 40, size=v.shape)
                block[b] = np.clip(v, 1, 65535).astype("uint16")
            dst.write(block, window=((r0, r0 + h), (0, side_px)))


# The EPSG:4326 case (GSSIC, GUNW and CCI biomass are lon/lat grids): ~11 m pixels west of UTM 31N's central
# meridian, so the chips (10 m, UTM 31N) are rotated and slightly finer than the source: every chip reprojects.
LON0, LAT1, DLON, DLAT = 2.2, 45.4, 0.00014, 0.0001


def make_mosaic_4326(path: Path, side_px: int, seed: int = 7) -> None:
    """side_px x side_px x 4 bands uint16 in EPSG:4326, the same kind of field as `make_mosaic` (features of
    ~1.5-8 km and per-pixel noise), in strips."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, size=(BANDS, 3))
    freq = rng.uniform(1 / 700, 1 / 140, size=(BANDS, 3))  # in ~11 m pixels
    prof = {"driver": "GTiff", "width": side_px, "height": side_px, "count": BANDS, "dtype": "uint16",
            "nodata": 0, "crs": "EPSG:4326", "transform": Affine(DLON, 0, LON0, 0, -DLAT, LAT1), "tiled": True,
            "blockxsize": 512, "blockysize": 512, "BIGTIFF": "YES"}
    with rasterio.open(path, "w", **prof) as dst:
        x = np.arange(side_px) + 0.5
        for r0 in range(0, side_px, 512):
            h = min(512, side_px - r0)
            y = r0 + np.arange(h) + 0.5
            block = np.empty((BANDS, h, side_px), "uint16")
            noise_rng = np.random.default_rng([seed, r0])
            for b in range(BANDS):
                v = (np.sin(x[None, :] * freq[b, 0] * 2 * np.pi + phases[b, 0])
                     + np.sin(y[:, None] * freq[b, 1] * 2 * np.pi + phases[b, 1])
                     + 0.5 * np.sin((x[None, :] + y[:, None]) * freq[b, 2] * 2 * np.pi + phases[b, 2]))
                v = 3000 + 1000 * b + 900 * v + noise_rng.normal(0, 40, size=v.shape)
                block[b] = np.clip(v, 1, 65535).astype("uint16")
            dst.write(block, window=((r0, r0 + h), (0, side_px)))


def shifted_vrt(src: Path, vrt: Path, side_px: int, dx: float, dy: float) -> None:
    """A VRT of `src` whose geotransform is moved by (dx, dy) metres: the chips no longer sit on its pixels."""
    bands = "".join(
        f'<VRTRasterBand dataType="UInt16" band="{b}"><NoDataValue>0</NoDataValue><SimpleSource>'
        f'<SourceFilename relativeToVRT="0">{src}</SourceFilename><SourceBand>{b}</SourceBand>'
        f'<SrcRect xOff="0" yOff="0" xSize="{side_px}" ySize="{side_px}"/>'
        f'<DstRect xOff="0" yOff="0" xSize="{side_px}" ySize="{side_px}"/></SimpleSource></VRTRasterBand>'
        for b in range(1, BANDS + 1))
    vrt.write_text(f'<VRTDataset rasterXSize="{side_px}" rasterYSize="{side_px}"><SRS>EPSG:{EPSG}</SRS>'
                   f"<GeoTransform>{X0 + dx}, {RES}, 0, {Y1 + dy}, 0, {-RES}</GeoTransform>{bands}</VRTDataset>")


def _chips(src_path: str) -> list:
    from m3leo_extract.grid import chips_for_geometry
    from m3leo_extract.tile import footprint_4326, probe_input

    return chips_for_geometry(footprint_4326(probe_input(src_path)))


def child_ours(src: str, out: str, workers: int) -> dict:
    from m3leo_extract.tile import tile

    _warm_imports()
    t0, c0 = time.perf_counter(), time.process_time()
    rep = tile([src], out, "bench", resolution=RES, workers=workers, lock=False)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    files = sum(len(f) for _, _, f in os.walk(Path(out) / "chips.zarr" / "bench"))
    return {"seconds": secs, "cpu_s": cpu, "chips": rep.chips_written, "bytes": rep.bytes_written, "files": files}


def _warm_imports() -> None:
    """Both runs start their clock with the same libraries loaded (rasterio, zarr, the grid, and pandas, which
    the store's split table loads lazily: ~0.7 s of import that is no part of either side's work)."""
    import pandas  # noqa: F401
    import rasterio  # noqa: F401
    import zarr  # noqa: F401

    import m3leo_extract.store  # noqa: F401
    import m3leo_extract.tile  # noqa: F401


def child_baseline(src: str, out: str) -> dict:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    _warm_imports()
    t0, c0 = time.perf_counter(), time.process_time()  # like ours, the baseline's time includes finding the chips
    chips = _chips(src)
    Path(out).mkdir(parents=True, exist_ok=True)
    nbytes = 0
    with rasterio.open(src) as ds:
        for c in chips:
            h, w = c.shape(RES)
            with WarpedVRT(ds, crs=c.crs, transform=c.transform(RES), width=w, height=h,
                           resampling=Resampling.bilinear, nodata=0) as vrt:
                arr = vrt.read()
            prof = {"driver": "GTiff", "width": w, "height": h, "count": arr.shape[0], "dtype": arr.dtype,
                    "nodata": 0, "crs": c.crs, "transform": c.transform(RES), "tiled": True, "compress": "zstd"}
            with rasterio.open(Path(out) / f"{c.chip_id}.tif", "w", **prof) as dst:
                dst.write(arr)
            nbytes += arr.nbytes
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": secs, "cpu_s": cpu, "chips": len(chips), "bytes": nbytes, "files": len(os.listdir(out))}


def run_child(kind: str, src: Path, out: Path, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--src", str(src), "--out", str(out),
           "--workers", str(workers)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def compare(store: Path, tifs: Path, n: int = 12) -> int:
    """Max |ours - baseline| over a sample of chips (both are bilinear onto the same grid)."""
    import rasterio

    from m3leo_extract.store import ChipStore

    s = ChipStore.open(store)
    ids = s.chip_ids("bench")
    worst = 0
    for cid in ids[:: max(1, len(ids) // n)]:
        with rasterio.open(tifs / f"{cid}.tif") as ds:
            ref = ds.read().astype("int64")
        got = s.read_chip("bench", cid).astype("int64")
        both = (ref != 0).all(axis=0) & (got != 0).all(axis=0)
        if both.any():
            worst = max(worst, int(np.abs(got - ref)[:, both].max()))
    return worst


def run_case(case: str, path: Path, input_mb: float, gen_s: float, work: Path, workers: int, side: int = 0,
             rounds: int = 2) -> dict:
    """Both sides `rounds` times, interleaved, each run after a sync (the freshly generated input's dirty pages
    are otherwise still being written back during whichever run comes first); each side's best time counts,
    and the median of the rounds' ratios is reported beside it."""
    store, tifs = work / f"store_{side}_{case}", work / f"tifs_{side}_{case}"
    ours = base = {}
    pair_ratios = []
    for _ in range(rounds):
        for p in (store, tifs):
            shutil.rmtree(p, ignore_errors=True)
        os.sync()
        o = run_child("ours", path, store, workers)
        os.sync()
        b = run_child("baseline", path, tifs, 1)
        pair_ratios.append(b["seconds"] / o["seconds"])
        ours = o if not ours or o["seconds"] < ours["seconds"] else ours
        base = b if not base or b["seconds"] < base["seconds"] else base
    mb = ours["bytes"] / 1e6
    row = {
        "input_mb": round(input_mb), "input_file_mb": round(Path(path).stat().st_size / 1e6) if path.suffix == ".tif"
        else None, "case": case, "chips": ours["chips"], "workers": workers,
        "ours_s": round(ours["seconds"], 2), "baseline_s": round(base["seconds"], 2),
        "ours_mb_s": round(mb / ours["seconds"], 1), "baseline_mb_s": round(mb / base["seconds"], 1),
        "ratio": round(base["seconds"] / ours["seconds"], 2),
        "median_round_ratio": round(float(np.median(pair_ratios)), 2),
        # CPU seconds (all threads) of each side's best run: what a loaded machine moves least
        "ours_cpu_ms_per_chip": round(1000 * ours["cpu_s"] / max(ours["chips"], 1), 1),
        "baseline_cpu_ms_per_chip": round(1000 * base["cpu_s"] / max(base["chips"], 1), 1),
        "cpu_ratio": round(base["cpu_s"] / max(ours["cpu_s"], 1e-9), 2),
        "ours_peak_rss_mb": round(ours["peak_rss_mb"]), "baseline_peak_rss_mb": round(base["peak_rss_mb"]),
        "ours_files_per_1000_chips": round(1000 * ours["files"] / max(ours["chips"], 1), 1),
        "baseline_files_per_1000_chips": round(1000 * base["files"] / max(base["chips"], 1), 1),
        "max_abs_diff_vs_baseline": compare(store, tifs), "generate_s": round(gen_s, 1),
    }
    print(f"{case:8} input {row['input_mb']:5d} MB  {row['chips']:5d} chips  ours {row['ours_s']:7.2f}s "
          f"{row['ours_mb_s']:7.1f} MB/s  baseline {row['baseline_s']:7.2f}s {row['baseline_mb_s']:6.1f} "
          f"MB/s  x{row['ratio']:.2f} (median of rounds x{row['median_round_ratio']:.2f}, "
          f"CPU x{row['cpu_ratio']:.2f})  peak RSS ours "
          f"{row['ours_peak_rss_mb']} MB  files/1000 chips {row['ours_files_per_1000_chips']} vs "
          f"{row['baseline_files_per_1000_chips']}  max|diff| {row['max_abs_diff_vs_baseline']}", flush=True)
    for p in (store, tifs):
        shutil.rmtree(p, ignore_errors=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="~200 MB input only (< 3 min on 2 cores)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it")
    ap.add_argument("--cases", default="aligned,warped,4326", help="which cases to run (comma-separated)")
    ap.add_argument("--child", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        os.environ.setdefault("GDAL_CACHEMAX", "256")
        r = child_ours(args.src, args.out, args.workers) if args.child == "ours" else \
            child_baseline(args.src, args.out)
        r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(r))
        return

    wanted = set(args.cases.split(","))
    # px a side: multiples of a chip (400 px)
    sizes = ([5200] if args.quick else [8000, 16000]) if wanted & {"aligned", "warped"} else []
    work = args.keep or Path(tempfile.mkdtemp(prefix="m3leo-bench-tile-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for side in sizes:
            src = work / f"mosaic_{side}.tif"
            t0 = time.perf_counter()
            if not src.exists():
                make_mosaic(src, side)
            gen_s = time.perf_counter() - t0
            input_mb = side * side * BANDS * 2 / 1e6
            vrt = work / f"mosaic_{side}_shifted.vrt"
            shifted_vrt(src, vrt, side, RES / 2, -RES / 2)
            cases = [("aligned", src), ("warped", vrt)] if args.quick or side == sizes[-1] else [("aligned", src)]
            cases = [(c, p) for c, p in cases if c in wanted]
            for case, path in cases:
                results.append(run_case(case, path, input_mb, gen_s, work, args.workers, side))
        if "4326" in wanted:
            side = 3600 if args.quick else 7200
            src = work / f"lonlat_{side}.tif"
            t0 = time.perf_counter()
            if not src.exists():
                make_mosaic_4326(src, side)
            results.append(run_case("4326", src, side * side * BANDS * 2 / 1e6, time.perf_counter() - t0, work,
                                    args.workers, side, rounds=3))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    aligned = [r for r in results if r["case"] == "aligned"]
    warped = [r for r in results if r["case"] == "warped"]
    lonlat = [r for r in results if r["case"] == "4326"]
    print(json.dumps({
        "benchmark": "tile", "quick": args.quick, "workers": args.workers, "cpus": os.cpu_count(),
        "ratio_aligned": aligned[-1]["ratio"] if aligned else None,
        "ratio_warped": warped[-1]["ratio"] if warped else None,
        "ratio_4326": lonlat[-1]["ratio"] if lonlat else None,
        "median_round_ratio_4326": lonlat[-1]["median_round_ratio"] if lonlat else None,
        "cpu_ratio_4326": lonlat[-1]["cpu_ratio"] if lonlat else None,
        "max_abs_diff_4326": lonlat[-1]["max_abs_diff_vs_baseline"] if lonlat else None,
        "load_avg": [round(x, 1) for x in os.getloadavg()],
        "ours_peak_rss_mb": {str(r["input_mb"]): r["ours_peak_rss_mb"] for r in aligned},
        "goal": "ratio >= 3, peak RSS < 1500 MB and flat in input size", "runs": results,
    }))


if __name__ == "__main__":
    main()
