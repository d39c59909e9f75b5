"""Peak memory and time of `m3leo plan`, extract's planning phase, `status --out` and `verify` at 1M and 10M chips.

Every command runs as the user runs it, in a fresh subprocess whose peak RSS is read back with
`getrusage(RUSAGE_CHILDREN)` by a small wrapper process. The AOIs are lon/lat boxes at the equator on the
4 x 4 km grid: 37 x 36 degrees is ~1.0M chips, 132 x 120 degrees ~10.1M (a box wider than Africa: 10M chips
are 160M km2); `--quick` uses ~0.1M and ~1.0M. The planned state (store + state.sqlite, no pixel fetched) is
made by `m3leo extract`'s own planning code (`extract.run`), stopped at its "plan" event: that step is
measured as `extract_plan`. The recipe is the cheap `esa_worldcover` (200 m), period 2021.

Last line: one JSON object with rss_mb_<size>_<command>, s_<size>_<command>, chips_<size>, rss_mb_<big> (the
largest of the commands at the big size), exponent_<command> (log(t_big / t_small) / log(n_big / n_small))
and the cluster figures of benchmarks/cluster.py (`cluster_*`).

    python benchmarks/scale.py [--quick] [--no-cluster]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, width, height) of the equatorial boxes, degrees
SIZES = {"100k": (12.0, 11.0), "1m": (37.0, 36.0), "10m": (132.0, 120.0)}
COMMANDS = ("plan", "extract_plan", "status_out", "verify")

_WRAPPER = """
import json, resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
s = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": rc.returncode, "s": round(s, 2), "rss_mb": round(rss, 1), "err": rc.stderr[-400:]}))
"""

# extract's planning phase, stopped when it reports the plan (before any request): the planned state.
_PLAN_ONLY = """
import sys
from m3leo_extract.extract import run
from m3leo_extract.request import build_request


class Planned(Exception):
    pass


def stop(ev):
    if ev["event"] == "plan":
        print(ev["units"], ev["chips"])
        raise Planned


def no_pixels(*a, **k):
    raise AssertionError("planning only")


try:
    run(build_request(sys.argv[1], "esa_worldcover", "2021"), sys.argv[2], getter=no_pixels, progress=stop)
except Planned:
    pass
"""


def measure(argv: list[str]) -> dict:
    """{rc, s, rss_mb, err} of one command run in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True, check=True, env=env)
    return json.loads(res.stdout.strip().splitlines()[-1])


def box_aoi(path: Path, width: float, height: float) -> Path:
    geom = {"type": "Polygon", "coordinates": [[[-width / 2, -height / 2], [width / 2, -height / 2],
                                                [width / 2, height / 2], [-width / 2, height / 2],
                                                [-width / 2, -height / 2]]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": geom}]}))
    return path


def m3leo() -> str:
    exe = Path(sys.executable).with_name("m3leo")
    return str(exe) if exe.exists() else "m3leo"


def run_size(tmp: Path, label: str) -> dict:
    aoi = box_aoi(tmp / f"{label}.geojson", *SIZES[label])
    store = tmp / f"store_{label}"
    runs = {
        "plan": [m3leo(), "plan", "--aoi", str(aoi), "--collections", "esa_worldcover", "--period", "2021",
                 "--json"],
        "extract_plan": [sys.executable, "-c", _PLAN_ONLY, str(aoi), str(store)],
        "status_out": [m3leo(), "status", "--store", str(store), "--out", str(tmp / f"{label}.parquet")],
        "verify": [m3leo(), "verify", "--store", str(store), "--json"],
    }
    out: dict = {}
    for name, argv in runs.items():
        r = measure(argv)
        out[f"rss_mb_{label}_{name}"], out[f"s_{label}_{name}"] = r["rss_mb"], r["s"]
        if r["rc"] not in (0, 1):  # verify exits 1 on a store with nothing fetched yet
            out[f"error_{label}_{name}"] = r["err"].strip().splitlines()[-1:] or [f"exit {r['rc']}"]
        print(f"{label} {name}: {r}", file=sys.stderr, flush=True)
    import pyarrow.parquet as pq

    pf = tmp / f"{label}.parquet"
    out[f"chips_{label}"] = pq.ParquetFile(pf).metadata.num_rows if pf.exists() else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="~0.1M and ~1M chips instead of ~1M and ~10M")
    ap.add_argument("--no-cluster", action="store_true", help="leave out benchmarks/cluster.py's figures")
    args = ap.parse_args()
    small, big = ("100k", "1m") if args.quick else ("1m", "10m")
    with tempfile.TemporaryDirectory() as tmp:
        res = {"small": small, "big": big, **run_size(Path(tmp), small), **run_size(Path(tmp), big)}
    res[f"rss_mb_{big}"] = max(res[f"rss_mb_{big}_{c}"] for c in COMMANDS)
    for c in COMMANDS:
        t0, t1, n0, n1 = res[f"s_{small}_{c}"], res[f"s_{big}_{c}"], res[f"chips_{small}"], res[f"chips_{big}"]
        if t0 and t1 and n0 and n1:
            res[f"exponent_{c}"] = round(math.log(t1 / t0) / math.log(n1 / n0), 3)
    if not args.no_cluster:
        from benchmarks.cluster import cluster_figures

        res.update({f"cluster_{k}": v for k, v in cluster_figures(quick=True).items()})
    res["load_avg"] = round(os.getloadavg()[0], 1)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
