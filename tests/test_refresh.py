"""Cron-driven refresh against the emulator: only what is due, a lock, and SIGKILL-safe resumption."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely

from m3leo_extract.config import DatasetConfig
from m3leo_extract.errors import EXIT_TEMPFAIL
from m3leo_extract.refresh import refresh
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore

# Four chips in zone 31N near Lyon (one shard), small enough for many periods.
SMALL = shapely.box(4.80, 45.72, 4.86, 45.76)


def _aoi_file(tmp_path: Path, geom=SMALL) -> str:
    p = tmp_path / "aoi.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geom)}]}))
    return str(p)


def _pixel_calls(log: list) -> int:
    return sum(1 for r in log if "computePixels" in json.dumps(r, default=str))


def _arrays(store_dir: Path) -> dict[str, np.ndarray]:
    store = ChipStore.open(store_dir)
    out = {}
    for name in store.collections():
        order = np.argsort(np.array([str(c) for c in store.chip_table(name)["chip"]]))
        periods = store.periods(name)
        porder = np.argsort(periods)
        data = np.asarray(store.group[name]["data"][:])[order][:, porder]
        out[name] = data
        out[name + "/periods"] = np.array(sorted(periods))
    return out


def test_three_refreshes_fetch_only_new_months_and_idle_runs_send_nothing(emulator, tmp_path):
    ds = tmp_path / "ds"
    DatasetConfig(aoi=_aoi_file(tmp_path), collections=["s2"], rolling="monthly", rolling_start="2024-01",
                  ee_url=emulator.url).save(ds)
    calls = []
    for today in (date(2024, 3, 5), date(2024, 5, 2), date(2024, 5, 20)):
        n0 = len(emulator.request_log)
        res = refresh(ds, today=today)
        assert res.exit_code == 0, res.message
        calls.append(_pixel_calls(emulator.request_log[n0:]))
    store = ChipStore.open(ds)
    assert sorted(store.periods("s2")) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert len(store.periods("s2")) == len(set(store.periods("s2")))
    n_units = len(store.chip_ids("s2")) // 16 + 1
    assert calls == [2 * n_units, 2 * n_units, 0]  # Jan+Feb, then Mar+Apr only, then nothing at all
    assert np.all(store.read_valid("s2") > 0)


def test_a_second_concurrent_refresh_exits_at_once_with_the_locked_code(emulator, tmp_path):
    ds = tmp_path / "ds"
    DatasetConfig(aoi=_aoi_file(tmp_path, shapely.box(4.74, 45.67, 4.995, 45.85)), collections=["s2"],
                  periods=["2022"], ee_url=emulator.url).save(ds)
    old = emulator.knobs.latency_ms
    emulator.knobs.latency_ms = (800, 1000)
    try:
        cmd = [sys.executable, "-m", "m3leo_extract", "refresh", "--store", str(ds), "--today", "2024-01-01"]
        first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while not (ds / "state.sqlite").exists() and time.time() < deadline:
            time.sleep(0.05)
        t0 = time.monotonic()
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        waited = time.monotonic() - t0
        out1, err1 = first.communicate(timeout=300)
    finally:
        emulator.knobs.latency_ms = old
    assert second.returncode == EXIT_TEMPFAIL, second.stderr
    assert "another m3leo run" in second.stderr and waited < 15
    assert first.returncode == 0, err1
    store = ChipStore.open(ds)
    assert np.all(store.read_valid("s2") > 0)


@pytest.mark.slow
def test_refresh_killed_at_random_points_then_rerun_equals_an_uninterrupted_run(emulator, tmp_path):
    aoi = _aoi_file(tmp_path, shapely.box(4.74, 45.67, 4.995, 45.85))
    ref, victim = tmp_path / "ref", tmp_path / "victim"
    for d in (ref, victim):
        DatasetConfig(aoi=aoi, collections=["esa_worldcover", "ghs_built_s"], periods=["2020", "2021"],
                      ee_url=emulator.url, options={"shard_chips": 4, "max_concurrency": 2}).save(d)
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "m3leo_extract", "refresh", "--today", "2024-01-01", "--store"]
    assert subprocess.run(cmd + [str(ref)], capture_output=True, text=True, env=env, timeout=300).returncode == 0
    rng = random.Random(7)
    old = emulator.knobs.latency_ms
    emulator.knobs.latency_ms = (150, 350)
    kills = 0

    def done_units() -> int:
        if not (victim / "state.sqlite").exists():
            return 0
        db = StateDB(victim / "state.sqlite")
        try:
            return len(db.units(status="done"))
        finally:
            db.close()

    try:
        for _ in range(8):
            start = done_units()
            target = start + rng.randint(1, 3)  # a seeded, random point: after 1-3 more units are written
            proc = subprocess.Popen(cmd + [str(victim)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=env)
            deadline = time.time() + 120
            while proc.poll() is None and done_units() < target and time.time() < deadline:
                time.sleep(rng.uniform(0.02, 0.1))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
            if kills >= 6:
                break
    finally:
        emulator.knobs.latency_ms = old
    assert kills >= 5
    done = subprocess.run(cmd + [str(victim)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    a, b = _arrays(ref), _arrays(victim)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].tobytes() == b[k].tobytes(), k
