"""The whole slice on the demo AOI: real `ee` client -> emulator over HTTP -> Zarr store -> equal pixels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from m3leo_extract.aoi import load_aoi
from m3leo_extract.catalog import load_catalog, parse_collections, parse_periods
from m3leo_extract.extract import extract
from m3leo_extract.grid import Chip
from m3leo_extract.splits import DEMO_SPLIT, apply_split
from m3leo_extract.store import ChipStore, open_dataset

COLLECTIONS = "s1,s2,esa_worldcover"


@pytest.fixture(scope="module")
def demo_store(emulator, tmp_path_factory) -> tuple[Path, object]:
    store = tmp_path_factory.mktemp("demo") / "data"
    n0 = len(emulator.request_log)
    apply_split(store, DEMO_SPLIT)  # the 24 km demo AOI holds no 50 km band of each split
    report = extract(store, load_aoi("demo").geometry, parse_collections(COLLECTIONS), parse_periods("2020"),
                     ee_url=emulator.url)
    return store, (report, emulator.request_log[n0:])


def _pixel_calls(log: list) -> list:
    return [r for r in log if "computePixels" in str(r.get("method", r) if isinstance(r, dict) else r)]


def test_extract_writes_every_chip_of_every_collection(demo_store):
    store_dir, (report, log) = demo_store
    assert report.ok and report.chips_done == 36 * (4 + 1 + 1)  # s1 is seasonal: four composites
    store = ChipStore.open(store_dir)
    assert store.collections() == ["esa_worldcover", "s1", "s2"]
    for name in ("s1", "s2", "esa_worldcover"):
        assert len(store.chip_ids(name)) == 36
        assert store.periods(name) == (["2020-DJF", "2020-MAM", "2020-JJA", "2020-SON"] if name == "s1" else ["2020"])
        valid = store.read_valid(name)
        assert np.all(valid > 0.5), (name, valid.min())
    # Batched: far fewer requests than chips x collections.
    calls = _pixel_calls(log)
    assert 0 < len(calls) < 36 * 6 / 4
    assert report.requests == len(calls)


def test_store_pixels_equal_what_the_emulator_returns_for_the_chips_exact_grid(demo_store, emulator):
    from m3leo_extract.ee import expressions
    from m3leo_extract.ee.pixels import EEPixelsGetter, PixelRequest
    from m3leo_extract.units import chips_lonlat_bounds

    store_dir, _ = demo_store
    store = ChipStore.open(store_dir)
    cat = load_catalog()
    period = parse_periods("2020")[0]
    chip = Chip.from_id(store.chip_ids("s1")[7])
    for name in ("s1", "s2", "esa_worldcover"):
        recipe = cat[name]
        comp = recipe.periods(period)[0]
        image = expressions.build(recipe, comp, chips_lonlat_bounds([chip]))
        req = PixelRequest(image, chip.crs, chip.transform(recipe.resolution), chip.shape(recipe.resolution),
                           tuple(recipe.band_names), recipe.dtype)
        direct = EEPixelsGetter()(req)
        if direct.dtype.kind == "f":
            direct = np.where(direct == expressions.FLOAT_SENTINEL, np.nan, direct)
        stored = store.read_chip(name, chip.chip_id, comp.label)
        assert stored.dtype == np.dtype(recipe.dtype)
        np.testing.assert_array_equal(stored, direct, err_msg=name)


def test_synthetic_world_is_coherent_and_plausible(demo_store):
    store_dir, _ = demo_store
    store = ChipStore.open(store_dir)
    wc = np.stack([store.read_chip("esa_worldcover", c) for c in store.chip_ids("esa_worldcover")[:6]])
    s1 = np.stack([store.read_chip("s1", c) for c in store.chip_ids("esa_worldcover")[:6]])
    classes = set(np.unique(wc).tolist())
    assert classes <= {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100} and len(classes - {0}) >= 3
    vv = s1[:, 0]
    assert -35 < np.nanmean(vv) < 0
    # Water (80) is dark in VV compared with built-up / trees: the land cover drives the backscatter.
    for water_like in (80,):
        if (wc[:, 0] == water_like).sum() > 100 and (wc[:, 0] == 10).sum() > 100:
            assert np.nanmean(vv[wc[:, 0] == water_like]) < np.nanmean(vv[wc[:, 0] == 10]) - 3


def test_rerun_is_resumable_and_sends_no_request(demo_store, emulator):
    store_dir, _ = demo_store
    n0 = len(emulator.request_log)
    report = extract(store_dir, load_aoi("demo").geometry, parse_collections(COLLECTIONS), parse_periods("2020"),
                     ee_url=emulator.url)
    assert report.ok and report.chips_done == 0 and report.requests == 0
    assert _pixel_calls(emulator.request_log[n0:]) == []


def test_xarray_opens_every_collection_with_named_dims(demo_store):
    store_dir, _ = demo_store
    for name, nb in (("s1", 4), ("s2", 4), ("esa_worldcover", 1)):
        ds = open_dataset(store_dir, name)
        assert ds["data"].dims == ("chip", "time", "band", "y", "x")
        assert ds["data"].shape == (36, 4 if name == "s1" else 1, nb, 400, 400)
        assert str(ds["chip"].values[0]).startswith("31N_")
    from m3leo_extract.georef import chip_dataarray

    da = chip_dataarray(ChipStore.open(store_dir), "s2", "31N_1266_160")
    assert da.rio.crs.to_epsg() == 32631 and da.rio.transform().c == 160 * 4000


def test_cli_extract_against_the_emulator_writes_the_dataset_file(emulator, tmp_path):
    store = tmp_path / "ds"
    res = subprocess.run([sys.executable, "-m", "m3leo_extract", "extract", "--aoi", "demo", "--collections",
                          "esa_worldcover", "--period", "2021", "--store", str(store), "--ee-url", emulator.url,
                          "--json"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["chips_done"] == 36 and summary["units_failed"] == 0
    assert (store / "m3leo.toml").is_file() and (store / "state.sqlite").is_file()
    st = subprocess.run([sys.executable, "-m", "m3leo_extract", "status", "--store", str(store), "--json"],
                        capture_output=True, text=True, timeout=120)
    assert st.returncode == 0 and json.loads(st.stdout)["collections"][0]["done"] > 0

