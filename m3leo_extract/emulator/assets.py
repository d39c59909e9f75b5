"""The emulator's catalogue: every asset id the shipped recipes use, built from `world.py`.

Collections hold one representative image per month (per orbit for Sentinel-1) with the properties the
recipes filter on, so filterDate / Filter.eq / listContains behave as on Earth Engine.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

import numpy as np

from . import world
from .graph import Band, Coll, EEError, Img

FIRST_YEAR, LAST_YEAR = 2014, 2030


def _ms(year: int, month: int, day: int = 15) -> float:
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc).timestamp() * 1000.0


def _ones(lon: np.ndarray) -> np.ndarray:
    return np.ones(lon.shape, bool)


def _band(name: str, f: Callable[[np.ndarray, np.ndarray], np.ndarray], dtype: str) -> Band:
    return Band(name, lambda lon, lat: (np.asarray(f(lon, lat), dtype="float64"), _ones(lon)), dtype)


def _months() -> list[tuple[int, int]]:
    return [(y, m) for y in range(FIRST_YEAR, LAST_YEAR + 1) for m in range(1, 13)]


def s1_collection() -> Coll:
    imgs = []
    for y, m in _months():
        if (y, m) < (2014, 10):
            continue
        for orbit in ("ASCENDING", "DESCENDING"):
            bands = [_band(b, lambda lon, lat, b=b, m=m, o=orbit: world.s1(lon, lat, b, m, o), "float32")
                     for b in ("VV", "VH")]
            bands.append(_band("angle", world.s1_angle, "float32"))
            imgs.append(Img(bands, {
                "system:time_start": _ms(y, m), "system:index": f"S1A_IW_GRDH_{y:04d}{m:02d}_{orbit[:3]}",
                "instrumentMode": "IW", "transmitterReceiverPolarisation": ["VV", "VH"],
                "orbitProperties_pass": orbit, "resolution_meters": 10}))
    return Coll(imgs, "COPERNICUS/S1_GRD")


def s2_collection() -> Coll:
    imgs = []
    for y, m in _months():
        if (y, m) < (2017, 3):
            continue
        bands = [_band(b, lambda lon, lat, b=b, m=m, y=y: world.s2(lon, lat, b, m, y), "uint16")
                 for b in (*world.S2_BANDS, "SCL", "QA60")]
        imgs.append(Img(bands, {"system:time_start": _ms(y, m), "system:index": f"{y:04d}{m:02d}15T000000_T31TFL",
                                "CLOUDY_PIXEL_PERCENTAGE": 8.0}))
    return Coll(imgs, "COPERNICUS/S2_SR_HARMONIZED")


def cloud_score_collection() -> Coll:
    imgs = []
    for y, m in _months():
        if (y, m) < (2017, 3):
            continue
        cs = _band("cs", lambda lon, lat, m=m, y=y: world.cloud_score(lon, lat, m, y), "float32")
        cdf = _band("cs_cdf", lambda lon, lat, m=m, y=y: world.cloud_score(lon, lat, m, y), "float32")
        imgs.append(Img([cs, cdf], {"system:time_start": _ms(y, m),
                                    "system:index": f"{y:04d}{m:02d}15T000000_T31TFL"}))
    return Coll(imgs, "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED")


def worldcover(version: int) -> Coll:
    year = 2020 if version == 1 else 2021
    img = Img([_band("Map", lambda lon, lat: world.landcover(lon, lat, version), "uint8")],
              {"system:time_start": _ms(year, 1, 1), "system:index": f"ESA_WorldCover_10m_{year}_v{version}00"})
    return Coll([img], f"ESA/WorldCover/v{version}00")


def ghsl_image(epoch: int) -> Img:
    bands = [_band(b, lambda lon, lat, b=b: world.ghs_built(lon, lat, b, epoch), "float32")
             for b in ("built_surface", "built_surface_nres")]
    return Img(bands, {"system:time_start": _ms(epoch, 1, 1), "system:index": str(epoch)})


def modis_vcf_collection() -> Coll:
    imgs = []
    for y in range(2000, LAST_YEAR + 1):
        bands = [_band(b, lambda lon, lat, b=b, y=y: world.modis_vcf(lon, lat, b, y), "uint8")
                 for b in ("Percent_Tree_Cover", "Percent_NonTree_Vegetation", "Percent_NonVegetated",
                           "Quality", "Cloud")]
        imgs.append(Img(bands, {"system:time_start": _ms(y, 3, 6), "system:index": f"{y}_03_06"}))
    return Coll(imgs, "MODIS/061/MOD44B")


def dem_collection() -> Coll:
    bands = [_band("DEM", world.dem, "float32")]
    bands += [_band(b, lambda lon, lat, b=b: world.dem_aux(lon, lat, b), "float32" if b == "HEM" else "uint8")
              for b in ("EDM", "FLM", "HEM", "WBM")]
    return Coll([Img(bands, {"system:time_start": _ms(2019, 1, 1), "system:index": "Copernicus_DSM_10"})],
                "COPERNICUS/DEM/GLO30")


_COLLECTIONS: dict[str, Callable[[], Coll]] = {
    "COPERNICUS/S1_GRD": s1_collection,
    "COPERNICUS/S2_SR_HARMONIZED": s2_collection,
    "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED": cloud_score_collection,
    "ESA/WorldCover/v100": lambda: worldcover(1),
    "ESA/WorldCover/v200": lambda: worldcover(2),
    "MODIS/061/MOD44B": modis_vcf_collection,
    "COPERNICUS/DEM/GLO30": dem_collection,
    "JRC/GHSL/P2023A/GHS_BUILT_S": lambda: Coll([ghsl_image(e) for e in range(1975, 2031, 5)],
                                                "JRC/GHSL/P2023A/GHS_BUILT_S"),
}


def known_assets() -> list[str]:
    return sorted(_COLLECTIONS) + [f"JRC/GHSL/P2023A/GHS_BUILT_S/{e}" for e in range(1975, 2031, 5)]


def load_collection(asset_id: str) -> Coll:
    try:
        return _COLLECTIONS[asset_id]()
    except KeyError:
        raise EEError(f"ImageCollection.load: ImageCollection asset '{asset_id}' not found (does not exist or "
                      "caller does not have access).") from None


def load_image(asset_id: str) -> Img:
    m = re.fullmatch(r"JRC/GHSL/P2023A/GHS_BUILT_S/(\d{4})", asset_id)
    if m and int(m.group(1)) in range(1975, 2031, 5):
        return ghsl_image(int(m.group(1)))
    raise EEError(f"Image.load: Image asset '{asset_id}' not found (does not exist or caller does not have "
                  "access).")


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
