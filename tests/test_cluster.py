"""Fetching on a dask.distributed cluster under one quota: the cap holds across workers, a killed worker
loses nothing, the chips equal a one-process run's, workload tags name store, collection and period."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.extract import extract
from m3leo_extract.quota import AIMDWindow, min_hold_s, tier_for, valid_workload_tag, workload_tag
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore
from m3leo_extract.units import ExtractOptions

distributed = pytest.importorskip("distributed")

AOI = shapely.box(4.80, 45.72, 4.90, 45.78)  # 5 chips
WIDE = shapely.box(4.80, 45.72, 5.00, 45.80)


def _chunks(root: Path) -> dict[str, bytes]:
    """Every chunk file of the Zarr hierarchy (metadata aside: it carries timestamps)."""
    z = root / "chips.zarr"
    return {str(p.relative_to(z)): p.read_bytes() for p in sorted(z.rglob("*"))
            if p.is_file() and "/c/" in f"/{p.relative_to(z).as_posix()}"}


def test_aimd_window_halves_and_grows_back_to_the_cap() -> None:
    w = AIMDWindow(cap=8)
    assert (w.window, w.ballast) == (8, 0)
    assert [w.on_throttle() for _ in range(4)] == [4, 2, 1, 1]  # never below one slot
    assert w.ballast == 7
    assert [w.on_quiet() for _ in range(8)] == [2, 3, 4, 5, 6, 7, 8, 8]


def test_min_hold_bounds_the_rate_and_tiers_are_googles() -> None:
    assert min_hold_s(40, 100.0) == pytest.approx(0.4)  # 40 slots busy >= 0.4 s each: <= 100 starts/s
    assert tier_for(149.0) == "community" and tier_for(151.0) == "contributor"
    assert tier_for(50_000) == "partner" and tier_for(100_001) is None


def test_workload_tags_follow_earth_engines_rule() -> None:
    tag = workload_tag("Europe Data", "esa_worldcover", "2020")
    assert tag == "m3leo.europe-data.esa_worldcover.2020"
    long = workload_tag("x" * 200, "s2", "2020-JJA")
    assert len(long) <= 63 and long.endswith(".s2.2020-jja") and valid_workload_tag(long)
    assert not valid_workload_tag("-bad") and not valid_workload_tag("a" * 64)


def test_check_address_refuses_what_is_no_scheduler() -> None:
    from m3leo_extract.cluster import check_address
    from m3leo_extract.errors import UsageError

    assert check_address("local:2") == "local:2" and check_address("tcp://10.0.0.1:8786")
    for bad in ("local:0", "local:x", "8786", "http//x"):
        with pytest.raises(UsageError, match="--dask"):
            check_address(bad)


def test_cluster_client_closes_only_the_client_it_made() -> None:
    from distributed import Client, LocalCluster

    from m3leo_extract.cluster import cluster_client

    with cluster_client(None) as none:
        assert none is None
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with cluster_client(cluster.scheduler_address) as made:
            assert isinstance(made, Client) and made.status == "running"
        assert made.status == "closed"  # an address: connected for the run, closed after it
        with Client(cluster) as given:
            with cluster_client(given) as same:
                assert same is given
            assert given.status == "running"  # the caller's client stays the caller's to close


def test_three_workers_never_exceed_a_cap_of_four_together(emulator, tmp_path: Path) -> None:
    """Each worker has 3 threads (9 units at once across the cluster): only the shared slots keep the
    emulator's own in-flight count at 4. The same chips come out as from one process."""
    recipes = [load_catalog()["esa_worldcover"]]
    one = extract(tmp_path / "one", WIDE, recipes, parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(shard_chips=1, max_concurrency=4))
    assert one.ok and one.plan.units >= 10
    old = emulator.knobs.latency_ms
    emulator.knobs.latency_ms = (60.0, 90.0)
    try:
        with distributed.LocalCluster(n_workers=3, threads_per_worker=3, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            emulator.reset_peak()
            many = extract(tmp_path / "many", WIDE, recipes, parse_periods("2020"), ee_url=emulator.url,
                           options=ExtractOptions(shard_chips=1, max_concurrency=4, max_rps=1000.0, dask=client))
            peak = emulator.peak_in_flight
    finally:
        emulator.knobs.latency_ms = old
    assert many.ok and many.chips_done == one.chips_done
    assert 2 <= peak <= 4  # parallel across workers, never above the cap
    assert _chunks(tmp_path / "one") == _chunks(tmp_path / "many")
    tags = {r.get("workload_tag") for r in emulator.pixel_requests()[-many.requests:]}
    assert tags == {"m3leo.many.esa_worldcover.2020"}


def test_a_killed_worker_loses_no_unit(emulator, tmp_path: Path) -> None:
    """Kill one of two worker processes while units are in flight: the scheduler re-runs its units elsewhere,
    every unit ends done, once, and the store equals a one-process run."""
    recipes = [load_catalog()["esa_worldcover"]]
    box = WIDE
    ref = extract(tmp_path / "ref", box, recipes, parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(shard_chips=1))
    assert ref.ok
    old = emulator.knobs.latency_ms
    emulator.knobs.latency_ms = (150.0, 250.0)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None,
                                      ) as cluster, distributed.Client(cluster) as client:
            pids = client.run(os.getpid)
            victim = sorted(pids.values())[0]

            def kill_soon() -> None:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and len(emulator.pixel_requests()) < before + 3:
                    time.sleep(0.02)
                os.kill(victim, 9)

            before = len(emulator.pixel_requests())
            killer = threading.Thread(target=kill_soon)
            killer.start()
            got = extract(tmp_path / "kill", box, recipes, parse_periods("2020"), ee_url=emulator.url,
                          options=ExtractOptions(shard_chips=1, dask=client))
            killer.join()
    finally:
        emulator.knobs.latency_ms = old
    assert got.ok and got.units_failed == 0 and got.units_done == ref.units_done
    db = StateDB(tmp_path / "kill" / "state.sqlite")
    try:
        assert {u.status for u in db.units()} == {"done"}
    finally:
        db.close()
    assert _chunks(tmp_path / "ref") == _chunks(tmp_path / "kill")


def _m3leo(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("m3leo")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300, **kw)


def test_extract_on_local_cluster_from_the_command_line(emulator, tmp_path: Path) -> None:
    aoi = tmp_path / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "Feature", "properties": {},
                               "geometry": shapely.geometry.mapping(AOI)}))
    r = _m3leo("extract", "--aoi", str(aoi), "--collections", "esa_worldcover", "--period", "2020",
               "--store", str(tmp_path / "s"), "--ee-url", emulator.url, "--dask", "local:2", "--shard-chips", "2",
               "--json")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert json.loads(r.stdout)["chips_done"] == 5
    assert ChipStore.open(tmp_path / "s").chip_ids("esa_worldcover")


@pytest.mark.parametrize("address,code,words", [("local:0", 2, "--dask"), ("tcp://127.0.0.1:9", 69, "dask scheduler")])
def test_bad_dask_address_is_one_line_and_writes_nothing(emulator, tmp_path: Path, address, code, words) -> None:
    r = _m3leo("extract", "--aoi", "demo", "--collections", "esa_worldcover", "--period", "2020",
               "--store", str(tmp_path / "s"), "--ee-url", emulator.url, "--dask", address, "--yes")
    assert r.returncode == code, r.stderr
    assert words in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3
    assert not (tmp_path / "s" / "chips.zarr").exists() or not any(
        p.is_file() and "/c/" in p.as_posix() for p in (tmp_path / "s" / "chips.zarr").rglob("*"))


def test_chip_values_survive_the_cluster(emulator, tmp_path: Path) -> None:
    """Not only files: the arrays read back equal, chip by chip."""
    recipes = [load_catalog()["lonlat"]]
    a = extract(tmp_path / "a", AOI, recipes, parse_periods("2020"), options=ExtractOptions(shard_chips=2))
    b = extract(tmp_path / "b", AOI, recipes, parse_periods("2020"), options=ExtractOptions(shard_chips=2,
                                                                                         dask="local:1"))
    assert a.ok and b.ok
    sa, sb = ChipStore.open(tmp_path / "a"), ChipStore.open(tmp_path / "b")
    np.testing.assert_array_equal(np.asarray(sa.group["lonlat"]["data"][:]), np.asarray(sb.group["lonlat"]["data"][:]))


def test_a_429_anywhere_halves_the_window_for_every_worker() -> None:
    """One worker's 429 makes the coordinator hold half the slots: nobody can take more than the window;
    quiet intervals give them back one by one."""
    from distributed import Client, LocalCluster, Queue, Semaphore

    from m3leo_extract.cluster import QuotaSpec, Throttle

    spec = QuotaSpec.new(8, 1000.0)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        sem = Semaphore(max_leases=8, name=spec.slots, scheduler_rpc=client.scheduler, loop=client.loop)
        with Throttle(client, spec, quiet_s=2.0) as throttle:
            Queue(spec.events, client=client).put(time.time())
            deadline = time.monotonic() + 10
            while throttle.window.window != 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # the ballast leases are taken on the controller's ticks
            got = sum(sem.acquire(timeout=0.05) for _ in range(8))
            assert throttle.throttled == 1 and got == 4  # 4 slots ballast, 4 for the cluster
            for _ in range(got):
                sem.release()
            deadline = time.monotonic() + 20
            while throttle.window.window < 8 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert throttle.window.window == 8 and throttle.lowest_window == 4


def test_plan_names_the_noncommercial_tier_the_run_fits() -> None:
    small = _m3leo("plan", "--aoi", "demo", "--collections", "s2", "--period", "2020")
    assert small.returncode == 0, small.stderr
    assert "fits the noncommercial community tier (150 EECU-hours a month)" in small.stdout + small.stderr
    big = _m3leo("plan", "--aoi", "europe", "--collections", "s1,s2", "--period", "2018:2020", "--json")
    assert big.returncode == 0, big.stderr
    est = json.loads(big.stdout)
    assert est["eecu_tier"] == tier_for(est["eecu_hours"]) and est["eecu_hours"] > 150
