"""`m3leo plan`: figures derived from the same arithmetic extract uses, no request sent."""

from __future__ import annotations

import numpy as np
import shapely

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee.sizing import max_chips_per_request
from m3leo_extract.grid import ChipArrays
from m3leo_extract.plan import count_requests, estimate
from m3leo_extract.state import StateDB

DEMO = shapely.box(4.74, 45.67, 4.995, 45.85)  # 6 x 6 chips in zone 31N


def test_one_row_shards_take_one_request_each_when_they_fit():
    n = 40
    chips = ChipArrays(np.full(n, 31, "int16"), np.zeros(n, bool), np.full(n, 1265, "int32"),
                       np.arange(150, 150 + n, dtype="int32"))  # a single row of chips
    units, reqs = count_requests(chips, 8, 400, 1, "uint8")
    assert units == -(-n // 8) and reqs == units
    # S1 (4 x float32 at 400 px = 2.56 MB per chip): 19 chips per 48 MiB request, so 16-chip shards are one.
    assert max_chips_per_request(400, 4, "float32") == 19
    units, reqs = count_requests(chips, 16, 400, 4, "float32")
    assert reqs == units
    # A byte limit of 4 chips splits each 8-chip shard in two.
    units, reqs = count_requests(chips, 8, 400, 1, "uint8", byte_limit=4 * 400 * 400)
    assert reqs >= 2 * (n // 8)


def test_estimate_counts_composites_bytes_and_time():
    cat = load_catalog()
    est = estimate(DEMO, [cat["s1"], cat["esa_worldcover"], cat["lonlat"]], parse_periods("2020"),
                   latency_s=0.5, max_concurrency=10, max_rps=100)
    assert est["chips"] == 36
    s1 = est["collections"]["s1"]
    assert s1["periods"] == ["2020-DJF", "2020-MAM", "2020-JJA", "2020-SON"]
    assert s1["units"] == 4 * 3  # 36 chips in 16-chip shards = 3 units per season
    assert s1["raw_bytes"] == 4 * 36 * 400 * 400 * 4 * 4
    assert est["collections"]["lonlat"]["requests"] == 0
    expect = 0.3 + max(est["requests"] / min(100, 10 / 0.5), -(-est["requests"] // 10) * 0.5)
    assert est["wall_s"] == round(expect, 2)
    assert est["export_tasks"] == 0 and est["warnings"] == []


def test_estimate_records_every_unit_in_a_state_database(tmp_path):
    cat = load_catalog()
    est = estimate(DEMO, [cat["s2"]], parse_periods("2019:2021"), state_path=tmp_path / "state.sqlite")
    db = StateDB(tmp_path / "state.sqlite")
    units = db.units()
    assert len(units) == est["units"] == 3 * 3
    assert sorted({u.period for u in units}) == ["2019", "2020", "2021"]
    assert sum(len(u.chips) for u in units) == 36 * 3 and all(u.status == "planned" for u in units)
    db.close()


def test_export_mode_warns_past_the_task_queue():
    cat = load_catalog()
    big = shapely.box(0.5, 44.0, 5.5, 48.0)  # ~25k chips
    est = estimate(big, [cat["s1"]], parse_periods("2020"), mode="export")
    assert est["export_tasks"] > 3000
    assert any("3000-task queue" in w for w in est["warnings"])
    assert np.isfinite(est["wall_s"])


def test_cli_plan_json_and_init(tmp_path):
    import json
    import subprocess
    import sys

    res = subprocess.run([sys.executable, "-m", "m3leo_extract", "plan", "--aoi", "demo", "--collections",
                          "s2,esa_worldcover", "--period", "2020", "--json"], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    est = json.loads(res.stdout)
    assert est["chips"] == 36 and est["units"] == 6 and est["quota"]["latency_source"] == "assumed"
    ds = tmp_path / "ds"
    res = subprocess.run([sys.executable, "-m", "m3leo_extract", "init", "--store", str(ds), "--aoi", "demo",
                          "--collections", "s2", "--rolling", "monthly", "--rolling-start", "2024-01"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    from m3leo_extract.config import DatasetConfig

    cfg = DatasetConfig.load(ds)
    assert cfg.rolling == "monthly" and cfg.collections == ["s2"] and not (ds / "chips.zarr").exists()
    bad = subprocess.run([sys.executable, "-m", "m3leo_extract", "init", "--store", str(tmp_path / "x"), "--aoi",
                          "demo", "--collections", "s2", "--rolling", "weekly", "--rolling-start", "2024-01"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "weekly" in bad.stderr and not (tmp_path / "x").exists()
