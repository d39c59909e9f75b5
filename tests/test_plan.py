"""`m3leo plan`: figures derived from the same arithmetic extract uses, no request sent."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee.sizing import max_chips_per_request
from m3leo_extract.grid import ChipArrays
from m3leo_extract.plan import (
    Calibration,
    calibrate,
    client_cpu_s,
    count_requests,
    estimate,
    fit_run,
    simulate_fetch,
)
from m3leo_extract.state import StateDB

DEMO = shapely.box(4.74, 45.67, 4.995, 45.85)  # 6 x 6 chips in zone 31N


def test_one_row_shards_take_one_request_each_when_they_fit():
    n = 40
    chips = ChipArrays(np.full(n, 31, "int16"), np.zeros(n, bool), np.full(n, 1265, "int32"),
                       np.arange(150, 150 + n, dtype="int32"))  # a single row of chips
    units, reqs = count_requests(chips, 8, 400, 1, "uint8")
    assert units == -(-n // 8) and reqs == units
    # S1 (4 x float32 at 400 px = 2.56 MB per chip, 3.2 MB with EE's mask byte): 15 chips per 48 MiB
    # request, so 8-chip shards are one request and 16-chip shards two.
    assert max_chips_per_request(400, 4, "float32") == 15
    units, reqs = count_requests(chips, 8, 400, 4, "float32")
    assert reqs == units
    units, reqs = count_requests(chips, 16, 400, 4, "float32")
    assert reqs == sum(-(-k // 15) for k in (16, 16, 8))  # 40 chips in shards of 16, 16, 8
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
    assert est["export_tasks"] == 0 and est["warnings"] == []
    # Wall time, by what it must be, not by the model's own parts: at one request in flight the requests run
    # one after another, each at least the latency; more in flight is faster; more latency is slower.
    one = estimate(DEMO, [cat["s1"]], parse_periods("2020"), latency_s=0.5, max_concurrency=1, max_rps=100)
    ten = estimate(DEMO, [cat["s1"]], parse_periods("2020"), latency_s=0.5, max_concurrency=10, max_rps=100)
    slow = estimate(DEMO, [cat["s1"]], parse_periods("2020"), latency_s=2.0, max_concurrency=10, max_rps=100)
    assert one["wall_s"] >= one["requests"] * 0.5
    assert one["wall_s"] > ten["wall_s"] and slow["wall_s"] > ten["wall_s"]


def test_the_plan_is_what_an_extract_does(tmp_path, emulator):
    """The oracle is the run itself: the units `estimate(state_path=)` records are those extract upserts, its
    requests are the computePixels requests the emulator answers, its raw bytes those the run fetched."""
    from m3leo_extract.extract import ExtractOptions, extract

    cat = load_catalog()
    aoi = shapely.box(4.74, 45.67, 4.86, 45.75)
    recipes, periods = [cat["s2"], cat["esa_worldcover"]], parse_periods("2020")
    est = estimate(aoi, recipes, periods, shard_chips=4, state_path=tmp_path / "plan.sqlite")
    n0 = len(emulator.pixel_requests())
    rep = extract(tmp_path / "ds", aoi, recipes, periods, ee_url=emulator.url, options=ExtractOptions(shard_chips=4))
    assert rep.ok and rep.plan.chips == est["chips"] > 4
    assert len(emulator.pixel_requests()) - n0 == rep.requests == est["requests"]
    assert rep.bytes_fetched == est["raw_bytes"]

    def rows(path):
        db = StateDB(path)
        try:
            return sorted((u.collection, u.period, u.shard, u.chips) for u in db.units())
        finally:
            db.close()

    assert rows(tmp_path / "plan.sqlite") == rows(tmp_path / "ds" / "state.sqlite")
    assert len(rows(tmp_path / "plan.sqlite")) == est["units"] == rep.plan.units


def test_simulated_fetch_is_latency_bound_then_cpu_bound():
    # Latency-bound: 100 one-request units, 10 threads, 1 s each and no CPU: 10 waves.
    assert simulate_fetch([1] * 100, 10, 1.0, 0.0) == pytest.approx(10.0)
    # CPU-bound: 40 threads, 0.4 s latency, 20 ms of client CPU each: the first answers after 0.4 s, then the
    # CPU is never idle again, so 0.4 + 100 x 0.02 (not 100 / 40 x 0.42 = 1.05 s).
    assert simulate_fetch([1] * 100, 40, 0.4, 0.02) == pytest.approx(2.4)
    # A unit's requests run one after another: one unit of 5 requests cannot use 40 threads.
    assert simulate_fetch([5], 40, 0.4, 0.01) == pytest.approx(5 * 0.41)
    # The request rate caps starts: 100 requests at 10/s start over 9.9 s, the last answers 1 s later.
    assert simulate_fetch([1] * 100, 40, 1.0, 0.0, max_rps=10) == pytest.approx(10.9)
    # A serial server (the emulator: one Python process) adds its own queue in front of ours.
    assert simulate_fetch([1] * 100, 40, 0.4, 0.01, server_cpu_s=0.02) == pytest.approx(0.4 + 100 * 0.02 + 0.01)
    # Past the simulation's cap the rest is extrapolated at the simulated rate (steady state).
    big = simulate_fetch([1] * 50_000, 40, 0.4, 0.02)
    assert big == pytest.approx(0.4 + 50_000 * 0.02, rel=0.01)


def test_calibration_recovers_the_latency_of_a_simulated_run():
    per_unit = [1, 1, 2, 1] * 25
    fetch = simulate_fetch(per_unit, 40, 0.55, 0.015)
    cal = fit_run(fetch, per_unit, 40, 0.015)
    assert cal.latency_s == pytest.approx(0.55, rel=1e-3) and cal.cpu_s == 0.015
    # A run faster than its CPU alone allows (work ran on a second core): latency ~0, CPU fitted down.
    cal = fit_run(0.5, [1] * 100, 40, 0.02)
    assert cal.latency_s == 0.0 and cal.cpu_s == pytest.approx(0.005, rel=1e-3)


def test_client_cpu_grows_with_request_size_and_calibration_keeps_the_shape():
    sizes = [0.0, 0.5, 2.0, 10.0, 40.0]
    cpu = [client_cpu_s(mb) for mb in sizes]
    assert cpu[0] > 0 and all(a < b for a, b in zip(cpu, cpu[1:], strict=False))  # a fixed part, then per MB
    cal = Calibration(latency_s=0.4, cpu_s=0.03, mb_per_request=1.0)  # measured on 1 MB requests
    assert cal.cpu_for(1.0) == pytest.approx(0.03)
    assert cal.cpu_for(10.0) == pytest.approx(0.03 * client_cpu_s(10.0) / client_cpu_s(1.0))
    assert Calibration(0.4, 0.03).cpu_for(10.0) == 0.03  # size unknown (an older run): as measured


def test_plan_calibrates_from_the_last_extract_into_a_store(tmp_path, emulator):
    """extract records fetch time, CPU and per-unit requests; plan --store fits them and predicts."""
    from m3leo_extract.extract import ExtractOptions, extract

    cat = load_catalog()
    small = shapely.box(4.74, 45.67, 4.80, 45.75)
    rep = extract(tmp_path / "ds", small, [cat["esa_worldcover"]], parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(max_concurrency=8, max_rps=50, shard_chips=2))
    assert rep.ok and rep.fetch_seconds > 0 and rep.fetch_cpu_seconds > 0 and rep.request_seconds > 0
    cal = calibrate(tmp_path / "ds")
    assert cal is not None
    db = StateDB(tmp_path / "ds" / "state.sqlite")
    per_unit = [r[0] for r in db.conn.execute("SELECT requests FROM units WHERE status='done' ORDER BY id")]
    db.close()
    assert sum(per_unit) == rep.requests
    # The fitted model reproduces the calibration run's own fetch time.
    again = simulate_fetch(per_unit, 8, cal.latency_s, cal.cpu_s, 50)
    assert again == pytest.approx(rep.fetch_seconds, rel=0.02)
    # the run summary keeps CPU seconds to 3 decimals: that is what calibrate() reads
    cpu = round(rep.fetch_cpu_seconds, 3)
    if cal.latency_s > 0.0:  # else the run was faster than its CPU alone allows and cpu_s is fitted (fit_run)
        assert cal.cpu_s == pytest.approx(cpu / rep.requests, rel=1e-6)
    # WorldCover at 10 m: 16 chips x 400 x 400 px x 1 byte over each unit's requests.
    assert cal.mb_per_request == pytest.approx(rep.bytes_fetched / rep.requests / 1e6)
    assert rep.bytes_fetched == rep.chips_done * 400 * 400
    est = estimate(small, [cat["esa_worldcover"]], parse_periods("2020"), shard_chips=2, max_concurrency=8,
                   max_rps=50, store_dir=tmp_path / "ds")
    assert est["quota"]["latency_source"] == "measured"
    assert est["quota"]["latency_s"] == round(cal.latency_s, 3)


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


def test_cli_plan_refuses_a_period_the_asset_does_not_cover(tmp_path):
    import shutil
    import subprocess

    # The installed entry point, as a user runs it: S2 SR begins in 2017, so a 2015 plan has nothing to cost.
    res = subprocess.run([shutil.which("m3leo") or "m3leo", "plan", "--aoi", "demo", "--collections", "s2",
                          "--period", "2015"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and lines[0].startswith("m3leo: error: "), res.stderr
    assert "2015" in lines[0] and "2017" in lines[0] and "Traceback" not in res.stderr and res.stdout == ""
