"""The one run engine: a request built once, the store opened and consolidated once, a first run's failure that
fixes nothing, and the plan's cost said before a run starts (issues 24 and 25)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
import zarr

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.config import DatasetConfig
from m3leo_extract.extract import ExtractOptions, extract
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore

BIN = shutil.which("m3leo") or str(Path(sys.executable).with_name("m3leo"))
SMALL = [[4.80, 45.70], [4.83, 45.70], [4.83, 45.72], [4.80, 45.72], [4.80, 45.70]]  # 2 chips near Lyon
DEMO = shapely.box(4.74, 45.67, 4.995, 45.85)  # 6 x 6 chips in zone 31N
BIG = [[-2.0, 40.0], [8.0, 40.0], [8.0, 46.0], [-2.0, 46.0], [-2.0, 40.0]]  # ~40k chips, above CONFIRM_CHIPS


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("M3LEO_", "EE_", "GOOGLE_"))}
    return {**env, **extra}


def m3leo(*args: object, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env or _env(),
                          timeout=300, stdin=subprocess.DEVNULL)


def _aoi(path: Path, ring: list[list[float]]) -> Path:
    path.write_text(json.dumps({"type": "Feature", "properties": {},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    return path


def _clean(res: subprocess.CompletedProcess[str], code: int) -> list[str]:
    assert res.returncode == code, (res.returncode, res.stdout[-1500:], res.stderr[-3000:])
    assert "Traceback" not in res.stderr, res.stderr
    return res.stderr.strip().splitlines()


# -- metadata consolidated once per run ---------------------------------------------------------------------
def test_a_36_chip_run_consolidates_the_metadata_once(emulator, tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []
    real = zarr.consolidate_metadata

    def counting(*a, **kw):
        calls.append("consolidate")
        return real(*a, **kw)

    monkeypatch.setattr(zarr, "consolidate_metadata", counting)
    cat = load_catalog()
    recipes = [cat["esa_worldcover"], cat["dem"]]
    rep = extract(tmp_path, DEMO, recipes, parse_periods("2020"), ee_url=emulator.url,
                  options=ExtractOptions(shard_chips=4))
    assert rep.ok and rep.plan.chips == 36 and rep.units_done == 2 * 9
    assert len(calls) == 1, calls  # a new store: chips, periods, provenance and source, all in one rewrite
    rep = extract(tmp_path, DEMO, recipes, parse_periods("2020"), ee_url=emulator.url)
    assert rep.ok and rep.units_done == 0
    assert len(calls) == 1, calls  # a rerun that changed no metadata rewrites none
    group = zarr.open_group(str(tmp_path / "chips.zarr"), mode="r", use_consolidated=True)
    assert group["dem"].attrs["synthetic"] is True  # what the end of the run recorded is in the consolidated copy
    assert group["dem"].attrs["periods"]["2020"]["endpoint"] == "emulator"


def test_the_cli_walk_leaves_current_consolidated_metadata(emulator, tmp_path: Path) -> None:
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover,dem", "--period", "2020", "--store",
                store, "--ee-url", emulator.url, "--shard-chips", "1", cwd=tmp_path)
    lines = _clean(res, 0)
    assert len(lines) == 1 and lines[0].startswith("plan: 2 chips, 4 work units"), lines  # the cost, first
    import xarray as xr

    ds = xr.open_zarr(store / "chips.zarr", group="esa_worldcover", consolidated=True)
    assert list(ds["time"].values) == ["2020"] and ds.sizes["chip"] == 2
    meta = json.loads((store / "chips.zarr" / "zarr.json").read_text())["consolidated_metadata"]["metadata"]
    assert meta["dem"]["attributes"]["synthetic"] is True
    assert meta["dem"]["attributes"]["periods"]["2020"]["mode"] == "pixels"
    cfg = DatasetConfig.load(store)
    assert cfg.ee_url == emulator.url and cfg.split and cfg.options["shard_chips"] == 1


# -- a failed first run fixes nothing (issue 25, 2) -----------------------------------------------------------
def test_a_first_run_stopped_by_credentials_or_the_endpoint_fixes_nothing(emulator, tmp_path: Path) -> None:
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    args = ["extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store]
    lines = _clean(m3leo(*args, cwd=tmp_path), 3)  # no project: the credentials check
    assert "project" in lines[-1] and not store.exists(), lines
    lines = _clean(m3leo(*args, "--ee-url", "http://127.0.0.1:9", cwd=tmp_path), 69)  # nothing listens there
    assert "cannot reach" in lines[-1], lines  # the plan is kept so that the rerun resumes, the source is not fixed
    assert ChipStore.open(store).attrs("esa_worldcover").get("synthetic") is None
    lines = _clean(m3leo(*args, "--ee-url", emulator.url, cwd=tmp_path), 0)
    assert any("switched from http://127.0.0.1:9" in line for line in lines), lines
    assert DatasetConfig.load(store).ee_url == emulator.url
    assert ChipStore.open(store).attrs("esa_worldcover")["synthetic"] is True


def test_a_store_holding_no_chip_takes_another_endpoint_and_says_so(emulator, tmp_path: Path) -> None:
    """A store left by a first run that wrote no chip, recorded as real Earth Engine (what main wrote after a
    credentials failure): the emulator's run is not refused, the store switches and says it in one line."""
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    emulator.knobs.error_rate = 1.0
    try:
        res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                    "--ee-url", emulator.url, "--max-attempts", "1", cwd=tmp_path)
    finally:
        emulator.knobs.error_rate = 0.0
    _clean(res, 75)  # every request failed: the store holds no chip
    st = ChipStore.open(store, mode="r+")  # the test forges what main wrote
    assert "synthetic" not in {k for k, v in st.attrs("esa_worldcover").items() if v is not None}
    st.update_attrs("esa_worldcover", synthetic=False)  # as main marked it: "real Earth Engine", with no chip
    cfg = DatasetConfig.load(store)
    cfg.ee_url = ""
    cfg.save(store)
    res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                "--ee-url", emulator.url, cwd=tmp_path)
    lines = _clean(res, 0)
    assert any("holds no chip yet" in line and "synthetic" in line for line in lines), lines
    assert any("switched" in line and emulator.url in line for line in lines), lines
    assert "2 written, 0 failed" in res.stdout
    assert ChipStore.open(store).attrs("esa_worldcover")["synthetic"] is True
    assert DatasetConfig.load(store).ee_url == emulator.url  # refresh goes where the chips came from
    # Now that it holds chips, its source is fixed: real Earth Engine is refused, nothing written.
    res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                "--project", "my-gee-project", cwd=tmp_path)
    assert _clean(res, 2)[-1].count("synthetic") >= 1


# -- the plan's cost first, and no unattended huge run (issue 25, 4) --------------------------------------------
def test_a_huge_non_interactive_extract_prints_its_cost_and_exits_2_naming_yes(tmp_path: Path) -> None:
    aoi = _aoi(tmp_path / "big.geojson", BIG)
    store = tmp_path / "ds"
    res = m3leo("extract", "--aoi", aoi, "--collections", "s2", "--period", "2020", "--store", store,
                "--ee-url", "http://127.0.0.1:9", cwd=tmp_path)
    lines = _clean(res, 2)
    assert len(lines) == 2, lines
    cost = lines[0]
    assert cost.startswith("plan: ") and "chips" in cost and "requests" in cost and "EECU" in cost, cost
    assert "in the store" in cost and re.search(r"~[\d.]+ (s|min|h) at ", cost), cost
    assert "--yes" in lines[1] and "no terminal" in lines[1], lines
    assert not store.exists()  # refused before anything is written (the endpoint was not even tried)


def test_refresh_never_asks(emulator, tmp_path: Path) -> None:
    """refresh (cron) takes no --yes and prints no cost line: it runs what m3leo.toml says, unattended."""
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    res = m3leo("init", "--store", store, "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020",
                "--ee-url", emulator.url, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = m3leo("refresh", "--store", store, cwd=tmp_path)
    assert _clean(res, 0) == [] and "2 chip-periods written" in res.stdout


# -- the request: every bad input refused before anything is written ------------------------------------------
@pytest.mark.parametrize("bucket, why", [("ab", "3 to 63"), ("My-Bucket", "upper-case"), ("-lead", "start and end"),
                                         ("a" * 64, "3 to 63"), ("192.168.1.1", "IP address"),
                                         ("googlebucket", "goog")])
def test_a_bucket_name_cloud_storage_refuses_exits_2_before_anything(tmp_path: Path, bucket: str, why: str) -> None:
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                "--ee-url", "http://127.0.0.1:9", "--mode", "export", "--bucket", bucket, cwd=tmp_path)
    lines = _clean(res, 2)
    assert len(lines) == 1 and "--bucket" in lines[0] and why in lines[0], lines
    assert not store.exists()


def test_retry_takes_the_bucket_and_cancel_the_stores_endpoint(emulator, tmp_path: Path) -> None:
    aoi = _aoi(tmp_path / "aoi.geojson", SMALL)
    store = tmp_path / "ds"
    exports = Path(emulator.knobs.export_root)
    res = m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                "--ee-url", emulator.url, "--mode", "export", "--bucket", "bkt-one", "--bucket-url",
                exports / "bkt-one", "--shard-chips", "1", cwd=tmp_path)
    _clean(res, 0)
    db = StateDB(store / "state.sqlite")
    try:
        for u in db.units():
            db.mark(u.id, "failed", error="export task cancelled", error_kind="permanent")
    finally:
        db.close()
    res = m3leo("retry", "--store", store, "--bucket", "bkt-two", "--bucket-url", exports / "bkt-two", cwd=tmp_path)
    _clean(res, 0)
    assert "2 chip-periods written" in res.stdout and list((exports / "bkt-two").rglob("*.tif"))
    res = m3leo("retry", "--store", store, "--bucket", "BAD", cwd=tmp_path)
    assert "--bucket" in _clean(res, 2)[-1]
    # The store's endpoint is the emulator's (m3leo.toml): cancel talks to it, never asks for Google credentials.
    db = StateDB(store / "state.sqlite")
    try:
        unit = db.units()[0]
        db.mark(unit.id, "running", task_id=json.dumps(["projects/m3leo-emulator/operations/GONE"]))
    finally:
        db.close()
    res = m3leo("cancel", "--store", store, cwd=tmp_path)
    _clean(res, 0)
    assert "0 export task(s) cancelled" in res.stdout  # Earth Engine (the emulator) no longer knows that task
    db = StateDB(store / "state.sqlite")
    try:
        assert db.units()[0].status == "failed"
    finally:
        db.close()


# -- one policy for interruptions, shard sizes and bugs: tile as extract ---------------------------------------
def _last_run(store: Path) -> dict:
    db = StateDB(store / "state.sqlite")
    try:
        run = db.last_run()
        assert run is not None
        return {**run, "units": db.units()}
    finally:
        db.close()


def test_an_interrupted_tile_run_is_recorded_interrupted_not_ok(tmp_path: Path, shared_data: Path) -> None:
    from m3leo_extract.tile import tile

    seen = []

    def ctrl_c_after_the_first_unit(ev: dict) -> None:
        if ev["event"] == "unit":
            seen.append(ev)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tile(shared_data / "RGB.byte.tif", tmp_path, "rgb", resolution=200, shard_chips=1, workers=1,
             progress=ctrl_c_after_the_first_unit)
    run = _last_run(tmp_path)
    assert len(seen) == 1 and len(run["units"]) > 1
    assert run["command"] == "tile" and run["status"] == "interrupted", run["status"]
    assert "interrupted" in json.loads(run["summary"])["error"]
    assert {u.status for u in run["units"]} <= {"done", "planned"}  # nothing left `running`
    res = tile(shared_data / "RGB.byte.tif", tmp_path, "rgb", resolution=200)  # the rerun completes it
    assert res.ok and _last_run(tmp_path)["status"] == "ok"


def test_tile_refuses_another_shard_size_as_extract_does(tmp_path: Path, shared_data: Path) -> None:
    store = tmp_path / "t"
    res = m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", store, "--resolution",
                "200", "--shard-chips", "2", cwd=tmp_path)
    _clean(res, 0)
    before = sorted(p.name for p in (store / "chips.zarr" / "rgb" / "data").rglob("*"))
    res = m3leo("tile", shared_data / "RGB.byte.tif", "--collection", "rgb", "--store", store, "--resolution",
                "200", "--shard-chips", "4", cwd=tmp_path)
    lines = _clean(res, 2)
    assert len(lines) == 1 and "2 chips per shard" in lines[0] and "--shard-chips" in lines[0], lines
    assert sorted(p.name for p in (store / "chips.zarr" / "rgb" / "data").rglob("*")) == before


def test_a_bug_in_a_tile_worker_fails_its_unit_as_a_bug_and_stops_the_run(tmp_path: Path, shared_data: Path,
                                                                         monkeypatch) -> None:
    import m3leo_extract.tile.run as tile_run
    from m3leo_extract.tile import tile

    def broken(task):
        raise TypeError("a bug in the warp")

    monkeypatch.setattr(tile_run, "tile_unit", broken)
    with pytest.raises(TypeError, match="a bug in the warp"):
        tile(shared_data / "RGB.byte.tif", tmp_path, "rgb", resolution=200, shard_chips=1, workers=1)
    run = _last_run(tmp_path)
    assert run["status"] == "crashed"
    bugs = [u for u in run["units"] if u.status == "failed"]
    assert bugs and all(u.error_kind == "bug" and "a bug in the warp" in u.error for u in bugs)


def test_a_known_error_in_a_tile_worker_fails_its_unit_and_the_run_goes_on(tmp_path: Path, shared_data: Path,
                                                                         monkeypatch) -> None:
    """The other side of the policy: an OSError (a dropped connection, a full disk) is the unit's failure,
    recorded `failed` (not crashed), and the other units are written."""
    import m3leo_extract.tile.run as tile_run
    from m3leo_extract.tile import tile

    real = tile_run.tile_unit

    def flaky(task):
        if task.shard == 0:
            raise OSError("connection reset by peer")
        return real(task)

    monkeypatch.setattr(tile_run, "tile_unit", flaky)
    rep = tile(shared_data / "RGB.byte.tif", tmp_path, "rgb", resolution=200, shard_chips=1, workers=1)
    assert rep.units_failed == 1 and rep.chips_written > 0 and not rep.ok
    assert any("connection reset" in f for f in rep.failures)
    run = _last_run(tmp_path)
    assert run["status"] == "failed"
    failed = [u for u in run["units"] if u.status == "failed"]
    assert len(failed) == 1 and failed[0].shard == 0 and failed[0].error_kind == "permanent"
    assert "connection reset" in failed[0].error


def test_a_single_map_asked_for_many_periods_is_said_once_per_asset() -> None:
    from m3leo_extract.extract import repeated_maps

    cat = load_catalog()
    months = parse_periods(",".join(f"2020-{m:02d}" for m in range(1, 7)))
    lines = repeated_maps([cat["esa_worldcover"], cat["s2"]], months)
    assert len(lines) == 1 and "esa_worldcover is one map" in lines[0] and "6 periods" in lines[0], lines
    assert "--period 2020" in lines[0]
    assert repeated_maps([cat["esa_worldcover"]], parse_periods("2020")) == []


def test_the_pixels_worker_is_picklable_and_never_touches_the_state(emulator, tmp_path: Path) -> None:
    """The worker protocol a cluster needs: a pickled PixelsWorker, run in a fresh copy, returns a plain
    UnitOutcome (status, counts, valid fractions) and writes its shard; the state is the coordinator's alone."""
    import pickle

    from m3leo_extract.ee.pixels import EEPixelsGetter
    from m3leo_extract.fetching import PixelsWorker
    from m3leo_extract.runner import UnitOutcome

    cat = load_catalog()
    aoi = shapely.box(4.80, 45.70, 4.83, 45.72)
    rep = extract(tmp_path, aoi, [cat["esa_worldcover"]], parse_periods("2020"), ee_url=emulator.url)
    assert rep.ok
    db = StateDB(tmp_path / "state.sqlite")
    unit = db.units()[0]
    db.mark(unit.id, "planned")
    before = db.units()[0]
    db.close()
    store = ChipStore.open(tmp_path, mode="r+")
    worker = PixelsWorker(store, {"esa_worldcover": cat["esa_worldcover"]}, EEPixelsGetter(), ExtractOptions(),
                          {("esa_worldcover", "2020"): 0})
    copy = pickle.loads(pickle.dumps(worker))
    outcome = copy(unit)
    assert isinstance(outcome, UnitOutcome) and outcome.status == "done" and outcome.chips == len(unit.chips)
    assert outcome.requests >= 1 and len(outcome.valid) == len(unit.chips) and all(v > 0 for v in outcome.valid)
    assert pickle.loads(pickle.dumps(outcome)) == outcome
    db = StateDB(tmp_path / "state.sqlite")
    try:
        assert db.units()[0] == before  # still planned: only the coordinator records outcomes
    finally:
        db.close()
