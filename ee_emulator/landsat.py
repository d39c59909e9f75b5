"""Landsat 8 and 9 Collection 2 Tier 1 Level-2 scenes (LANDSAT/LC08/C02/T1_L2, LANDSAT/LC09/C02/T1_L2).

- WRS-2 scenes: 233 paths (numbered westward, path 1 crossing the equator near 64.6 W on its descending
  pass, about 10:11 local time), rows of ~1.45 degrees along the track (row 60 at the equator), a 185 km swath
  (USGS' WRS-2 and Landsat 8/9 data users handbooks). Each path is acquired every 16 days, neighbouring paths
  7 days apart; Landsat 9 flies 8 days after Landsat 8.
- Pixels from the same synthetic world as Sentinel-2 (band by band: coastal, blue, green, red, NIR, SWIR 1,
  SWIR 2), as Collection 2 surface reflectance DN (reflectance = DN x 2.75e-05 - 0.2), surface temperature
  ST_B10 (K = DN x 0.00341802 + 149), QA_PIXEL (21824 clear, 22280 cloud: the common Collection 2 values),
  under each scene's own clouds (about its CLOUD_COVER).
- Native projection (`native.py`): the UTM zone of the scene centre at 30 m, north zones (EPSG:326zz) even
  south of the equator, as Landsat's Collection 2 products are, pixel corners on odd multiples of 15 m.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from . import assets, world
from .footprints import GLOBAL, Footprint
from .graph import Img

PATHS, ROW_DEG, EQUATOR_ROW = 233, 1.45, 60
PATH1_LON = -64.6  # descending equator crossing of path 1
HALF_SWATH_KM = 92.5
DRIFT = -0.21  # descending track: westward going south (as footprints' Sentinel-1 descending passes)
REVISIT = 16
EPOCH = dt.date(2013, 3, 18)  # a Landsat 8 day on path 1's cycle (T1_L2 starts here)
_S2_EQUIV = {"SR_B1": "B1", "SR_B2": "B2", "SR_B3": "B3", "SR_B4": "B4", "SR_B5": "B8", "SR_B6": "B11",
             "SR_B7": "B12"}
BANDS = (*((b, "uint16") for b in _S2_EQUIV), ("SR_QA_AEROSOL", "uint8"), ("ST_B10", "uint16"),
         ("QA_PIXEL", "uint16"), ("QA_RADSAT", "uint16"))
MISSIONS = {"LANDSAT/LC08/C02/T1_L2": ("LC08", "LANDSAT_8", dt.date(2013, 3, 18), 0),
            "LANDSAT/LC09/C02/T1_L2": ("LC09", "LANDSAT_9", dt.date(2021, 10, 31), 8)}
CLEAR, CLOUD = 21824, 22280


def _path_lon(path: int) -> float:
    return ((PATH1_LON - (path - 1) * 360.0 / PATHS) + 180.0) % 360.0 - 180.0


def _footprint(path: int, row: int) -> Footprint:
    lat_c = -(row - EQUATOR_ROW) * ROW_DEG
    lat0, lat1 = lat_c - ROW_DEG / 2 - 0.1, lat_c + ROW_DEG / 2 + 0.1  # scenes overlap a little along track
    lon_eq = _path_lon(path)
    lats = np.array([lat0, lat1])
    centres = lon_eq - DRIFT * lats
    half = HALF_SWATH_KM / (111.32 * np.maximum(np.cos(np.radians(lats)), 0.05))
    outer = (float((centres - half).min()), float(lat0), float((centres + half).max()), float(lat1))
    return Footprint("swath", outer, None, rect=(lon_eq, DRIFT, HALF_SWATH_KM, 0.0))


def _scenes(box: assets.Box) -> list[tuple[int, int, Footprint]]:
    lo, la, hi, ha = box
    rows = range(int(math.floor(EQUATOR_ROW - ha / ROW_DEG)) - 1, int(math.ceil(EQUATOR_ROW - la / ROW_DEG)) + 2)
    out = []
    lat_c = (la + ha) / 2
    reach = HALF_SWATH_KM / (111.32 * max(math.cos(math.radians(lat_c)), 0.05)) + (hi - lo) / 2 + \
        abs(DRIFT) * ROW_DEG + 0.5
    for path in range(1, PATHS + 1):
        d = (_path_lon(path) - DRIFT * lat_c - (lo + hi) / 2 + 180.0) % 360.0 - 180.0
        if abs(d) > reach:  # this path's track is far from the box
            continue
        for row in rows:
            if not 1 <= row <= 122:  # the descending (daylight) rows between ~82 N and ~82 S
                continue
            fp = _footprint(path, row)
            o = fp.outer
            if o[0] <= hi and lo <= o[2] and o[1] <= ha and la <= o[3]:
                xs = np.linspace(lo, hi, 5)
                ys = np.linspace(max(la, o[1]), min(ha, o[3]), 5)
                gx, gy = np.meshgrid(xs, ys)
                if fp.contains(gx, gy).any():
                    out.append((path, row, fp))
    return out


def _days(path: int, offset: int, start: dt.date, end: dt.date) -> list[dt.date]:
    phase = (7 * (path - 1) + offset) % REVISIT
    k = -(-((start - EPOCH).days - phase) // REVISIT)
    d = EPOCH + dt.timedelta(days=k * REVISIT + phase)
    out = []
    while d < end:
        out.append(d)
        d += dt.timedelta(days=REVISIT)
    return out


def _cloud_cover(path: int, row: int, day: dt.date) -> float:
    u = float(world.hash2(np.int64(day.toordinal()), np.int64(path * 1000 + row), 67))
    return round(100.0 * u ** 1.7, 2)


def _image(asset_id: str, path: int, row: int, day: dt.date, fp: Footprint) -> Img:
    code, sat, _, _ = MISSIONS[asset_id]
    cover = _cloud_cover(path, row, day)
    salt, frac, month = day.toordinal() % 100_000, cover / 100.0, day.month
    local = 10.18 - fp.rect[0] / 15.0
    when = dt.datetime.combine(day, dt.time(), dt.timezone.utc) + dt.timedelta(hours=local % 24)

    def value(lon: np.ndarray, lat: np.ndarray, b: str) -> np.ndarray:
        sky = world.sky(lon, lat, salt, frac)
        if b == "QA_PIXEL":
            return np.where(sky < 0.3, CLOUD, CLEAR)
        if b in ("SR_QA_AEROSOL", "QA_RADSAT"):
            return np.zeros(np.shape(lon))
        if b == "ST_B10":
            kelvin = 288.0 + 12.0 * world.season(month) - 25.0 * (sky < 0.3)
            return np.round((kelvin - 149.0) / 0.00341802)
        refl = world.s2_scene(lon, lat, _S2_EQUIV[b], month, salt, frac) / 10000.0
        return np.clip(np.round((refl + 0.2) / 2.75e-05), 1, 65455)

    bands = [assets._scene_band(b, fp, lambda lon, lat, b=b: value(lon, lat, b), d) for b, d in BANDS]
    return Img(bands, {
        "system:time_start": assets._ms(when), "system:index": f"{code}_{path:03d}{row:03d}_{day:%Y%m%d}",
        "SPACECRAFT_ID": sat, "WRS_PATH": path, "WRS_ROW": row, "CLOUD_COVER": cover, "CLOUD_COVER_LAND": cover,
        "SUN_AZIMUTH": 140.0, "SUN_ELEVATION": 50.0 + 10.0 * world.season(month), "COLLECTION_CATEGORY": "T1",
        "system:footprint": fp.polygon()})


def _global(asset_id: str, day: dt.date) -> Img:
    """The representative image of a month for listings without filterBounds (WRS path / row 0, no footprint:
    the world's lattice as its grid)."""
    code, sat, _, _ = MISSIONS[asset_id]
    salt, month = day.toordinal() % 100_000, day.month

    def value(lon: np.ndarray, lat: np.ndarray, b: str) -> np.ndarray:
        if b in ("QA_PIXEL", "SR_QA_AEROSOL", "QA_RADSAT", "ST_B10"):
            return np.full(np.shape(lon), {"QA_PIXEL": CLEAR, "ST_B10": 40_000}.get(b, 0))
        refl = world.s2_scene(lon, lat, _S2_EQUIV[b], month, salt, 0.0) / 10000.0
        return np.clip(np.round((refl + 0.2) / 2.75e-05), 1, 65455)

    bands = [assets._scene_band(b, GLOBAL, lambda lon, lat, b=b: value(lon, lat, b), d) for b, d in BANDS]
    return Img(bands, {"system:time_start": assets._ms(day), "system:index": f"{code}_000000_{day:%Y%m%d}",
                       "SPACECRAFT_ID": sat, "WRS_PATH": 0, "WRS_ROW": 0, "CLOUD_COVER": 0.0})


def source(asset_id: str) -> assets.Source:
    _, _, first, offset = MISSIONS[asset_id]

    def make(box: assets.Box | None, start: dt.date, end: dt.date) -> list[Img]:
        if box is None:  # a global listing is millions of scenes: one representative global image a month
            return [_global(asset_id, d) for d in assets._months(max(start, first), end)]
        out = []
        for path, row, fp in _scenes(box):
            for day in _days(path, offset, max(start, first), end):
                out.append(_image(asset_id, path, row, day, fp))
        return sorted(out, key=lambda i: i.props["system:time_start"])
    return make


def find(asset_id: str):  # type: ignore[no-untyped-def]
    """Image by system:index (LC08_PPPRRR_YYYYMMDD): every scene is a function of its path, row and day."""
    code = MISSIONS[asset_id][0]

    def f(index: str) -> Img | None:
        parts = index.split("_")
        if len(parts) != 3 or parts[0] != code or len(parts[1]) != 6:
            return None
        path, row = int(parts[1][:3]), int(parts[1][3:])
        day = dt.datetime.strptime(parts[2], "%Y%m%d").date()
        if path == 0 and row == 0:
            return _global(asset_id, day)
        if not (1 <= path <= PATHS and 1 <= row <= 122) or day not in _days(path, MISSIONS[asset_id][3], day,
                                                                               day + dt.timedelta(days=1)):
            return None
        return _image(asset_id, path, row, day, _footprint(path, row))
    return f


def register() -> None:
    for asset_id, (_, _, first, _) in MISSIONS.items():
        assets.register(assets.AssetInfo(asset_id, "IMAGE_COLLECTION", BANDS, first, None), source(asset_id),
                        find(asset_id))

