"""Benchmark: `extract` against Xee and one-request-per-chip downloads, through the emulator.

    python benchmarks/extract.py [--quick] [--skip-legacy] [--recipe NAME --period P --resolution M]

1. Realistic (issue 15): the emulator in its own process with `limits.Load.realistic()` (latency 400 ms
   plus 10 ms per million pixel-images composited, lognormal spread, 1 % of requests 4x slower, a work
   budget) and Earth Engine's 429 beyond 40 requests in flight. A 10,000-chip AOI (100 x 100 chips in zone
   31N; 10,102 with the edges: ~20 waves of 40 requests, so the steady state dominates; `--side 40` gives
   the first 1,624-chip figures) of ESA WorldCover 2020 at 100 m (40 x 40 px chips, so the emulator's own CPU
   stays small next to the latency being measured). Side by side in one run:
   (a) ours: `extract` (blocks of neighbouring chips, one limiter at 40 in flight, retries);
   (b) Xee 0.1.x as its users write it: the same expression as a one-image collection, `open_dataset` on
       each UTM zone's grid (the chips' grid), `to_zarr` with one chunk per chip, Xee's own request sizes;
   (c) one computePixels per chip on 8 threads, each chip saved to its own file (--quick: 324 chips).
   `utilization` = the emulator's summed server-side request time / (40 x our fetch wall time).
   `cpu`: this client's and the emulator's CPU per request, and the cores it takes to hold 40 in flight at
   the measured latency (`cpu_budget`): where the utilization goes on a small machine.
2. CPU-bound (issue 4's figure, kept): WorldCover at 40 m, uniform 200-600 ms latency, ours vs (c), plus
   the `m3leo plan` checks.
The last line printed is one JSON object (both parts).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from m3leo_extract.catalog import load_catalog, parse_periods  # noqa: E402
from m3leo_extract.grid import Chip, chip_arrays, chip_outline_4326  # noqa: E402

LATENCY_MS = (200.0, 600.0)
CAP = 40


def square_aoi(n: int, row0: int = 1264) -> shapely.Geometry:
    """n x n chips in zone 31N near Lyon, inset a little so exactly n*n chips overlap it."""
    chips = [Chip(31, False, row0 + r, 150 + c) for r in range(n) for c in range(n)]
    return shapely.union_all([chip_outline_4326(ch, 8) for ch in chips]).buffer(-0.0005)


@contextlib.contextmanager
def emulator_process(**flags: str):
    """The emulator in its own process, as Earth Engine is a remote service: it must not share our GIL."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [sys.executable, "-m", "m3leo_extract", "emulator", "--port", str(port)]
    for k, v in flags.items():
        args += [f"--{k.replace('_', '-')}", v]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # "m3leo emulator (SYNTHETIC data) on URL": it is listening
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def run_ours(url: str, store: Path, geom, recipe, period, shard_chips: int) -> dict:
    from m3leo_extract.extract import ExtractOptions, extract

    t0 = time.perf_counter()
    rep = extract(store, geom, [recipe], [period], ee_url=url,
                  options=ExtractOptions(max_concurrency=CAP, max_rps=1000, shard_chips=shard_chips))
    dt = time.perf_counter() - t0
    assert rep.ok, rep.errors
    return {"chips": rep.chips_done, "seconds": dt, "requests": rep.requests, "retries": rep.retries,
            "chips_per_request": rep.chips_done / rep.requests, "fetch_seconds": rep.fetch_seconds,
            "request_seconds": rep.request_seconds, "peak_in_flight": rep.peak_in_flight,
            "fetch_cpu_seconds": rep.fetch_cpu_seconds}


def run_baseline(url: str, out: Path, geom, recipe, period, threads: int = 8) -> dict:
    import ee

    from m3leo_extract.ee import expressions
    from m3leo_extract.ee.pixels import EEPixelsGetter, PixelRequest
    from m3leo_extract.ee.session import initialize
    from m3leo_extract.units import chips_lonlat_bounds

    initialize(url)
    chips = chip_arrays(geom).chips()
    image = expressions.build(recipe, period, chips_lonlat_bounds(chips))
    getter = EEPixelsGetter()
    out.mkdir(parents=True, exist_ok=True)

    def one(c: Chip) -> None:
        req = PixelRequest(image, c.crs, c.transform(recipe.resolution), c.shape(recipe.resolution),
                           tuple(recipe.band_names), recipe.dtype)
        for attempt in range(8):  # the scripts retry a 429 after a pause
            try:
                arr = getter(req)
                break
            except Exception:
                time.sleep(0.5 * (attempt + 1))
        np.save(out / f"{c.chip_id}.npy", arr)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, chips))
    dt = time.perf_counter() - t0
    del ee
    return {"chips": len(chips), "seconds": dt, "files": len(list(out.glob("*.npy")))}


def legacy(quick: bool) -> dict:
    """The CPU-bound figure of issue 4: WorldCover at 40 m, uniform 200-600 ms, ours vs one request per chip."""
    recipe = replace(load_catalog()["esa_worldcover"], resolution=40.0)
    period = parse_periods("2020")[0]
    geom = square_aoi(20)
    n = len(chip_arrays(geom))
    reps = 1 if quick else 2
    with emulator_process(latency_ms=f"{LATENCY_MS[0]:g},{LATENCY_MS[1]:g}", max_concurrent=str(CAP),
                          seed="1") as (url, pid), tempfile.TemporaryDirectory() as tmp:
        # Warm-up (not timed): ee.Initialize fetches the discovery document and 991 algorithm signatures, and
        # the first extract imports zarr & co. Both sides then start warm.
        run_ours(url, Path(tmp) / "warm", square_aoi(2), recipe, period, 4)
        # Calibration for `m3leo plan`: two smaller runs (10 x 10 chips each) measure this client's CPU per request
        # (in its run summary) and the codec ratio, and here the emulator's own CPU per request (it is one
        # Python process, so it serialises its work; Earth Engine scales out, so for real runs this is 0).
        # The plan of the 400-chip AOI at the emulator's mean latency is then checked against the real run.
        emu = psutil.Process(pid)
        cpu0 = sum(emu.cpu_times()[:2])
        calib = [run_ours(url, Path(tmp) / "calib", square_aoi(10, row0), recipe, period, 4) for row0 in (1300, 1310)]
        server_cpu = (sum(emu.cpu_times()[:2]) - cpu0) / sum(c["requests"] for c in calib)
        from m3leo_extract.plan import calibrate, estimate

        est = estimate(geom, [recipe], [period], shard_chips=4, max_concurrency=CAP, max_rps=1000,
                       store_dir=Path(tmp) / "calib", latency_s=sum(LATENCY_MS) / 2000, server_cpu_s=server_cpu)
        fitted = estimate(geom, [recipe], [period], shard_chips=4, max_concurrency=CAP, max_rps=1000,
                          store_dir=Path(tmp) / "calib")
        cal = calibrate(Path(tmp) / "calib")
        ours = [run_ours(url, Path(tmp) / f"ours{i}", geom, recipe, period, 4) for i in range(reps)]
        disk = sum(f.stat().st_size for f in (Path(tmp) / "ours0" / "chips.zarr" / recipe.name / "data").rglob("*")
                   if f.is_file())
        default = run_ours(url, Path(tmp) / "default", geom, recipe, period, 16)
        base = [run_baseline(url, Path(tmp) / f"base{i}", geom, recipe, period) for i in range(reps)]
    best = min(ours, key=lambda r: r["seconds"])
    b = min(base, key=lambda r: r["seconds"])
    mean_lat = sum(LATENCY_MS) / 2 / 1000
    ours_cs = best["chips"] / best["seconds"]
    base_cs = b["chips"] / b["seconds"]
    ideal = CAP / mean_lat * best["chips_per_request"]
    result = {
        "chips": n, "ours_chips_s": round(ours_cs, 1), "baseline_chips_s": round(base_cs, 1),
        "ratio": round(ours_cs / base_cs, 2), "ideal_chips_s": round(ideal, 1),
        "fraction_of_ideal": round(ours_cs / ideal, 3), "ours_requests": best["requests"],
        "ours_chips_per_request": best["chips_per_request"], "ours_retries": best["retries"],
        "default_shard16_chips_s": round(default["chips"] / default["seconds"], 1),
        "baseline_files": b["files"],
        "plan_wall_s": est["wall_s"], "actual_wall_s": round(ours[0]["seconds"], 2),
        "plan_wall_error": round(est["wall_s"] / ours[0]["seconds"] - 1, 3),
        "plan_client_cpu_s": est["quota"]["client_cpu_s"], "plan_server_cpu_s": round(server_cpu, 4),
        "fitted_plan_wall_s": fitted["wall_s"], "fitted_latency_s": round(cal.latency_s, 3) if cal else None,
        "fitted_plan_wall_error": round(fitted["wall_s"] / ours[0]["seconds"] - 1, 3),
        "plan_store_bytes": est["store_bytes"], "actual_store_bytes": disk,
        "plan_bytes_error": round(est["store_bytes"] / disk - 1, 3), "plan_requests": est["requests"],
    }
    return result


# -- issue 15: the realistic emulator (latency grows with work, heavy tail, work budget), ours vs Xee vs per chip
SERVE = """
import json, sys
from ee_emulator import start_emulator, limits
emu = start_emulator(port=int(sys.argv[1]), max_concurrent=int(sys.argv[2]), seed=1, load=limits.Load.realistic())
print(emu.url, flush=True)
seen = 0
for line in sys.stdin:  # "stats": server-side seconds of the computePixels answered since the last call
    log = [r for r in emu.request_log if r.get("method") == "computePixels"]
    new, seen = log[seen:], len(log)
    out = {"requests": len(new), "seconds": sum(r.get("seconds", 0.0) for r in new),
           "statuses": sorted({str(r.get("status")) for r in new}),
           "errors": sorted({r.get("error", "")[:60] for r in new if r.get("status") != 200})}
    print(json.dumps(out), flush=True)
"""


class RealisticEmulator:
    """The emulator with `Load.realistic()` in its own process; `.stats()` sums its server-side request time."""

    def __init__(self, cap: int) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(cap)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        self.pid = self.proc.pid

    def stats(self) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def realistic_recipe(name: str, period: str, resolution: float):
    """A shipped recipe at a coarse resolution: the emulator's CPU (one Python process standing in for a
    service that scales out) stays small next to the latency and limits being measured."""
    return replace(load_catalog()[name], resolution=resolution), parse_periods(period)[0]


def run_xee(url: str, out: Path, geom, recipe, period) -> dict:
    """What a Xee 0.1.x user does: the composite as a one-image collection, open_dataset on each UTM zone's grid
    (the chips' grid), written to Zarr in chip-sized chunks. Xee picks its request sizes (io_chunks='auto')."""
    import ee
    import xarray as xr

    from m3leo_extract.ee import expressions
    from m3leo_extract.ee.session import initialize
    from m3leo_extract.grid import CHIP_SIZE_M
    from m3leo_extract.units import chips_lonlat_bounds

    initialize(url)
    chips = chip_arrays(geom).chips()
    image = expressions.build(recipe, period, chips_lonlat_bounds(chips))
    px, res = recipe.chip_px, recipe.resolution
    t0 = time.perf_counter()
    zones: dict[int, list[Chip]] = {}
    for c in chips:
        zones.setdefault(c.epsg, []).append(c)
    n = 0
    for epsg, cs in sorted(zones.items()):
        c0, c1 = min(c.col for c in cs), max(c.col for c in cs)
        r0, r1 = min(c.row for c in cs), max(c.row for c in cs)
        transform = (res, 0.0, c0 * CHIP_SIZE_M, 0.0, -res, (r1 + 1) * CHIP_SIZE_M)
        shape = ((c1 - c0 + 1) * px, (r1 - r0 + 1) * px)
        ds = xr.open_dataset(ee.ImageCollection([image]), engine="ee", crs=f"EPSG:{epsg}", crs_transform=transform,
                             shape_2d=shape)  # Xee's own request sizes (io_chunks auto, 48 MB with mask bytes)
        enc = {v: {"chunks": (1, px, px)} for v in ds.data_vars}  # one Zarr chunk per chip
        ds.to_zarr(out / f"zone{epsg}.zarr", mode="w", encoding=enc)
        n += len(cs)
    return {"chips": n, "seconds": time.perf_counter() - t0}


def cpu_budget(server_s: float, requests: int, client_cpu_s: float, emulator_cpu_s: float) -> dict:
    """Where utilization can go on this machine: the CPU that holding the cap full at this latency needs.

    At the cap, requests finish at CAP / (server_s / requests) per second; each costs this client's CPU (the
    unmodified ee client, NPY decode, Zarr encode: Python, mostly under one GIL) and the emulator's (one
    Python process). `client_bound` is the utilization the client's CPU alone allows (its CPU spread over
    the ideal wall time server_s / CAP); `cores_needed` the cores both together need to hold the cap full.
    """
    ideal_wall = server_s / CAP
    return {"client_cpu_ms_per_request": round(1000 * client_cpu_s / requests, 1),
            "emulator_cpu_ms_per_request": round(1000 * emulator_cpu_s / requests, 1),
            "server_ms_per_request": round(1000 * server_s / requests, 1),
            "client_bound": round(min(1.0, ideal_wall / client_cpu_s), 3),
            "cores_needed": round((client_cpu_s + emulator_cpu_s) / ideal_wall, 2),
            "cores": os.cpu_count(), "load_average": [round(x, 1) for x in os.getloadavg()]}


def realistic(quick: bool, name: str, period_text: str, resolution: float, side: int = 100) -> dict:
    recipe, period = realistic_recipe(name, period_text, resolution)
    geom = square_aoi(side)  # 100: 10,102 chips with the edges
    n = len(chip_arrays(geom))
    emu = RealisticEmulator(CAP)
    emu_proc = psutil.Process(emu.pid)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run_ours(emu.url, Path(tmp) / "warm", square_aoi(2), recipe, period, 4)  # imports, discovery
            emu.stats()
            emu_cpu0 = sum(emu_proc.cpu_times()[:2])
            t0 = time.perf_counter()
            ours = run_ours(emu.url, Path(tmp) / "ours", geom, recipe, period, 16)
            server = emu.stats()
            ours_wall = time.perf_counter() - t0
            emu_cpu = sum(emu_proc.cpu_times()[:2]) - emu_cpu0
            try:
                xee = run_xee(emu.url, Path(tmp) / "xee", geom, recipe, period)
            except Exception as exc:  # Xee missing or refused: say so in the figures
                xee = {"chips": 0, "seconds": float("nan"), "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            xee_server = emu.stats()
            # One request per chip on 8 threads: linear in chips, so --quick times 324 of them.
            sub = square_aoi(18) if quick else geom
            base = run_baseline(emu.url, Path(tmp) / "base", sub, recipe, period)
            base_server = emu.stats()
    finally:
        emu.close()
    ours_cs = ours["chips"] / ours_wall
    xee_cs = xee["chips"] / xee["seconds"] if xee["chips"] else float("nan")
    base_cs = base["chips"] / base["seconds"]
    return {
        "chips": n, "recipe": f"{recipe.name} {period.label} at {recipe.resolution:g} m", "cap": CAP,
        "ours_chips_s": round(ours_cs, 1), "ours_requests": ours["requests"], "ours_retries": ours["retries"],
        "ours_seconds": round(ours_wall, 2), "server_seconds": round(server["seconds"], 2),
        "utilization": round(server["seconds"] / (CAP * ours["fetch_seconds"]), 3),
        "utilization_whole_run": round(server["seconds"] / (CAP * ours_wall), 3),
        "ours_fetch_seconds": round(ours["fetch_seconds"], 2), "ours_peak_in_flight": ours["peak_in_flight"],
        "xee_chips_s": round(xee_cs, 1), "xee_seconds": round(xee["seconds"], 2), "xee_requests":
            xee_server["requests"], "xee_error": xee.get("error"), "xee_statuses": xee_server["statuses"],
        "ratio_vs_xee": round(ours_cs / xee_cs, 2) if xee["chips"] else None,
        "per_chip_chips_s": round(base_cs, 1), "per_chip_chips": base["chips"],
        "per_chip_requests": base_server["requests"], "ratio": round(ours_cs / base_cs, 2),
        "cpu": cpu_budget(server["seconds"], server["requests"], ours["fetch_cpu_seconds"], emu_cpu),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one run of each; the per-chip side on 324 chips")
    ap.add_argument("--skip-legacy", action="store_true", help="only the realistic-latency comparison")
    ap.add_argument("--recipe", default="esa_worldcover")
    ap.add_argument("--period", default="2020")
    ap.add_argument("--resolution", type=float, default=100.0)
    ap.add_argument("--side", type=int, default=100, help="the realistic AOI is side x side chips (100: ~10,000)")
    args = ap.parse_args()
    result = realistic(args.quick, args.recipe, args.period, args.resolution, args.side)
    print(json.dumps({"realistic": result}))
    if not args.skip_legacy:
        result["cpu_bound"] = legacy(args.quick)  # issue 4's figure: uniform 0.4 s, CPU-bound emulator
        print(json.dumps({"cpu_bound": result["cpu_bound"]}))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
