"""The realistic synthetic Earth, and extract surviving what Earth Engine does to long runs.

Empty composites (one S1 orbit direction, S2 SR before global coverage, a MODIS year not yet published, a
filter that empties), the size rule with its mask byte (at Earth Engine's documented limit, through the
client), timeouts that adapt the block size, recipes checked against the catalogue's assets, bands and dates,
and the scenes themselves (MGRS tiles, revisits, satellite eras) through the real `ee` client.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import ee
import numpy as np
import pytest
import shapely

from ee_emulator import assets, footprints, limits
from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee.pixels import classify
from m3leo_extract.errors import PeriodError
from m3leo_extract.extract import ExtractOptions, extract
from m3leo_extract.status import dataset_status
from m3leo_extract.store import ChipStore

LYON = shapely.box(4.80, 45.72, 4.86, 45.76)  # 4 chips in 31TFL
KENYA = shapely.box(37.00, 0.30, 37.03, 0.33)  # outside Europe: one S1 direction while one satellite flies


def _valid(store_dir: Path, name: str) -> np.ndarray:
    return ChipStore.open(store_dir).read_valid(name)


def _data(store_dir: Path, name: str) -> np.ndarray:
    store = ChipStore.open(store_dir)
    return np.stack([store.read_chip(name, c) for c in store.chip_ids(name)])


def _statuses(emulator, n0: int) -> list[tuple[int, str]]:
    return [(r["status"], r.get("error", "")) for r in emulator.request_log[n0:] if r["method"] == "computePixels"]


# -- the world's scenes ------------------------------------------------------------------------------------
def test_s2_granules_sit_on_mgrs_tiles_with_a_five_day_revisit():
    box = (4.80, 45.72, 4.86, 45.76)
    assert [t.name for t in footprints.s2_tiles(box)] == ["31TFL"]  # Lyon's real MGRS tile
    granules = assets.s2_granules(box, dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    days = sorted({g.when.date() for g in granules})
    assert {(b - a).days for a, b in zip(days, days[1:], strict=False)} == {5}
    assert {g.spacecraft for g in granules} == {"Sentinel-2A", "Sentinel-2B"}
    pct = np.array([g.cloudy_pct for g in granules])
    assert pct.min() < 10 and pct.max() > 70  # clear and overcast granules both happen
    # Near a zone edge a point lies in tiles of both zones, as on the real grid; beyond 84 N there are none.
    assert {t.name[:2] for t in footprints.s2_tiles((5.95, 45.0, 6.05, 45.05))} == {"31", "32"}
    assert footprints.s2_tiles((10.0, 85.0, 10.1, 85.1)) == []
    # The 2A slot passes to Sentinel-2C in 2025.
    late = assets.s2_granules(box, dt.date(2025, 6, 1), dt.date(2025, 7, 1))
    assert {g.spacecraft for g in late} == {"Sentinel-2B", "Sentinel-2C"}


def test_s1_passes_follow_the_constellation_eras():
    def dirs(box, start, end):
        return {p.direction for p in footprints.s1_passes(box, start, end)}

    kenya = (37.0, 0.3, 37.03, 0.33)
    assert dirs(kenya, dt.date(2020, 6, 1), dt.date(2020, 9, 1)) == {"ASCENDING", "DESCENDING"}  # S1A + S1B
    assert dirs(kenya, dt.date(2022, 6, 1), dt.date(2022, 9, 1)) == {"DESCENDING"}  # S1B failed Dec 2021
    lyon = (4.80, 45.72, 4.86, 45.76)
    assert dirs(lyon, dt.date(2022, 6, 1), dt.date(2022, 9, 1)) == {"ASCENDING", "DESCENDING"}  # Europe: both
    sats = {p.satellite for p in footprints.s1_passes(lyon, dt.date(2025, 6, 1), dt.date(2025, 9, 1))}
    assert sats == {"S1A", "S1C"}
    # One track revisits every 12 days per satellite, 6 with two.
    orbit = footprints.s1_passes(lyon, dt.date(2020, 6, 1), dt.date(2020, 9, 1))
    rel = orbit[0].relative_orbit
    times = sorted({p.time.date() for p in orbit if p.relative_orbit == rel})
    assert {(b - a).days for a, b in zip(times, times[1:], strict=False)} == {6}


def test_filters_empty_collections_where_earth_engine_would(emulator):
    def size(asset, geom, start, end, *filters):
        c = ee.ImageCollection(asset).filterBounds(ee.Geometry.Rectangle(list(geom), "EPSG:4326", False))
        c = c.filterDate(start, end)
        for f in filters:
            c = c.filter(f)
        return c.size().getInfo()

    lyon, kenya = LYON.bounds, KENYA.bounds
    assert size("COPERNICUS/S2_SR_HARMONIZED", lyon, "2020-01-01", "2021-01-01") == 73  # 31TFL, 5-day revisit
    assert size("COPERNICUS/S2_SR_HARMONIZED", lyon, "2017-06-01", "2017-07-01") > 0  # Europe from 2017-03-28
    assert size("COPERNICUS/S2_SR_HARMONIZED", kenya, "2017-01-01", "2018-01-01") == 0  # not yet global
    assert size("COPERNICUS/S2_SR_HARMONIZED", kenya, "2019-01-01", "2020-01-01") > 0
    assert size("COPERNICUS/S2_SR_HARMONIZED", lyon, "2020-01-01", "2021-01-01",
                ee.Filter.lte("CLOUDY_PIXEL_PERCENTAGE", 0)) == 0
    asc = ee.Filter.eq("orbitProperties_pass", "ASCENDING")
    assert size("COPERNICUS/S1_GRD", kenya, "2022-06-01", "2022-09-01", asc) == 0
    assert size("COPERNICUS/S1_GRD", kenya, "2020-06-01", "2020-09-01", asc) > 0
    assert ee.ImageCollection("MODIS/061/MOD44B").filterDate("2025-01-01", "2026-01-01").size().getInfo() == 0
    assert ee.ImageCollection("MODIS/061/MOD44B").filterDate("2024-01-01", "2025-01-01").size().getInfo() == 1
    # Without filterBounds (a global listing of millions of scenes) one representative image a month.
    s2 = ee.ImageCollection("COPERNICUS/S2_SR_HARMONIZED")
    assert s2.filterDate("2020-01-01", "2020-03-01").size().getInfo() == 2


# -- the catalogue -----------------------------------------------------------------------------------------
def test_every_recipe_asset_and_band_exists_in_the_emulated_catalogue_with_its_real_dates():
    derived = {"dem": {"slope", "aspect"}}
    for name, r in load_catalog().items():
        if not r.remote:
            continue
        for asset in {r.asset, *r.assets_by_year.values()}:
            info = assets.CATALOGUE[asset]
            assert not info.deprecated, f"{name} uses deprecated {asset}; use {info.successor}"
            missing = {b.source for b in r.bands} - derived.get(name, set()) - set(info.band_names)
            assert not missing, (name, missing)
        infos = [assets.CATALOGUE[a] for a in {r.asset, *r.assets_by_year.values()}]  # WorldCover: v100 + v200
        ends = [i.end for i in infos]
        assert r.coverage_start == min(i.start for i in infos), name
        assert r.coverage_end == (None if None in ends else max(ends)), name
    s2 = load_catalog()["s2"]
    assert set(s2.all_bands) <= set(assets.CATALOGUE[s2.asset].band_names)
    assert s2.options["cs_band"] in assets.CATALOGUE[s2.options["cloud_score_asset"]].band_names
    old = assets.CATALOGUE["COPERNICUS/DEM/GLO30"]
    assert old.deprecated and old.successor == load_catalog()["dem"].asset
    assert "deprecated" in assets.deprecation("COPERNICUS/DEM/GLO30")


def test_the_deprecated_dem_is_flagged_in_its_asset_record(emulator):
    rec = ee.data.getAsset("COPERNICUS/DEM/GLO30")
    assert rec["title"].endswith("[deprecated]") and rec["properties"]["gee:status"] == "deprecated"
    assert rec["properties"]["successor"] == "COPERNICUS/DEM/GLO30_2024_1"
    assert "[deprecated]" not in ee.data.getAsset("COPERNICUS/DEM/GLO30_2024_1")["title"]


def test_impossible_periods_are_refused_before_any_request(emulator, tmp_path):
    cat = load_catalog()
    n0 = len(emulator.request_log)
    with pytest.raises(PeriodError, match=r"'s2' has no data in period 2016 .*2017-03-28"):
        extract(tmp_path / "s", LYON, [cat["s2"]], parse_periods("2016"), ee_url=emulator.url)
    with pytest.raises(PeriodError, match="'s1' has no data"):
        extract(tmp_path / "s", LYON, [cat["s1"]], parse_periods("2013"), ee_url=emulator.url)
    assert len(emulator.request_log) == n0 and not (tmp_path / "s").exists()
    assert cat["s1"].covers(parse_periods("2014-SON")[0]) and not cat["s1"].covers(parse_periods("2014-JJA")[0])
    assert cat["dem"].covers(parse_periods("2005")[0])  # one static image serves any period since imagery began
    assert not cat["dem"].covers(parse_periods("1900")[0])  # ... but none before any satellite flew
    # A year partly covered is allowed (its uncovered seasons composite to nodata).
    extract(tmp_path / "ok", LYON, [cat["s1"]], parse_periods("2014"), ee_url=emulator.url)


def test_cli_refuses_an_impossible_period_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "m3leo_extract", "extract", "--aoi", "demo", "--collections", "s2",
                           "--period", "2016", "--store", str(tmp_path / "d"), "--ee-url", "http://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "has no data in period 2016" in proc.stderr and "Traceback" not in proc.stderr


# -- empty composites --------------------------------------------------------------------------------------
def _one_run(emulator, tmp_path, geom, recipe, period):
    n0 = len(emulator.request_log)
    rep = extract(tmp_path, geom, [recipe], parse_periods(period), ee_url=emulator.url)
    assert rep.ok and rep.units_failed == 0, rep.errors
    assert all(s == 200 for s, _ in _statuses(emulator, n0))
    return rep


def test_s1_season_with_one_orbit_direction_keeps_the_other(emulator, tmp_path):
    r = load_catalog()["s1"]
    rep = _one_run(emulator, tmp_path, KENYA, r, "2022-JJA")
    data = _data(tmp_path, "s1")
    asc, dsc = data[:, :2], data[:, 2:]
    assert np.isnan(asc).all() and np.isfinite(dsc).mean() > 0.9
    assert rep.units_empty == 0 and (_valid(tmp_path, "s1") > 0.9).all()


@pytest.mark.parametrize("name, geom, period, options", [
    ("s2", KENYA, "2017", {}),  # S2 SR before global coverage
    ("modis_vcf", LYON, "2025", {}),  # a MODIS year not yet published
    ("s2", LYON, "2020-06", {"max_cloudy_pct": 0.0}),  # a filter that empties
])
def test_an_empty_composite_writes_nodata_chips_and_the_unit_ends_done_and_empty(emulator, tmp_path, name, geom,
                                                                                 period, options):
    r = load_catalog()[name]
    r = r.with_options(**options) if options else r
    rep = _one_run(emulator, tmp_path, geom, r, period)
    assert rep.units_done == rep.plan.units and rep.units_empty == rep.plan.units
    assert (_valid(tmp_path, name) == 0).all()
    assert (_data(tmp_path, name) == r.nodata).all()
    st = dataset_status(tmp_path)
    assert st["totals"]["empty"] == rep.plan.chips and st["totals"]["done"] == 0  # finished, but no data
    assert json.loads(json.dumps(st))["collections"][0]["empty"] == rep.plan.chips
    if name == "modis_vcf":  # the installed CLI shows it too
        proc = subprocess.run([sys.executable, "-m", "m3leo_extract", "status", "--store", str(tmp_path)],
                              capture_output=True, text=True, timeout=120)
        header, row = proc.stdout.splitlines()[:2]
        assert proc.returncode == 0 and header.split()[-1] == "empty" and row.split()[-1] == str(rep.plan.chips)


def test_modis_water_is_masked_not_200_percent(emulator, tmp_path):
    r = load_catalog()["modis_vcf"]
    _one_run(emulator, tmp_path, LYON, r, "2024")
    data = _data(tmp_path, "modis_vcf")
    assert (data != 200).all() and (data <= 100).sum() > 0.8 * data.size


# -- limits ----------------------------------------------------------------------------------------------
# Earth Engine's documented computePixels limit: "Total request size (N bytes) must be less than or equal to
# 50331648 bytes", counting one mask byte per band-pixel besides the values (google/Xee issue 209, PR 211).
DOCUMENTED_LIMIT = 50_331_648


def _pixels(image: ee.Image, w: int, h: int) -> np.ndarray:
    return ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY", "grid": {
        "dimensions": {"width": w, "height": h}, "crsCode": "EPSG:32631",
        "affineTransform": {"scaleX": 10, "shearX": 0, "translateX": 640000, "shearY": 0, "scaleY": -10,
                            "translateY": 5064000}}})


def test_the_size_rule_at_the_documented_limit_through_the_client(emulator):
    assert emulator.knobs.byte_limit == DOCUMENTED_LIMIT
    # 200 uint8 bands: 1 value byte + 1 mask byte per band-pixel = 400 bytes a pixel. 279 x 451 = 125829 pixels
    # (50331600 bytes) is under the limit; one pixel more (10 x 12583 = 125830) is over, though its values
    # alone (25 MB) are far from it.
    many = ee.Image.constant([1] * 200).toUint8()
    got = _pixels(many, 279, 451)
    assert got.shape == (451, 279) and len(got.dtype.names) == 200 and (got["constant_199"] == 1).all()
    with pytest.raises(ee.EEException, match=r"Total request size \(50332000 bytes\) must be less than or "
                                             r"equal to 50331648 bytes"):
        _pixels(many, 10, 12583)
    one = ee.Image.constant(1).toUint8()
    assert _pixels(one, 32768, 1).shape == (1, 32768)  # the side limit, just under and just over
    with pytest.raises(ee.EEException, match="Grid dimensions"):
        _pixels(one, 32769, 1)
    with pytest.raises(ee.EEException, match="Number of bands"):
        _pixels(ee.Image.constant([1] * 1025).toUint8(), 1, 1)


@pytest.mark.parametrize("name, period", [("esa_worldcover", "2020"), ("s2", "2020-06")])
def test_full_blocks_fit_the_limit_and_one_chip_more_would_not(emulator, tmp_path, name, period):
    r = replace(load_catalog()[name], resolution=40.0)  # 100 x 100 px chips
    nb, item = len(r.bands), np.dtype(r.dtype).itemsize
    chip = 100 * 100 * nb * (item + 1)  # Earth Engine's rule, written out: values + one mask byte per band-pixel
    limit = 5 * chip
    old = emulator.knobs.byte_limit
    emulator.knobs.byte_limit = limit
    n0 = len(emulator.request_log)
    try:
        # the limit binds: 5 chips' worth of these bands is served, 6 chips' worth is refused
        zeros = ee.Image.constant([0] * nb).toUint8() if item == 1 else ee.Image.constant([0] * nb).toUint16()
        assert _pixels(zeros, 500, 100).shape == (100, 500)
        with pytest.raises(ee.EEException, match="Total request size"):
            _pixels(zeros, 600, 100)
        n1 = len(emulator.request_log)
        rep = extract(tmp_path, LYON.buffer(0.02), [r], parse_periods(period), ee_url=emulator.url,
                      options=ExtractOptions(byte_limit=limit, shard_chips=16))
    finally:
        emulator.knobs.byte_limit = old
    assert len(_statuses(emulator, n0)) >= 2
    st = _statuses(emulator, n1)
    assert rep.ok and st and all(s == 200 for s, _ in st)
    sizes = [x["width"] * x["height"] * nb * (item + 1) for x in emulator.request_log[n1:]
             if x["method"] == "computePixels"]
    assert max(sizes) <= limit and max(sizes) >= 3 * chip  # blocks of several chips, none over the rule


def test_a_timeout_prone_collection_finishes_with_adapted_blocks(emulator, tmp_path):
    r = replace(load_catalog()["s2"], resolution=40.0)
    old = emulator.knobs.load
    # A year over 31TFL composites 73 granules: 8 chips of 100 x 100 px is ~6 M pixel-images; allow 2 M.
    emulator.knobs.load = limits.Load(work_budget=2e6)
    n0 = len(emulator.request_log)
    try:
        rep = extract(tmp_path, LYON.buffer(0.03), [r], parse_periods("2020"), ee_url=emulator.url,
                      options=ExtractOptions(shard_chips=8, max_concurrency=1))
    finally:
        emulator.knobs.load = old
    st = _statuses(emulator, n0)
    timeouts = [i for i, (s, e) in enumerate(st) if "Computation timed out." in e]
    first_ok = next(i for i, (s, _) in enumerate(st) if s == 200)
    assert rep.ok and rep.plan.units >= 2 and rep.adapted_blocks >= 1
    assert timeouts and max(timeouts) < first_ok  # later blocks (and units) start at the size that worked
    assert (_valid(tmp_path, "s2") > 0.5).all()


def test_timeouts_and_memory_errors_classify_as_too_heavy_not_retryable():
    for text in ("Computation timed out.", "User memory limit exceeded."):
        e = classify(ee.EEException(text))
        assert e.too_heavy and not e.retryable and not e.too_large
    e = classify(TimeoutError("timed out"))  # a socket timeout is the network's, not Earth Engine's load
    assert e.retryable and not e.too_heavy


def test_latency_grows_with_work_and_is_seeded():
    import random
    import threading

    load = limits.Load.realistic()
    lock = threading.Lock()

    def lat(work, seed):
        rng = random.Random(seed)
        return [load.latency_s(work, rng) for _ in range(400)]

    small, big = lat(1e5, 1), lat(3e8, 1)
    assert np.median(big) > 3 * np.median(small) and lat(1e5, 1) == small
    assert max(small) > 2.5 * np.median(small)  # the heavy tail
    m = limits.Meter()
    m.images = 200
    with pytest.raises(Exception, match="Computation timed out."):
        limits.admit(2000, 2000, 4, m, load, random.Random(0), lock)
