"""Independent Earth Engine clients, unmodified, against the emulator over HTTP: Xee, geedim and geemap.

They are the judges: each call is what their own documentation shows, and every pixel they bring back must
equal `ee.data.computePixels` on the same grid (and, for one chip, what `m3leo extract` stored). The clients
come from the `clients` extra (`pip install -e ".[dev,clients]"`); without it the module is skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings

import ee
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

xee = pytest.importorskip("xee")
xr = pytest.importorskip("xarray")

UTM = "EPSG:32631"
BOX = (4.800, 45.700, 4.806, 45.704)  # ~470 x 445 m near Lyon
S2 = "COPERNICUS/S2_SR_HARMONIZED"


def geojson(box: tuple[float, float, float, float]) -> dict:
    x0, y0, x1, y1 = box
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _region() -> ee.Geometry:
    return ee.Geometry.Rectangle(list(BOX), None, False)


def _s2() -> ee.ImageCollection:
    return ee.ImageCollection(S2).filterDate("2021-06-01", "2021-08-01").filterBounds(_region())


def _s1() -> ee.ImageCollection:
    return (ee.ImageCollection("COPERNICUS/S1_GRD").filterDate("2021-06-01", "2021-07-01")
            .filter(ee.Filter.eq("instrumentMode", "IW")).select(["VV", "VH"]))


def _grid(crs: str, t: Affine, width: int, height: int) -> dict:
    return {"dimensions": {"width": width, "height": height}, "crsCode": crs,
            "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c, "shearY": t.d,
                                "scaleY": t.e, "translateY": t.f}}


def _direct(image: ee.Image, crs: str, t: Affine, width: int, height: int) -> np.ndarray:
    """(band, h, w) float64 from ee.data.computePixels on the grid."""
    raw = ee.data.computePixels({"expression": image, "fileFormat": "NUMPY_NDARRAY",
                                 "grid": _grid(crs, t, width, height)})
    return np.stack([raw[n].astype(np.float64) for n in raw.dtype.names])


# -- Xee ----------------------------------------------------------------------------------------------------
def _xee_matches_compute_pixels(coll: ee.ImageCollection, grid: dict) -> xr.Dataset:
    ds = xr.open_dataset(coll, engine="ee", **grid).load()
    t = Affine(*grid["crs_transform"])
    w, h = grid["shape_2d"]
    images = coll.toList(coll.size()).getInfo()
    assert ds.sizes["time"] == len(images) > 0
    for i, info in enumerate(images):
        direct = _direct(ee.Image(info["id"]).select(list(ds.data_vars)), grid["crs"], t, w, h)
        for k, var in enumerate(ds.data_vars):
            # Xee's dims are (time, x, y): transpose to (y, x)
            np.testing.assert_array_equal(ds[var].isel(time=i).transpose("y", "x").values, direct[k], var)
        got_t = ds.time.values[i].astype("datetime64[ms]").astype(np.int64)
        assert got_t == info["properties"]["system:time_start"]
    return ds


def test_xee_opens_and_loads_sentinel2_on_a_utm_grid(emulator):
    grid = xee.helpers.fit_geometry(shapely.box(*BOX), grid_crs=UTM, grid_scale=(10.0, -10.0))
    ds = _xee_matches_compute_pixels(_s2().select(["B4", "B8"]), grid)
    assert set(ds.data_vars) == {"B4", "B8"} and ds.sizes["x"] == grid["shape_2d"][0]
    assert float(ds.B8.mean()) > 0


def test_xee_opens_and_loads_sentinel1(emulator):
    grid = xee.helpers.fit_geometry(shapely.box(*BOX), grid_crs=UTM, grid_scale=(10.0, -10.0))
    ds = _xee_matches_compute_pixels(_s1(), grid)
    assert ds.sizes["time"] == 2  # one ascending and one descending pass this month
    assert -40 < float(ds.VV.mean()) < 5


def test_xee_on_worldcovers_native_grid(emulator):
    wc = ee.Image(ee.ImageCollection("ESA/WorldCover/v200").first())
    native = xee.helpers.extract_grid_params(wc)
    assert native["crs"] == "EPSG:4326" and native["shape_2d"][0] > 1_000_000  # global 10 m
    a, b, c, d, e, f = native["crs_transform"]
    col, row = int((BOX[0] - c) // a), int((BOX[3] - f) // e)  # a window of the native grid over BOX
    grid = {"crs": native["crs"], "crs_transform": (a, b, c + col * a, d, e, f + row * e), "shape_2d": (40, 30)}
    ds = _xee_matches_compute_pixels(ee.ImageCollection([wc]), grid)
    assert set(np.unique(ds.Map.values)) <= {10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100}


def test_xee_reads_a_chip_as_m3leo_extract_stored_it(emulator, tmp_path):
    from m3leo_extract.catalog import load_catalog
    from m3leo_extract.catalog.period import parse_periods
    from m3leo_extract.extract import extract
    from m3leo_extract.grid import Chip
    from m3leo_extract.store import ChipStore

    recipe = load_catalog()["esa_worldcover"]
    rep = extract(tmp_path, shapely.box(4.80, 45.72, 4.81, 45.73), [recipe], parse_periods("2021"),
                  ee_url=emulator.url)
    assert rep.ok
    store = ChipStore.open(tmp_path)
    cid = store.chip_ids("esa_worldcover")[0]
    stored = store.read_chip("esa_worldcover", cid)
    chip = Chip.from_id(cid)
    t = chip.transform(recipe.resolution)
    grid = {"crs": chip.crs, "crs_transform": tuple(t)[:6], "shape_2d": (stored.shape[2], stored.shape[1])}
    ds = xr.open_dataset(ee.ImageCollection("ESA/WorldCover/v200").select(["Map"]), engine="ee", **grid).load()
    np.testing.assert_array_equal(ds.Map.isel(time=0).transpose("y", "x").values, stored[0])


# -- geedim -------------------------------------------------------------------------------------------------
geedim = pytest.importorskip("geedim")


def _prepared_matches_compute_pixels(prep: ee.Image, got: np.ndarray) -> None:
    """`got` (h, w, band) from geedim equals computePixels on the prepared image's own grid."""
    info = prep.getInfo()["bands"][0]
    w, h = info["dimensions"]
    direct = _direct(prep, info["crs"], Affine(*info["crs_transform"]), w, h)
    np.testing.assert_array_equal(np.moveaxis(np.asarray(got, dtype=np.float64), -1, 0), direct)


def test_geedim_prepare_for_export_to_numpy_and_geotiff(emulator, tmp_path):
    img = ee.Image(_s2().first()).select(["B4", "B8"])
    prep = img.gd.prepareForExport(crs=UTM, region=_region(), scale=10, dtype="uint16")
    arr = prep.gd.toNumPy()
    assert arr.dtype == np.uint16 and arr.shape[2] == 2 and arr.shape[0] > 30
    _prepared_matches_compute_pixels(prep, arr)
    path = tmp_path / "s2.tif"
    prep.gd.toGeoTIFF(path)
    with rasterio.open(path) as src:
        assert src.crs.to_string() == UTM and (src.transform.a, src.transform.e) == (10, -10)
        np.testing.assert_array_equal(np.moveaxis(src.read(), 0, -1), arr)


def test_geedim_cloud_masked_median_composite(emulator):
    coll = _s2().filterDate("2021-01-01", "2022-01-01")
    # No `region`: geedim would size its cloud portions from Google's STAC catalogue (a download). Until the
    # emulator gave the collection its `system:id`, geedim did not see Sentinel-2 and skipped that (and masking).
    assert coll.gd.cloudSupport
    comp = coll.gd.composite(method="median", mask=True)
    prep = comp.select(["B4", "B8"]).gd.prepareForExport(crs=UTM, region=_region(), scale=10, dtype="uint16")
    arr = prep.gd.toNumPy()
    _prepared_matches_compute_pixels(prep, arr)
    assert (arr > 0).all()  # gaps under the months' clouds are filled from the others


# -- geemap -------------------------------------------------------------------------------------------------
geemap = pytest.importorskip("geemap")


def _native_window(img: ee.Image, scale: float) -> tuple[str, Affine, int, int]:
    """The grid clipToBoundsAndScale(region, scale) gives (what ee_to_numpy and downloads use)."""
    info = img.clipToBoundsAndScale(geometry=_region(), scale=scale).getInfo()["bands"][0]
    w, h = info["dimensions"]
    return info["crs"], Affine(*info["crs_transform"]), w, h


def test_geemap_ee_to_numpy_and_ee_export_image(emulator, tmp_path):
    img = ee.Image(_s2().first()).select(["B4", "B8"])
    arr = geemap.ee_to_numpy(img, region=_region(), scale=10)
    crs, t, w, h = _native_window(img, 10)
    assert arr.shape == (h, w, 2)
    np.testing.assert_array_equal(np.moveaxis(arr.astype(np.float64), -1, 0), _direct(img, crs, t, w, h))
    path = tmp_path / "b4.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geemap.ee_export_image(img.select(["B4"]), str(path), scale=10, region=_region(), verbose=False)
    with rasterio.open(path) as src:
        got, tif_t, shape = src.read(), src.transform, (src.width, src.height)
        assert src.crs.to_string() == crs == img.select("B4").projection().crs().getInfo()  # the band's own UTM
    np.testing.assert_array_equal(got.astype(np.float64), _direct(img.select(["B4"]), crs, tif_t, *shape))


def test_geemap_image_props_dates_and_scale(emulator):
    img = ee.Image(_s2().first())
    info = img.getInfo()
    props = geemap.image_props(img).getInfo()
    start = dt.datetime.fromtimestamp(info["properties"]["system:time_start"] / 1000, dt.timezone.utc)
    assert props["IMAGE_DATE"] == start.strftime("%Y-%m-%d")
    assert props["system:time_start"] == start.strftime("%Y-%m-%d %H:%M:%S")
    # bands of different resolutions: geemap reports each band's own scale, as the catalogue gives them
    assert props["NOMINAL_SCALE"] == {"B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20,
                                      "B8": 10, "B8A": 20, "B9": 60, "B11": 20, "B12": 20, "SCL": 20, "QA60": 60}
    assert props["system:index"] == info["properties"]["system:index"]
    dates = geemap.image_dates(_s2()).getInfo()
    listed = ee.data.listImages({"parent": S2, "startTime": "2021-06-01T00:00:00Z",
                                 "endTime": "2021-08-01T00:00:00Z", "region": json.dumps(geojson(BOX))})["images"]
    assert dates == [i["startTime"][:10] for i in listed] and len(dates) == 12  # 31TFL every 5 days
    assert geemap.image_scale(img.select("B4")).getInfo() == pytest.approx(10.0)


def test_geemap_image_stats_equal_numpy_over_the_same_pixels(emulator):
    img = ee.Image(_s2().first()).select(["B4"])
    stats = geemap.image_stats(img, region=_region(), scale=10).getInfo()
    crs, t, w, h = _native_window(img, 10)
    v = _direct(img, crs, t, w, h)[0]
    cols, rows = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    x, y = Transformer.from_crs(crs, 4326, always_xy=True).transform(*(t * (cols, rows)))  # the band's UTM
    inside = (x > BOX[0]) & (x < BOX[2]) & (y > BOX[1]) & (y < BOX[3])  # pixel centres in the region
    vals = v[inside]
    assert stats["min"]["B4"] == vals.min() and stats["max"]["B4"] == vals.max()
    assert stats["sum"]["B4"] == pytest.approx(vals.sum())
    assert stats["mean"]["B4"] == pytest.approx(vals.mean())
    assert stats["std"]["B4"] == pytest.approx(vals.std())


def test_clients_against_the_m3leo_emulator_command(emulator, tmp_path):
    """The installed `m3leo emulator` in its own process, and a fresh Python with Xee talking to it (geemap's
    import alone takes ~10 s; the in-process tests above cover it over the same HTTP)."""
    import os
    import subprocess
    import sys

    server = subprocess.Popen(["m3leo", "emulator", "--port", "0", "--export-root", str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        url = line.split(" on ", 1)[1].split(";", 1)[0].strip()
        script = f"""
import ee, numpy as np, shapely, xarray as xr, xee
from google.auth.credentials import AnonymousCredentials
ee.Initialize(credentials=AnonymousCredentials(), project="demo", opt_url={url!r})
region = ee.Geometry.Rectangle({list(BOX)!r}, None, False)
img = ee.Image(ee.ImageCollection({S2!r}).filterDate("2021-06-01", "2021-07-01").filterBounds(region)
               .first()).select(["B8"])
arr = ee.data.computePixels({{"expression": img.clipToBoundsAndScale(geometry=region, scale=10),
                              "fileFormat": "NUMPY_NDARRAY"}})["B8"][..., None]
grid = xee.helpers.fit_geometry(shapely.box(*{BOX!r}), grid_crs={UTM!r}, grid_scale=(10.0, -10.0))
ds = xr.open_dataset(ee.ImageCollection([img]), engine="ee", **grid).load()
np.save({str(tmp_path / "np.npy")!r}, arr)
np.save({str(tmp_path / "xee.npy")!r}, ds.B8.isel(time=0).transpose("y", "x").values)
print(grid["crs_transform"], grid["shape_2d"])
"""
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
    img = ee.Image(ee.ImageCollection(S2).filterDate("2021-06-01", "2021-07-01").filterBounds(_region())
                   .first()).select(["B8"])
    crs, t, w, h = _native_window(img, 10)
    np.testing.assert_array_equal(np.load(tmp_path / "np.npy")[..., 0].astype(np.float64),
                                  _direct(img, crs, t, w, h)[0])
    grid = xee.helpers.fit_geometry(shapely.box(*BOX), grid_crs=UTM, grid_scale=(10.0, -10.0))
    w, h = grid["shape_2d"]
    np.testing.assert_array_equal(np.load(tmp_path / "xee.npy"), _direct(img, UTM, Affine(*grid["crs_transform"]),
                                                                           w, h)[0])
