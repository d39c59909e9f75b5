"""The emulator through the real `ee` client: values, pixels on any grid, EE's errors, faults, exports."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import ee
import numpy as np
import pytest
import rasterio
from affine import Affine

from m3leo_extract.catalog import load_catalog, parse_periods
from m3leo_extract.ee import expressions
from m3leo_extract.ee.pixels import EEPixelsGetter, PixelRequest
from m3leo_extract.errors import EarthEngineError

BOUNDS = (4.74, 45.67, 4.995, 45.85)  # around Lyon; EPSG:32631 x 640000.., y ..5064000
UTM = "EPSG:32631"


def _build(name: str, period: str = "2020") -> tuple[ee.Image, object]:
    r = load_catalog()[name]
    return expressions.build(r, r.periods(parse_periods(period)[0])[0], BOUNDS), r


def _wc(period: str = "2020") -> ee.Image:
    return _build("esa_worldcover", period)[0]


def _pixels(img, crs, transform, shape, bands=("landcover",), dtype="uint8"):
    return EEPixelsGetter()(PixelRequest(img, crs, transform, shape, tuple(bands), dtype))


def _grid(transform: Affine, shape: tuple[int, int], crs: str = UTM) -> dict:
    t = transform
    return {"dimensions": {"width": shape[1], "height": shape[0]}, "crsCode": crs,
            "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c, "shearY": t.d, "scaleY": t.e,
                                "translateY": t.f}}


def test_value_compute(emulator):
    assert ee.Number(1).add(2).multiply(5).getInfo() == 15
    assert ee.ImageCollection("ESA/WorldCover/v100").first().bandNames().getInfo() == ["Map"]
    assert any(r["method"] == "value:compute" for r in emulator.request_log)


def test_every_recipe_has_plausible_values(emulator):
    cat = load_catalog()
    tr, shape = Affine(20, 0, 640000, 0, -20, 5064000), (100, 100)
    expect = {"s1": (-40, 2), "s2": (1, 10000), "dem": (-500, 9000), "ghs_built_s": (0, 10000),
              "modis_vcf": (0, 200), "esa_worldcover": (10, 100)}
    for name, (lo, hi) in expect.items():
        img, r = _build(name)
        arr = _pixels(img, UTM, tr, shape, r.band_names, r.dtype)
        assert arr.dtype == np.dtype(r.dtype) and arr.shape == (len(r.bands), 100, 100)
        vals = arr[arr != expressions.server_nodata(r)]
        assert vals.size > 0.9 * arr.size and lo <= vals.min() and vals.max() <= hi, name
        if name == "s1":  # dB, vegetation / water / built-up differ: not a constant field
            assert 1.0 < float(vals.std()) < 10.0
    # DEM slope is in degrees and aspect in 0..360
    r = cat["dem"]
    dem = _pixels(expressions.build(r, parse_periods("2020")[0], BOUNDS), UTM, tr, shape, r.band_names, r.dtype)
    assert 0 <= dem[1].min() and dem[1].max() < 60 and 0 <= dem[2].min() and dem[2].max() <= 360


def test_request_log_records_assets_periods_and_grid(emulator):
    img, r = _build("s1", "2020")
    period = r.periods(parse_periods("2020")[0])[0]  # S1 is seasonal: DJF first
    n0 = len(emulator.request_log)
    _pixels(img, UTM, Affine(20, 0, 640000, 0, -20, 5064000), (8, 12), r.band_names, r.dtype)
    rec = [x for x in emulator.request_log[n0:] if x["method"] == "computePixels"]
    assert len(rec) == 1
    assert rec[0]["assets"] == ["COPERNICUS/S1_GRD"] and rec[0]["dates"] == [tuple(period.iso())]
    assert (rec[0]["crs"], rec[0]["width"], rec[0]["height"], rec[0]["status"]) == (UTM, 12, 8, 200)


def test_same_ground_same_pixels_in_a_larger_block(emulator):
    # The 2x block holds the chip at an aligned offset: every recipe must agree to the pixel, including the
    # gap-filled S2 composite (clouds of one month filled from the next).
    for name, period in (("esa_worldcover", "2020"), ("s1", "2020"), ("s2", "2020"), ("s2", "2020-01")):
        img, r = _build(name, period)
        big = _pixels(img, UTM, Affine(10, 0, 640000, 0, -10, 5064000), (160, 160), r.band_names, r.dtype)
        small = _pixels(img, UTM, Affine(10, 0, 640400, 0, -10, 5063600), (80, 80), r.band_names, r.dtype)
        np.testing.assert_array_equal(big[:, 40:120, 40:120], small, err_msg=f"{name} {period}")


def test_periods_differ_and_yearly_s2_composite_fills_cloud_gaps(emulator):
    tr, shape = Affine(10, 0, 640000, 0, -10, 5064000), (200, 200)
    s1_jan, r = _build("s1", "2020-01")
    a = _pixels(s1_jan, UTM, tr, shape, r.band_names, r.dtype)
    b = _pixels(_build("s1", "2020-07")[0], UTM, tr, shape, r.band_names, r.dtype)
    assert not np.array_equal(a, b) and np.corrcoef(a[0].ravel(), b[0].ravel())[0, 1] > 0.3
    s2 = load_catalog()["s2"]
    nd = expressions.server_nodata(s2)
    # One day holding the cloudiest granule of January 2020 over the tile: clouds leave gaps; a year fills them.
    import datetime as dt

    from ee_emulator.assets import s2_granules

    cloudy = max(s2_granules(BOUNDS, dt.date(2020, 1, 1), dt.date(2020, 2, 1)), key=lambda g: g.cloudy_pct)
    day = cloudy.when.date()
    window = f"{day.isoformat()}/{(day + dt.timedelta(days=1)).isoformat()}"
    gaps = {p: float((_pixels(_build("s2", p)[0], UTM, tr, shape, s2.band_names, s2.dtype) == nd).mean())
            for p in (window, "2020")}
    assert cloudy.cloudy_pct > 50 and gaps["2020"] < gaps[window]


def test_same_ground_in_another_crs_gives_the_same_class_at_most_points(emulator):
    from pyproj import Transformer

    img = _wc()
    utm = _pixels(img, UTM, Affine(10, 0, 640000, 0, -10, 5064000), (100, 100))[0]
    to_merc = Transformer.from_crs(32631, 3857, always_xy=True)
    x0, y0 = to_merc.transform(640000, 5064000)
    res = 10 / np.cos(np.radians(45.7))  # ~10 m on the ground
    merc_tr = Affine(res, 0, x0 - 20 * res, 0, -res, y0 + 20 * res)
    merc = _pixels(img, "EPSG:3857", merc_tr, (180, 180))[0]
    cols, rows = np.meshgrid(np.arange(100) + 0.5, np.arange(100) + 0.5)
    mx, my = to_merc.transform(640000 + 10 * cols, 5064000 - 10 * rows)
    inv = ~merc_tr
    mx, my = np.asarray(mx), np.asarray(my)
    c, r = inv.a * mx + inv.b * my + inv.c, inv.d * mx + inv.e * my + inv.f
    same = merc[r.astype(int), c.astype(int)] == utm
    assert same.mean() > 0.85
    classes = set(np.unique(utm).tolist())
    assert len(classes) >= 3 and classes <= {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100}


def test_geotiff_format(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    raw = ee.data.computePixels({"expression": _wc(), "fileFormat": "GEO_TIFF", "grid": _grid(tr, (30, 40))})
    from rasterio.io import MemoryFile

    with MemoryFile(raw) as mem, mem.open() as src:
        assert (src.width, src.height, src.crs.to_epsg()) == (40, 30, 32631)
        np.testing.assert_array_equal(src.read(), _pixels(_wc(), UTM, tr, (30, 40)))


def test_unknown_asset_and_band_get_earth_engines_text(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    with pytest.raises(ee.EEException, match=r"ImageCollection.load: ImageCollection asset 'NOPE/NOPE' not found "
                                             r"\(does not exist or caller does not have access\)."):
        ee.data.computePixels({"expression": ee.ImageCollection("NOPE/NOPE").first(), "grid": _grid(tr, (4, 4)),
                                "fileFormat": "NUMPY_NDARRAY"})
    with pytest.raises(ee.EEException, match=r"Image.load: Image asset 'NOPE/IMG' not found"):
        ee.data.computePixels({"expression": ee.Image("NOPE/IMG"), "grid": _grid(tr, (4, 4)),
                                "fileFormat": "NUMPY_NDARRAY"})
    with pytest.raises(EarthEngineError, match=r"Band pattern 'B99' did not match any bands. "
                                               r"Available bands: \[Map\]") as info:
        _pixels(ee.ImageCollection("ESA/WorldCover/v100").first().select("B99"), UTM, tr, (4, 4))
    assert not info.value.retryable


def test_byte_limit_and_concurrency_cap_answer_like_gee(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    # Default limit: 48 MiB. 4000 x 4000 x (4 bytes + a mask byte) (one int32 band) = 80 MB: refused before any work.
    with pytest.raises(ee.EEException, match=r"Total request size \(80000000 bytes\) must be less than or equal "
                                             r"to 50331648 bytes."):
        ee.data.computePixels({"expression": ee.Image.constant(1).toInt32(), "grid": _grid(tr, (4000, 4000)),
                                "fileFormat": "NUMPY_NDARRAY"})
    old = emulator.knobs.byte_limit
    emulator.knobs.byte_limit = 1000
    try:
        with pytest.raises(EarthEngineError, match="Total request size") as info:
            _pixels(_wc(), UTM, tr, (40, 40))
        assert info.value.too_large
    finally:
        emulator.knobs.byte_limit = old
    emulator.knobs.max_concurrent, old_cap = 0, emulator.knobs.max_concurrent
    try:
        with pytest.raises(EarthEngineError) as info:
            _pixels(_wc(), UTM, tr, (4, 4))
        assert info.value.retryable and "Too many concurrent requests." in str(info.value)
    finally:
        emulator.knobs.max_concurrent = old_cap
    assert emulator.request_log[-1]["status"] == 429


def test_error_rate_injects_retryable_faults(emulator):
    tr = Affine(10, 0, 640000, 0, -10, 5064000)
    emulator.knobs.error_rate = 1.0
    n0 = len(emulator.request_log)
    try:
        for _ in range(16):
            with pytest.raises(EarthEngineError) as info:
                _pixels(_wc(), UTM, tr, (4, 4))
            assert info.value.retryable
    finally:
        emulator.knobs.error_rate = 0.0
    kinds = {r["status"] for r in emulator.request_log[n0:] if r["method"] == "computePixels"}
    assert kinds <= {429, 500, 503, "dropped"} and len(kinds) >= 2
    assert _pixels(_wc(), UTM, tr, (4, 4)).shape == (1, 4, 4)


def _wait(task_name: str, timeout: float = 30.0) -> dict:
    t0 = time.time()
    while time.time() - t0 < timeout:
        op = ee.data.getOperation(task_name)
        if op.get("done"):
            return op
        time.sleep(0.05)
    raise AssertionError("task did not finish")


def _grid_export(name: str, dimensions: str) -> Any:
    """A started WorldCover export to gs://bkt/m3leo/<name>.tif on a 10 m UTM grid at (640000, 5064000)."""
    task = ee.batch.Export.image.toCloudStorage(image=_wc(), description=name, bucket="bkt",
                                                fileNamePrefix=f"m3leo/{name}", crs=UTM,
                                                crsTransform=[10, 0, 640000, 0, -10, 5064000], dimensions=dimensions)
    task.start()
    return task


def test_export_task_lifecycle(emulator):
    task = _grid_export("test1", "80x60")
    op = _wait(task.name)
    assert op["metadata"]["state"] == "SUCCEEDED"
    assert op["metadata"]["destinationUris"] == ["gs://bkt/m3leo/test1.tif"]
    path = Path(emulator.knobs.export_root) / "bkt" / "m3leo" / "test1.tif"
    with rasterio.open(path) as src:
        assert (src.width, src.height, src.crs.to_epsg()) == (80, 60, 32631)
        assert "SYNTHETIC" in src.tags()
        got = src.read()
    direct = _pixels(_wc(), UTM, Affine(10, 0, 640000, 0, -10, 5064000), (60, 80))
    np.testing.assert_array_equal(got, direct)
    assert task.status()["state"] == "COMPLETED"
    names = [o["name"] for o in ee.data.listOperations()]
    assert task.name in names
    old = emulator.knobs.export_failure_rate
    emulator.knobs.export_failure_rate = 1.0
    try:
        t2 = _grid_export("test2", "8x8")
        op2 = _wait(t2.name)
        assert op2["metadata"]["state"] == "FAILED" and op2["error"]["message"]
        assert t2.status()["state"] == "FAILED"
    finally:
        emulator.knobs.export_failure_rate = old
    old_d = emulator.knobs.export_duration_s
    emulator.knobs.export_duration_s = 30
    try:
        t3 = _grid_export("test3", "8x8")
        assert ee.data.getOperation(t3.name)["metadata"]["state"] in ("PENDING", "RUNNING")
        ee.data.cancelOperation(t3.name)
        assert ee.data.getOperation(t3.name)["metadata"]["state"] == "CANCELLED"
    finally:
        emulator.knobs.export_duration_s = old_d


def test_export_with_region_and_scale_and_to_drive(emulator):
    region = ee.Geometry.Rectangle([4.80, 45.70, 4.81, 45.71])
    task = ee.batch.Export.image.toCloudStorage(image=_wc(), description="r1", bucket="bkt",
                                                fileNamePrefix="region/r1", region=region, scale=20, crs=UTM)
    task.start()
    assert _wait(task.name)["metadata"]["state"] == "SUCCEEDED"
    with rasterio.open(Path(emulator.knobs.export_root) / "bkt" / "region" / "r1.tif") as src:
        t = src.transform
        assert src.crs.to_epsg() == 32631 and (t.a, t.e) == (20, -20) and t.c % 20 == 0 and t.f % 20 == 0
        assert 30 <= src.width <= 50 and 50 <= src.height <= 70  # ~780 m x 1110 m
        got, shape = src.read(), (src.height, src.width)
    np.testing.assert_array_equal(got, _pixels(_wc(), UTM, t, shape))
    drive = ee.batch.Export.image.toDrive(image=_wc(), description="d1", folder="fold", fileNamePrefix="d1",
                                          region=region, scale=30)
    drive.start()
    op = _wait(drive.name)
    assert op["metadata"]["state"] == "SUCCEEDED"
    with rasterio.open(op["metadata"]["destinationUris"][0]) as src:
        assert src.crs.to_epsg() == 4326 and src.width > 10


def test_operations_are_paged(emulator):
    region = ee.Geometry.Rectangle([4.80, 45.70, 4.801, 45.701])
    for i in range(2):  # this test's own operations: it must not depend on which tests ran before it
        ee.batch.Export.image.toCloudStorage(image=_wc(), description=f"p{i}", bucket="bkt",
                                             fileNamePrefix=f"paged/p{i}", region=region, scale=20).start()
    url = f"{emulator.url}/v1/projects/m3leo-emulator/operations?pageSize=1"
    with urllib.request.urlopen(url) as resp:
        page = json.loads(resp.read())
    assert len(page["operations"]) == 1 and page["nextPageToken"]
    with urllib.request.urlopen(f"{url}&pageToken={page['nextPageToken']}") as resp:
        page2 = json.loads(resp.read())
    assert page2["operations"][0]["name"] != page["operations"][0]["name"]


def test_responses_say_the_data_is_synthetic(emulator):
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


def _import_graph(package: Path, prefix: str) -> dict[str, set[str]]:
    """Module -> modules of the same package it imports, counting imports inside functions too."""
    import ast

    mods = {}
    for p in package.rglob("*.py"):
        parts = list(p.relative_to(package.parents[prefix.count(".")]).with_suffix("").parts)
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        here = m.split(".") if p.name == "__init__.py" else m.split(".")[:-1]
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(here[:len(here) - node.level + 1] + [node.module or ""]).strip(".") if node.level \
                    else node.module or ""
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in mods:
                    name = name.rpartition(".")[0]
                if name and name != m and name.startswith(prefix):
                    graph[m].add(name)
    return graph


@pytest.mark.parametrize("package", ["ee_emulator", "m3leo_extract.catalog"])
def test_no_import_cycles(package: str) -> None:
    """No module of the emulator (or the catalogue) imports, even lazily, one that imports it back."""
    import importlib

    root = Path(importlib.import_module(package).__file__).parent
    graph = _import_graph(root, package)
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n):] + [n])
            elif n not in state:
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert sum(map(len, graph.values())) >= 2  # the graph was read
    assert cycles == []
