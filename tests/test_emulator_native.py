"""Native projections as Google's catalogue gives them, through the real `ee` client and Xee.

Sentinel-2 granules in their MGRS tile's UTM zone with per-band resolutions, Sentinel-1 scenes in the UTM zone
of their centre, WorldCover at 1/12000 degree, GLO-30 tiles at 1 arc-second, composites in EPSG:4326 at 1
degree; `projection()`, `nominalScale()`, `reproject`, computePixels without a grid; and our extract's chips
unchanged by any of it (they ask for their own grid).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import ee
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Transformer

BOX = (4.800, 45.700, 4.806, 45.704)  # near Lyon, MGRS 31TFL
S2 = "COPERNICUS/S2_SR_HARMONIZED"


def _region() -> ee.Geometry:
    return ee.Geometry.Rectangle(list(BOX), None, False)


def _granule() -> ee.Image:
    return ee.Image(ee.ImageCollection(S2).filterDate("2021-06-01", "2021-07-01").filterBounds(_region()).first())


def _tile_epsg(mgrs: str) -> str:
    zone, band = int(mgrs[:2]), mgrs[2]
    return f"EPSG:{(32600 if band >= 'N' else 32700) + zone}"


def _inside(ring: list, crs: str, t: list[float], dims: list[int]) -> bool:
    """Every vertex of a lon/lat ring lies on the grid (crs, transform, dimensions), by pyproj."""
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(*np.asarray(ring, dtype=float).T)
    a, _, c, _, e, f = t
    return bool((x >= c - 1e-6).all() and (x <= c + a * dims[0] + 1e-6).all()
                and (y <= f + 1e-6).all() and (y >= f + e * dims[1] - 1e-6).all())


def test_sentinel2_granules_are_in_their_mgrs_tiles_utm_zone_per_band(emulator):
    img = _granule()
    info = img.getInfo()
    tile = info["properties"]["MGRS_TILE"]
    bands = {b["id"]: b for b in info["bands"]}
    crs = _tile_epsg(tile)
    assert {b["crs"] for b in bands.values()} == {crs}
    for name, scale in (("B2", 10), ("B4", 10), ("B8", 10), ("B5", 20), ("B11", 20), ("SCL", 20), ("B1", 60),
                        ("B9", 60), ("QA60", 60)):
        a, b, c, d, e, f = bands[name]["crs_transform"]
        assert (a, b, d, e) == (scale, 0, 0, -scale) and bands[name]["dimensions"] == [109_800 // scale] * 2
        assert (c, f) == tuple(bands["B2"]["crs_transform"][i] for i in (2, 5))  # one tile origin
    c, f = bands["B2"]["crs_transform"][2], bands["B2"]["crs_transform"][5]
    assert c % 100_000 == 0 and f % 100_000 == 0  # the tile's corner on the 100 km lattice
    # the region the collection was filtered on lies on the granule's own grid (by pyproj)
    assert _inside([[BOX[0], BOX[1]], [BOX[2], BOX[3]]], crs, bands["B2"]["crs_transform"], bands["B2"]["dimensions"])
    assert img.select("B4").projection().getInfo() == {"type": "Projection", "crs": crs,
                                                       "transform": bands["B4"]["crs_transform"]}
    assert img.select("B4").projection().nominalScale().getInfo() == 10
    assert img.select("B1").projection().nominalScale().getInfo() == 60
    assert img.select("B4").projection().crs().getInfo() == crs
    with pytest.raises(ee.EEException, match="contains different projections. Use Image.select"):
        img.projection().getInfo()
    # assets.get reports the same per-band grids
    rec = ee.data.getAsset(f"{S2}/{info['properties']['system:index']}")
    grids = {b["id"]: b["grid"] for b in rec["bands"]}
    assert grids["B1"]["crsCode"] == crs and grids["B1"]["affineTransform"]["scaleX"] == 60
    assert grids["B4"]["dimensions"] == {"width": 10980, "height": 10980}
    # Cloud Score+ shares its granule's 10 m grid
    cs = ee.Image(ee.ImageCollection("GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED").filterBounds(_region())
                  .filterDate("2021-06-01", "2021-07-01").first()).getInfo()
    assert cs["bands"][0]["crs"] == crs and cs["bands"][0]["crs_transform"] == bands["B4"]["crs_transform"]


def test_sentinel1_scenes_are_in_the_utm_zone_of_their_centre(emulator):
    s1 = ee.Image(ee.ImageCollection("COPERNICUS/S1_GRD").filterDate("2021-06-01", "2021-07-01")
                  .filterBounds(_region()).first())
    info = s1.getInfo()
    ring = info["properties"]["system:footprint"]["coordinates"]
    lon_c = (min(p[0] for p in ring) + max(p[0] for p in ring)) / 2
    vv = next(b for b in info["bands"] if b["id"] == "VV")
    assert vv["crs"] == f"EPSG:{32600 + int((lon_c + 180) // 6) + 1}"
    a, _, c, _, e, f = vv["crs_transform"]
    assert (a, e) == (10, -10) and c % 10 == 0 and f % 10 == 0
    assert _inside(ring, vv["crs"], vv["crs_transform"], vv["dimensions"])
    assert s1.select("VV").projection().nominalScale().getInfo() == 10


def test_worldcover_dem_and_composites_as_the_catalogue_gives_them(emulator):
    wc = ee.Image(ee.ImageCollection("ESA/WorldCover/v200").first()).getInfo()["bands"][0]
    assert wc["crs"] == "EPSG:4326" and wc["dimensions"] == [4_320_000, 1_728_000]
    assert wc["crs_transform"] == pytest.approx([1 / 12000, 0, -180, 0, -1 / 12000, 84])
    dem = ee.Image(ee.ImageCollection("COPERNICUS/DEM/GLO30_2024_1").filterBounds(_region()).first())
    info = dem.getInfo()
    assert info["properties"]["system:index"] == "Copernicus_DSM_COG_10_N45_00_E004_00_DEM"
    band = info["bands"][0]
    assert band["crs"] == "EPSG:4326" and band["dimensions"] == [3600, 3600]
    assert band["crs_transform"] == pytest.approx([1 / 3600, 0, 4, 0, -1 / 3600, 46])
    assert dem.select("DEM").projection().nominalScale().getInfo() == pytest.approx(111_320 / 3600)
    comp = ee.ImageCollection(S2).filterDate("2021-06-01", "2021-09-01").filterBounds(_region()).median()
    assert comp.projection().getInfo() == {"type": "Projection", "crs": "EPSG:4326", "transform": [1, 0, 0, 0, 1, 0]}
    assert "dimensions" not in comp.getInfo()["bands"][0]


def test_reproject_and_set_default_projection_replace_every_bands_grid(emulator):
    img = _granule().select(["B1", "B4"])
    re = img.reproject("EPSG:3857", None, 30)
    proj = re.projection().getInfo()
    assert proj["crs"] == "EPSG:3857" and proj["transform"] == [30, 0, 0, 0, -30, 0]
    assert re.projection().nominalScale().getInfo() == 30
    assert {b["crs"] for b in re.getInfo()["bands"]} == {"EPSG:3857"}
    sd = img.setDefaultProjection("EPSG:4326", [0.001, 0, 4.8, 0, -0.001, 45.71])
    assert sd.projection().getInfo()["transform"] == [0.001, 0, 4.8, 0, -0.001, 45.71]
    assert sd.projection().nominalScale().getInfo() == pytest.approx(111.32)


def test_compute_pixels_without_a_grid_uses_the_native_grid(emulator):
    b4 = _granule().select("B4")
    # a whole 10 m band is 10980 x 10980 x (2 + 1 mask) bytes: over the 48 MiB limit, refused as Earth Engine does
    with pytest.raises(ee.EEException, match="Total request size"):
        ee.data.computePixels({"expression": b4, "fileFormat": "NUMPY_NDARRAY"})
    clipped = b4.clipToBoundsAndScale(geometry=_region(), scale=10)
    band = clipped.getInfo()["bands"][0]
    assert band["crs"] == b4.projection().crs().getInfo()  # cut in the band's own UTM projection
    raw = ee.data.computePixels({"expression": clipped, "fileFormat": "NUMPY_NDARRAY"})
    w, h = band["dimensions"]
    t = Affine(*band["crs_transform"])
    grid = {"dimensions": {"width": w, "height": h}, "crsCode": band["crs"],
            "affineTransform": {"scaleX": t.a, "shearX": t.b, "translateX": t.c, "shearY": t.d, "scaleY": t.e,
                                "translateY": t.f}}
    direct = ee.data.computePixels({"expression": b4, "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    assert raw.shape == (h, w) and raw["B4"].any()
    np.testing.assert_array_equal(raw["B4"], direct["B4"])


xee = pytest.importorskip("xee")
xr = pytest.importorskip("xarray")


def test_xee_opens_sentinel2_on_its_native_utm_grid(emulator):
    coll = ee.ImageCollection(S2).filterDate("2021-06-01", "2021-07-01").filterBounds(_region()).select(["B4"])
    native = xee.helpers.extract_grid_params(coll)
    first = ee.Image(coll.first())
    crs = _tile_epsg(first.get("MGRS_TILE").getInfo())
    assert native["crs"] == crs and native["shape_2d"] == (10980, 10980)
    a, b, c, d, e, f = native["crs_transform"]
    assert (a, e) == (10, -10)
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(BOX[0], BOX[3])
    col, row = int((x - c) // a), int((y - f) // e)  # a 40 x 30 window of the native grid over BOX
    grid = {"crs": crs, "crs_transform": (a, b, c + col * a, d, e, f + row * e), "shape_2d": (40, 30)}
    ds = xr.open_dataset(coll.filter(ee.Filter.eq("MGRS_TILE", first.get("MGRS_TILE"))), engine="ee",
                         **grid).load()
    assert float(ds.x.min()) == pytest.approx(c + (col + 0.5) * a)  # UTM metres, pixel centres
    direct = ee.data.computePixels({
        "expression": first, "fileFormat": "NUMPY_NDARRAY",
        "grid": {"dimensions": {"width": 40, "height": 30}, "crsCode": crs,
                 "affineTransform": {"scaleX": a, "shearX": b, "translateX": c + col * a, "shearY": d,
                                     "scaleY": e, "translateY": f + row * e}}})
    np.testing.assert_array_equal(ds.B4.isel(time=0).transpose("y", "x").values, direct["B4"])


# sha256 (first 16 hex digits) of every chip of a small extract, recorded on main before native projections:
# the recipes set their own grid, so what a band reports as its native grid must not change a chip.
CHIPS_BEFORE = {"s2": "47a958cea35160a5", "s1": "9b3215d560cb8a96", "esa_worldcover": "b2816c51f7b7e0bb",
                "dem": "1d79f5455de50934", "ghs_built_s": "5ac8ad8ce6d159f5", "modis_vcf": "5c1b49b649c14812"}


def test_extract_chips_are_unchanged_by_native_projections(emulator, tmp_path):
    from m3leo_extract.catalog import load_catalog, parse_periods
    from m3leo_extract.extract import extract
    from m3leo_extract.store import ChipStore

    cat = load_catalog()
    recipes = [replace(cat[n], resolution=40.0) for n in CHIPS_BEFORE]
    rep = extract(tmp_path, shapely.box(4.80, 45.72, 4.86, 45.76), recipes, parse_periods("2021-06"),
                  ee_url=emulator.url)
    assert rep.ok
    st = ChipStore.open(tmp_path)
    got = {}
    for r in recipes:
        h = hashlib.sha256()
        for cid in sorted(st.chip_ids(r.name)):
            h.update(np.ascontiguousarray(st.read_chip(r.name, cid)).tobytes())
        got[r.name] = h.hexdigest()[:16]
    assert got == CHIPS_BEFORE
