"""Landsat 8 / 9 Collection 2 Level-2 scenes on the WRS-2 grid, in their scene's UTM zone at 30 m.

Through the real `ee` client: scenes over a region and period with their path / row / index, a path's 16-day
revisit and Landsat 9 eight days after Landsat 8, the native grid (north UTM zones even in the south, pixel
corners on odd multiples of 15 m) checked by pyproj, and Collection 2 values (scale and offset, QA_PIXEL).
"""

from __future__ import annotations

import datetime as dt

import ee
import numpy as np
import pytest
from pyproj import Transformer

L8, L9 = "LANDSAT/LC08/C02/T1_L2", "LANDSAT/LC09/C02/T1_L2"
LYON = (4.80, 45.70, 4.83, 45.72)


def _coll(asset: str, box: tuple, start: str, end: str) -> ee.ImageCollection:
    return ee.ImageCollection(asset).filterDate(start, end).filterBounds(ee.Geometry.Rectangle(list(box), None, False))


def _days(ms: list[int]) -> list[dt.date]:
    return [dt.datetime.fromtimestamp(t / 1000, dt.timezone.utc).date() for t in ms]


def test_scenes_on_wrs2_paths_with_their_revisits(emulator):
    info = _coll(L8, LYON, "2022-01-01", "2022-03-01").getInfo()["features"]
    assert info, "Lyon is imaged by Landsat 8"
    by_path: dict[int, list[dt.date]] = {}
    for f in info:
        p = f["properties"]
        day = _days([p["system:time_start"]])[0]
        assert p["system:index"] == f"LC08_{p['WRS_PATH']:03d}{p['WRS_ROW']:03d}_{day:%Y%m%d}"
        assert f["id"] == f"{L8}/{p['system:index']}" and p["SPACECRAFT_ID"] == "LANDSAT_8"
        assert 0 <= p["CLOUD_COVER"] <= 100
        by_path.setdefault(p["WRS_PATH"], []).append(day)
    for days in by_path.values():
        assert all((b - a).days == 16 for a, b in zip(sorted(set(days)), sorted(set(days))[1:], strict=False))
    l9 = _days(_coll(L9, LYON, "2022-01-01", "2022-03-01").aggregate_array("system:time_start").getInfo())
    l8 = {d for days in by_path.values() for d in days}
    assert l9 and all(any(abs((d - e).days) == 8 for e in l8) for d in l9)  # the pair: every 8 days
    assert _coll(L9, LYON, "2021-01-01", "2021-10-01").size().getInfo() == 0  # before Landsat 9's first day
    one = info[0]["properties"]["system:index"]
    assert ee.Image(f"{L8}/{one}").get("WRS_PATH").getInfo() == info[0]["properties"]["WRS_PATH"]


@pytest.mark.parametrize("box", [LYON, (36.80, -20.30, 36.83, -20.28)])
def test_native_grid_is_the_scenes_north_utm_zone_at_30_m(emulator, box):
    img = ee.Image(_coll(L8, box, "2022-01-01", "2022-03-01").first())
    info = img.getInfo()
    ring = np.asarray(info["properties"]["system:footprint"]["coordinates"], dtype=float)
    zone = int(((ring[:, 0].min() + ring[:, 0].max()) / 2 + 180) // 6) + 1
    for b in info["bands"]:
        assert b["crs"] == f"EPSG:{32600 + zone}"  # north zones, south of the equator too
        a, _, c, _, e, f = b["crs_transform"]
        assert (a, e) == (30, -30) and c % 30 == 15 and f % 30 == 15
    b = info["bands"][0]
    x, y = Transformer.from_crs(4326, b["crs"], always_xy=True).transform(ring[:, 0], ring[:, 1])
    a, _, c, _, e, f = b["crs_transform"]
    w, h = b["dimensions"]
    assert (x >= c).all() and (x <= c + a * w).all() and (y <= f).all() and (y >= f + e * h).all()
    assert (f < 0) == (box[1] < 0)  # negative northings in the south
    assert img.select("SR_B4").projection().nominalScale().getInfo() == 30


def test_collection_2_values_scale_offset_and_qa(emulator):
    img = ee.Image(_coll(L8, LYON, "2022-06-01", "2022-08-01").sort("CLOUD_COVER").first())
    crs = img.select("SR_B4").projection().crs().getInfo()
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(LYON[0], LYON[3])
    grid = {"dimensions": {"width": 60, "height": 40}, "crsCode": crs,
            "affineTransform": {"scaleX": 30, "shearX": 0, "translateX": x // 30 * 30 + 15, "shearY": 0,
                                "scaleY": -30, "translateY": y // 30 * 30 + 15}}
    raw = ee.data.computePixels({"expression": img.select(["SR_B4", "SR_B5", "ST_B10", "QA_PIXEL"]),
                                 "fileFormat": "NUMPY_NDARRAY", "grid": grid})
    clear = raw["QA_PIXEL"] == 21824
    assert set(np.unique(raw["QA_PIXEL"])) <= {21824, 22280} and clear.mean() > 0.5
    red, nir = (raw[b][clear] * 2.75e-05 - 0.2 for b in ("SR_B4", "SR_B5"))
    assert (red > 0).all() and (red < 0.6).all() and (nir > 0).all() and (nir < 1).all()
    kelvin = raw["ST_B10"][clear] * 0.00341802 + 149.0
    assert 260 < kelvin.min() and kelvin.max() < 320
    # without filterBounds: one representative global image a month, on the world's lon/lat lattice
    listed = ee.ImageCollection(L8).filterDate("2022-01-01", "2022-03-01")
    assert listed.size().getInfo() == 2 and ee.Image(listed.first()).select("SR_B4").projection().crs().getInfo() \
        == "EPSG:4326"
