"""Run options persist in m3leo.toml, `refresh` runs with them, and a shard size that disagrees with the store
is refused (extract, refresh: exit 2, one line) or warned about (plan), never silently ignored.

Every case runs the installed `m3leo` entry point against the session's emulator.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import shapely
import tomllib

from m3leo_extract.config import DatasetConfig
from m3leo_extract.defaults import STATE_FILE
from m3leo_extract.grid import chips_for_geometry
from m3leo_extract.state import StateDB
from m3leo_extract.store import ChipStore

SMALL = shapely.box(4.80, 45.72, 4.86, 45.76)  # a few chips in zone 31N near Lyon
N = len(chips_for_geometry(SMALL))
SHARDS_OF_2 = [2] * (N // 2) + [1] * (N % 2)  # chips per unit in shards of 2, in shard order


def _m3leo(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("m3leo")
    assert exe, "the m3leo entry point is not installed"
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def _units(store: Path) -> list[tuple[str, str, int, int, str]]:
    db = StateDB(store / STATE_FILE)
    try:
        return sorted((u.collection, u.period, u.shard, len(u.chips), u.status) for u in db.units())
    finally:
        db.close()


def _last_run(store: Path) -> dict:
    db = StateDB(store / STATE_FILE)
    try:
        row = db.conn.execute("SELECT command, summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return {"command": row["command"], **json.loads(row["summary"])}
    finally:
        db.close()


@pytest.fixture(scope="module")
def built(emulator, tmp_path_factory) -> tuple[Path, Path]:
    """A dataset extracted with non-default run options (2 chips per shard, 3 in flight, 7.5 rps)."""
    work = tmp_path_factory.mktemp("opts")
    aoi = work / "aoi.geojson"
    aoi.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(SMALL)}]}))
    store = work / "ds"
    res = _m3leo("extract", "--aoi", aoi, "--collections", "esa_worldcover", "--period", "2020", "--store", store,
                 "--ee-url", emulator.url, "--shard-chips", "2", "--max-concurrency", "3", "--max-rps", "7.5",
                 "--max-attempts", "4", cwd=work)
    assert res.returncode == 0, res.stderr
    return work, store


def test_extract_writes_its_run_options_to_the_dataset_file(built) -> None:
    _, store = built
    opts = tomllib.loads((store / "m3leo.toml").read_text())["options"]
    assert opts == {"max_concurrency": 3, "max_rps": 7.5, "max_attempts": 4, "shard_chips": 2, "mode": "pixels"}
    assert ChipStore.open(store).shard_chips("esa_worldcover") == 2
    assert [n for *_, n, _ in _units(store)] == SHARDS_OF_2


def test_refresh_runs_with_the_options_the_dataset_was_built_with(built) -> None:
    work, store = built
    cfg = DatasetConfig.load(store)
    cfg.periods = ["2020", "2021"]  # a new period: refresh plans and fetches it
    cfg.save(store)
    res = _m3leo("refresh", "--store", store, cwd=work)
    assert res.returncode == 0, res.stderr
    run = _last_run(store)
    assert (run["command"], run["max_concurrency"], run["max_rps"]) == ("refresh", 3, 7.5)
    assert run["units_done"] == len(SHARDS_OF_2)  # the new period in shards of 2 chips, not the default 16
    assert [u[3] for u in _units(store) if u[1] == "2021"] == SHARDS_OF_2


def test_extract_refuses_another_shard_size_for_an_existing_collection(built) -> None:
    work, store = built
    before = _units(store)
    res = _m3leo("extract", "--aoi", work / "aoi.geojson", "--collections", "esa_worldcover", "--period", "2020",
                 "--store", store, "--ee-url", "http://127.0.0.1:9", "--shard-chips", "4", cwd=work)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "2 chips per shard" in lines[0] and "--shard-chips" in lines[0], res.stderr
    assert _units(store) == before


def test_refresh_refuses_a_dataset_file_whose_shard_size_disagrees_with_the_store(built, tmp_path: Path) -> None:
    work, store = built
    copy = tmp_path / "ds"
    shutil.copytree(store, copy)
    cfg = DatasetConfig.load(copy)
    cfg.options["shard_chips"] = 8
    cfg.save(copy)
    res = _m3leo("refresh", "--store", copy, cwd=work)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "options.shard_chips" in lines[0], res.stderr


def test_refresh_refuses_a_run_option_of_the_wrong_type(built, tmp_path: Path) -> None:
    work, store = built
    copy = tmp_path / "ds"
    shutil.copytree(store, copy)
    text = (copy / "m3leo.toml").read_text().replace("max_rps = 7.5", 'max_rps = "fast"')
    (copy / "m3leo.toml").write_text(text)
    res = _m3leo("refresh", "--store", copy, cwd=work)
    assert res.returncode == 2 and "options.max_rps" in res.stderr, res.stderr


def test_plan_uses_the_store_shard_size_and_refuses_another_as_extract_does(built) -> None:
    work, store = built
    base = ["plan", "--aoi", work / "aoi.geojson", "--collections", "esa_worldcover", "--period", "2020",
            "--store", store, "--json"]
    kept = json.loads(_m3leo(*base, cwd=work).stdout)
    assert kept["units"] == len(SHARDS_OF_2) and kept["warnings"] == []  # the store's shards of 2
    other = _m3leo(*base, "--shard-chips", "4", cwd=work)
    assert other.returncode == 2 and other.stdout == "", (other.stdout, other.stderr)
    lines = other.stderr.strip().splitlines()
    assert len(lines) == 1 and "2 chips per shard" in lines[0] and "--shard-chips" in lines[0], other.stderr
