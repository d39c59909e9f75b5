"""Extraction under Earth Engine's weather: injected 429 / 5xx / dropped connections, failed export tasks,
oversize requests, permanent errors and a SIGKILL mid-run. Every chip ends present exactly once and equal to a
fault-free run's, or recorded as failed with its reason."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee.export import EEExportBackend
from m3leo_extract.exporting import ExportOptions
from m3leo_extract.extract import ExtractOptions, extract
from m3leo_extract.runner import RetryPolicy
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore

AOI = shapely.box(4.76, 45.70, 4.90, 45.80)  # ~20 chips
FAST = RetryPolicy(max_attempts=10, base_s=0.02, cap_s=0.2)


def _recipes():
    cat = load_catalog()
    return [cat["esa_worldcover"], cat["s2"]]


def _by_chip(store_dir: Path) -> dict[tuple[str, str, str], np.ndarray]:
    store = ChipStore.open(store_dir)
    out = {}
    for name in store.collections():
        valid = store.read_valid(name)
        for cid in store.chip_ids(name):
            i = store.index_of(name, cid)
            for t, p in enumerate(store.periods(name)):
                if np.isfinite(valid[i, t]):
                    out[(name, cid, p)] = store.read_chip(name, cid, p)
    return out


@pytest.fixture(scope="module")
def reference(emulator, tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("ref")
    rep = extract(d, AOI, _recipes(), parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(shard_chips=4))
    assert rep.ok
    return _by_chip(d)


def _check_against(reference: dict, store_dir: Path, max_failed: int = 0) -> None:
    """Every chip of the fault-free run is there and equal, except at most `max_failed` recorded as failed with
    their reason. The retries are meant to ride out the injected faults: a run where every unit failed fails."""
    got = _by_chip(store_dir)
    db = StateDB(store_dir / "state.sqlite")
    failed = {(u.collection, c, u.period): u.error for u in db.units(status="failed") for c in u.chips}
    db.close()
    assert len(failed) <= max_failed, f"{len(failed)} chips failed: {sorted(set(failed.values()))[:3]}"
    for key, ref in reference.items():
        if key in failed:
            assert failed[key], "a failed chip must say why"
            continue
        assert key in got, f"{key} neither written nor recorded as failed"
        np.testing.assert_array_equal(got[key], ref, err_msg=str(key))
    assert set(got) <= set(reference) and len(got) >= len(reference) - max_failed


def test_pixels_mode_survives_20_percent_injected_faults(emulator, reference, tmp_path):
    emulator.knobs.error_rate, emulator.knobs.seed = 0.2, 3
    try:
        rep = extract(tmp_path, AOI, _recipes(), parse_periods("2020"), ee_url=emulator.url,
                      options=ExtractOptions(shard_chips=1, retry=FAST, seed=1))
    finally:
        emulator.knobs.error_rate = 0.0
    assert rep.retries > 0
    _check_against(reference, tmp_path)


def test_export_mode_survives_failed_tasks_and_faults(emulator, reference, tmp_path):
    emulator.knobs.error_rate, emulator.knobs.export_failure_rate = 0.2, 0.1
    emulator.knobs.export_duration_s = 0.2
    try:
        backend = EEExportBackend("m3leo-test", bucket_url=str(Path(emulator.knobs.export_root) / "m3leo-test"))
        rep = extract(tmp_path, AOI, _recipes(), parse_periods("2020"), ee_url=emulator.url, mode="export",
                      export_backend=backend, export_options=ExportOptions(poll_s=0.1),
                      options=ExtractOptions(shard_chips=4, retry=FAST))
    finally:
        emulator.knobs.error_rate, emulator.knobs.export_failure_rate = 0.0, 0.0
    assert rep.chips_done > 0
    _check_against(reference, tmp_path)


def test_oversize_requests_are_split_and_permanent_errors_fail_fast(emulator, reference, tmp_path):
    # The server's limit is below what the planner assumed: units are split until they fit.
    emulator.knobs.byte_limit = 2 * 400 * 400 * 4 * 2 + 1  # two 4-band uint16 s2 chips per request at most
    try:
        rep = extract(tmp_path / "a", AOI, _recipes(), parse_periods("2020"), ee_url=emulator.url,
                      options=ExtractOptions(shard_chips=4, retry=FAST))
    finally:
        emulator.knobs.byte_limit = 48 * 1024 * 1024
    assert rep.ok
    _check_against(reference, tmp_path / "a")
    # A band that does not exist: the unit fails at once with Earth Engine's message, no retries.
    bad = load_catalog()["esa_worldcover"]
    from dataclasses import replace

    from m3leo_extract.catalog import Band

    bad = replace(bad, name="wc_bad", bands=(Band(name="landcover", source="NotABand", units="class"),))
    rep = extract(tmp_path / "b", AOI, [bad], parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(shard_chips=4, retry=FAST))
    assert not rep.ok and rep.units_failed_permanent == rep.units_failed > 0 and rep.retries == 0
    db = StateDB(tmp_path / "b" / "state.sqlite")
    failed = db.units(status="failed")
    assert failed and all("NotABand" in (u.error or "") and u.error_kind == "invalid" for u in failed)
    assert rep.exit_code == 2  # Earth Engine refused the request: bad input, not "rerun"
    db.close()


def test_sigkill_mid_extract_then_rerun_fetches_only_what_was_missing(emulator, reference, tmp_path):
    store = tmp_path / "ds"
    cmd = [sys.executable, "-m", "m3leo_extract", "extract", "--aoi", str(tmp_path / "aoi.geojson"),
           "--collections", "esa_worldcover,s2", "--period", "2020", "--store", str(store), "--ee-url",
           emulator.url, "--shard-chips", "4", "--max-concurrency", "1", "--json"]
    (tmp_path / "aoi.geojson").write_text(json.dumps(
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(AOI)}))
    emulator.knobs.latency_ms = (300, 400)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        done_before = 0
        while time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
            if (store / "state.sqlite").exists():
                db = StateDB(store / "state.sqlite")
                done_before = len(db.units(status="done"))
                db.close()
                if done_before >= 3:
                    break
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        time.sleep(1.0)  # requests the dead process had in flight still finish (and are logged) server-side
    finally:
        emulator.knobs.latency_ms = (0, 0)
    db = StateDB(store / "state.sqlite")
    done = {(u.collection, u.period, tuple(u.chips)) for u in db.units(status="done")}
    total = len(db.units())
    db.close()
    assert 0 < len(done) < total
    t_rerun = time.time()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["units_run"] == total - len(done)  # no completed unit was fetched again
    # Requests are logged with their arrival time: the dead process's last ones arrived before the rerun.
    pixel_calls = [r for r in emulator.request_log if r.get("method") == "computePixels" and r["time"] >= t_rerun]
    assert len(pixel_calls) == summary["requests"]
    _check_against(reference, store)
    assert len(_by_chip(store)) == len(reference)
