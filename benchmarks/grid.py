"""Benchmark: chip grids of the six M3LEO regions, ours (vectorised) vs an odc-geo GridSpec loop.

    python benchmarks/grid.py [--quick]

Ours: `grid.chip_arrays` per region (rasterise the AOI per UTM zone, exact test on boundary chips only),
then the ids. Baseline: odc-geo's `GridSpec(crs=UTM zone, tile 4000 m).tiles_from_geopolygon` loop, the
natural way to tile an AOI with odc-geo, over the same AOIs (each zone's part of the region), run for a
fixed time budget per region and its rate extrapolated (the full loop would take many minutes).
Also plans the largest region into a state database (no request), as `m3leo plan` would.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from m3leo_extract.aoi import load_aoi  # noqa: E402
from m3leo_extract.grid import _project, _zone_parts, chip_arrays, utm_epsg  # noqa: E402

REGIONS = ("conus", "europe", "middleeast", "pakin", "china", "southamerica")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_rate(geom, budget_s: float) -> tuple[int, float]:
    """odc-geo GridSpec loop over each zone's part of the AOI, for at most budget_s seconds."""
    from odc.geo import xy_
    from odc.geo.geom import Geometry
    from odc.geo.gridspec import GridSpec

    n, t0 = 0, time.perf_counter()
    for zone, south, part in _zone_parts(geom):
        epsg = utm_epsg(zone, south)
        gs = GridSpec(crs=f"EPSG:{epsg}", tile_shape=(400, 400), resolution=10, origin=xy_(0, 0))
        for _idx, _gbox in gs.tiles_from_geopolygon(Geometry(_project(part, epsg), f"EPSG:{epsg}")):
            n += 1
            if time.perf_counter() - t0 > budget_s:
                return n, time.perf_counter() - t0
    return n, time.perf_counter() - t0


def plan_region(name: str, geom) -> dict[str, float]:
    from m3leo_extract.catalog import parse_collections, parse_periods
    from m3leo_extract.plan import estimate

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        est = estimate(geom, parse_collections("s1,s2,esa_worldcover"), parse_periods("2020"),
                       state_path=Path(d) / "state.sqlite")
        plan_s = time.perf_counter() - t0
        from m3leo_extract.status import dataset_status

        t1 = time.perf_counter()
        st = dataset_status(d)
        status_s = time.perf_counter() - t1
        assert st["totals"]["pending"] > 0
        return {"plan_region": name, "plan_s": round(plan_s, 2), "plan_units": est["units"],
                "plan_requests": est["requests"], "status_s": round(status_s, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="three regions, short baseline budget")
    args = ap.parse_args()
    regions = REGIONS[3:] if args.quick else REGIONS
    budget = 3.0 if args.quick else 10.0
    rows, total, total_s = [], 0, 0.0
    base_n, base_s = 0, 0.0
    for name in regions:
        geom = load_aoi(name).geometry
        t0 = time.perf_counter()
        chips = chip_arrays(geom)
        ids = chips.ids()
        dt = time.perf_counter() - t0
        n_b, s_b = baseline_rate(geom, budget)
        base_n, base_s = base_n + n_b, base_s + s_b
        total, total_s = total + len(chips), total_s + dt
        rows.append({"region": name, "chips": len(ids), "seconds": round(dt, 2),
                     "chips_s": round(len(ids) / dt), "baseline_chips_s": round(n_b / s_b)})
        print(json.dumps(rows[-1]), flush=True)
    plan = {}
    try:
        largest = max(rows, key=lambda r: r["chips"])["region"]
        plan = plan_region(largest, load_aoi(largest).geometry)
        print(json.dumps(plan), flush=True)
    except ImportError:
        pass
    ours = total / total_s
    base = base_n / base_s
    print(json.dumps({"regions": len(rows), "chips": total, "seconds": round(total_s, 1),
                      "ours_chips_s": round(ours), "baseline_chips_s": round(base), "ratio": round(ours / base, 1),
                      "peak_rss_mb": round(rss_mb()), **plan}))


if __name__ == "__main__":
    main()
