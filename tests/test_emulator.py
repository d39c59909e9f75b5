"""The emulator through the real `ee` client: values, pixels on any grid, EE's errors, faults, exports."""

from __future__ import annotations

import time

import ee
import numpy as np
import pytest
import rasterio
from affine import Affine

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee import expressions
from m3leo_extract.ee.pixels import EEPixelsGetter, PixelRequest
from m3leo_extract.errors import EarthEngineError

BOUNDS = (4.74, 45.67, 4.995, 45.85)


def _wc(period: str = "2020") -> ee.Image:
    r = load_catalog()["esa_worldcover"]
    return expressions.build(r, parse_periods(period)[0], BOUNDS)


def _pixels(img, crs, transform, shape, bands=("landcover",), dtype="uint8"):
    return EEPixelsGetter()(PixelRequest(img, crs, transform, shape, tuple(bands), dtype))


def test_value_compute(emulator):
    assert ee.Number(1).add(2).multiply(5).getInfo() == 15


def test_same_ground_same_pixels_in_a_larger_block_and_another_crs(emulator):
    img = _wc()
    big = _pixels(img, "EPSG:32631", Affine(10, 0, 640000, 0, -10, 5064000), (200, 300))
    small = _pixels(img, "EPSG:32631", Affine(10, 0, 640500, 0, -10, 5063500), (50, 60))
    np.testing.assert_array_equal(big[:, 50:100, 50:110], small)
    # Web Mercator grid over the same ground: the class at each pixel centre agrees with the UTM grid's.
    from pyproj import Transformer

    t = Transformer.from_crs(32631, 3857, always_xy=True)
    x0, y0 = t.transform(640000 + 5, 5064000 - 5)
    merc = _pixels(img, "EPSG:3857", Affine(1, 0, x0 - 0.5, 0, -1, y0 + 0.5), (1, 1))
    assert merc[0, 0, 0] == big[0, 0, 0]
    classes = set(np.unique(big).tolist())
    assert len(classes) >= 3 and classes <= {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100}


def test_every_recipe_has_plausible_values(emulator):
    cat = load_catalog()
    tr, shape = Affine(20, 0, 640000, 0, -20, 5064000), (100, 100)
    expect = {"s1": (-40, 2), "s2": (0, 10000), "dem": (-500, 9000), "ghs_built_s": (0, 10000),
              "modis_vcf": (0, 200), "esa_worldcover": (10, 100)}
    for name, (lo, hi) in expect.items():
        r = cat[name]
        img = expressions.build(r, r.periods(parse_periods("2020")[0])[0], BOUNDS)
        arr = _pixels(img, "EPSG:32631", tr, shape, r.band_names, r.dtype)
        assert arr.dtype == np.dtype(r.dtype) and arr.shape == (len(r.bands), 100, 100)
        vals = arr[arr != expressions.server_nodata(r)]
        assert vals.size and lo <= vals.min() and vals.max() <= hi, name
    # DEM slope is in degrees and aspect in 0..360
    r = cat["dem"]
    dem = _pixels(expressions.build(r, parse_periods("2020")[0], BOUNDS), "EPSG:32631", tr, shape,
                  r.band_names, r.dtype)
    assert 0 <= dem[1].min() and dem[1].max() < 60 and 0 <= dem[2].min() and dem[2].max() <= 360


def test_unknown_asset_and_band_get_earth_engines_text(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    with pytest.raises(EarthEngineError, match="ImageCollection asset 'NOPE/NOPE' not found"):
        _pixels(ee.ImageCollection("NOPE/NOPE").first(), "EPSG:32631", tr, (4, 4))
    with pytest.raises(EarthEngineError, match="Band pattern 'B99' did not match any bands") as info:
        _pixels(ee.ImageCollection("ESA/WorldCover/v100").first().select("B99"), "EPSG:32631", tr, (4, 4))
    assert not info.value.retryable


def test_byte_limit_and_concurrency_cap_answer_like_gee(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    old = emulator.knobs.byte_limit
    emulator.knobs.byte_limit = 1000
    try:
        with pytest.raises(EarthEngineError, match="Total request size") as info:
            _pixels(_wc(), "EPSG:32631", tr, (40, 40))
        assert info.value.too_large
    finally:
        emulator.knobs.byte_limit = old
    emulator.knobs.max_concurrent, old_cap = 0, emulator.knobs.max_concurrent
    try:
        with pytest.raises(EarthEngineError) as info:
            _pixels(_wc(), "EPSG:32631", tr, (4, 4))
        assert info.value.retryable and "Too Many Requests" in str(info.value)
    finally:
        emulator.knobs.max_concurrent = old_cap


def _wait(task_name: str, timeout: float = 30.0) -> dict:
    t0 = time.time()
    while time.time() - t0 < timeout:
        op = ee.data.getOperation(task_name)
        if op.get("done"):
            return op
        time.sleep(0.1)
    raise AssertionError("task did not finish")


def test_export_task_lifecycle(emulator):
    task = ee.batch.Export.image.toCloudStorage(image=_wc(), description="t1", bucket="bkt",
                                                fileNamePrefix="m3leo/test1", crs="EPSG:32631",
                                                crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="80x60")
    task.start()
    op = _wait(task.name)
    assert op["metadata"]["state"] == "SUCCEEDED"
    from pathlib import Path

    path = Path(emulator.knobs.export_root) / "bkt" / "m3leo" / "test1.tif"
    with rasterio.open(path) as src:
        assert (src.width, src.height, src.crs.to_epsg()) == (80, 60, 32631)
        got = src.read()
    direct = _pixels(_wc(), "EPSG:32631", Affine(10, 0, 640000, 0, -10, 5064000), (60, 80))
    np.testing.assert_array_equal(got, direct)
    names = [o["name"] for o in ee.data.listOperations()]
    assert task.name in names
    old = emulator.knobs.export_failure_rate
    emulator.knobs.export_failure_rate = 1.0
    try:
        t2 = ee.batch.Export.image.toCloudStorage(image=_wc(), description="t2", bucket="bkt",
                                                  fileNamePrefix="m3leo/test2", crs="EPSG:32631",
                                                  crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="8x8")
        t2.start()
        op2 = _wait(t2.name)
        assert op2["metadata"]["state"] == "FAILED" and op2["error"]["message"]
    finally:
        emulator.knobs.export_failure_rate = old
    old_d = emulator.knobs.export_duration_s
    emulator.knobs.export_duration_s = 30
    try:
        t3 = ee.batch.Export.image.toCloudStorage(image=_wc(), description="t3", bucket="bkt",
                                                  fileNamePrefix="m3leo/test3", crs="EPSG:32631",
                                                  crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions="8x8")
        t3.start()
        ee.data.cancelOperation(t3.name)
        assert ee.data.getOperation(t3.name)["metadata"]["state"] == "CANCELLED"
    finally:
        emulator.knobs.export_duration_s = old_d


def test_responses_say_the_data_is_synthetic(emulator):
    import urllib.request

    with urllib.request.urlopen(f"{emulator.url}/$discovery/rest?version=v1") as resp:
        assert resp.headers["X-Synthetic-Data"] == "true"
        assert "synthetic" in resp.read().decode().lower()


def test_every_shipped_recipe_extracts_into_the_store_with_its_dtype_bands_ranges_and_nodata(emulator, tmp_path):
    import math

    import shapely

    from m3leo_extract.extract import extract
    from m3leo_extract.store import ChipStore

    cat = load_catalog()
    aoi = shapely.box(4.80, 45.72, 4.86, 45.76)  # 4 chips
    names = ["esa_worldcover", "ghs_built_s", "modis_vcf", "dem", "lonlat"]
    rep = extract(tmp_path, aoi, [cat[n] for n in names], parse_periods("2021"), ee_url=emulator.url)
    assert rep.ok
    store = ChipStore.open(tmp_path)
    ranges = {"esa_worldcover": (10, 100), "ghs_built_s": (0, 10000), "modis_vcf": (0, 200),
              "dem": (-500, 9000), "lonlat": (4, 46)}
    for name in names:
        r = cat[name]
        spec = store.spec(name)
        assert spec.bands == tuple(r.band_names) and spec.dtype == r.dtype
        nd = spec.nodata
        assert (math.isnan(nd) and math.isnan(r.nodata)) or nd == r.nodata
        for cid in store.chip_ids(name):
            arr = store.read_chip(name, cid)
            assert arr.dtype == np.dtype(r.dtype) and arr.shape == (len(r.bands), r.chip_px, r.chip_px)
            vals = arr[~np.isnan(arr)] if arr.dtype.kind == "f" else arr[arr != r.nodata]
            lo, hi = ranges[name]
            assert vals.size and lo <= vals.min() and vals.max() <= hi, name
    assert store.attrs("esa_worldcover")["asset"].startswith("ESA/WorldCover")
    assert set(store.attrs("esa_worldcover")["classes"]) >= {"10", "50", "80"}
