"""The emulator's catalogue: the asset ids the shipped recipes use, as collections shaped like the real ones.

Sentinel-1 and Sentinel-2 collections are made of scenes with footprints and acquisition times
(`footprints.py`): S2 granules on MGRS tiles every 5 days (10 per satellite) with CLOUDY_PIXEL_PERCENTAGE,
MGRS_TILE and SPACECRAFT_NAME; S1 GRD slices along ascending and descending tracks per satellite era, IW
VV+VH over land and HH+HV over the polar regions; Cloud Score+ one image per S2 granule (same system:index);
yearly products up to their last published year; every asset's date coverage from google/earthengine-catalog
(`CATALOGUE`). Those collections are lazy (`LazyColl`): filterBounds and filterDate narrow what is generated,
so only the scenes over a request's region and dates are ever made, and an empty collection is empty where
Earth Engine's would be.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import footprints as fpr
from . import world
from .footprints import GLOBAL, Footprint
from .graph import Band, Coll, EEError, Img

# The catalogue snapshot the emulator imitates (google/earthengine-catalog at 2026-08-07): nothing is acquired
# after this day, whatever the wall clock says, so runs stay deterministic.
EMULATED_NOW = dt.date(2026, 8, 1)


@dataclass(frozen=True)
class AssetInfo:
    """What the public catalogue says of an asset: type, bands, date coverage, status."""

    id: str
    type: str  # IMAGE_COLLECTION | IMAGE
    bands: tuple[tuple[str, str], ...]  # (name, dtype)
    start: dt.date
    end: dt.date | None  # exclusive; None: ongoing
    deprecated: bool = False
    successor: str = ""
    last_year: int | None = None  # yearly products: the last year published (in this snapshot)

    @property
    def band_names(self) -> list[str]:
        return [b for b, _ in self.bands]


_S2 = tuple((b, "uint16") for b in (*world.S2_BANDS, "SCL", "QA60"))
_DEM = (("DEM", "float32"), ("EDM", "uint8"), ("FLM", "uint8"), ("HEM", "float32"), ("WBM", "uint8"))
_VCF = tuple((b, "uint8") for b in ("Percent_Tree_Cover", "Percent_NonTree_Vegetation", "Percent_NonVegetated",
                                     "Quality", "Cloud"))
CATALOGUE: dict[str, AssetInfo] = {a.id: a for a in (
    AssetInfo("COPERNICUS/S1_GRD", "IMAGE_COLLECTION",
              (("VV", "float32"), ("VH", "float32"), ("HH", "float32"), ("HV", "float32"), ("angle", "float32")),
              dt.date(2014, 10, 3), None),
    AssetInfo("COPERNICUS/S2_SR_HARMONIZED", "IMAGE_COLLECTION", _S2, dt.date(2017, 3, 28), None),
    AssetInfo("GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED", "IMAGE_COLLECTION",
              (("cs", "float32"), ("cs_cdf", "float32")), dt.date(2015, 6, 27), None),
    AssetInfo("ESA/WorldCover/v100", "IMAGE_COLLECTION", (("Map", "uint8"),), dt.date(2020, 1, 1),
              dt.date(2021, 1, 1)),
    AssetInfo("ESA/WorldCover/v200", "IMAGE_COLLECTION", (("Map", "uint8"),), dt.date(2021, 1, 1),
              dt.date(2022, 1, 1)),
    AssetInfo("MODIS/061/MOD44B", "IMAGE_COLLECTION", _VCF, dt.date(2000, 3, 5), None, last_year=2024),
    AssetInfo("COPERNICUS/DEM/GLO30", "IMAGE_COLLECTION", _DEM, dt.date(2010, 12, 1), dt.date(2015, 1, 31),
              deprecated=True, successor="COPERNICUS/DEM/GLO30_2024_1"),
    AssetInfo("COPERNICUS/DEM/GLO30_2024_1", "IMAGE_COLLECTION", _DEM, dt.date(2010, 12, 1),
              dt.date(2020, 11, 13)),
    AssetInfo("JRC/GHSL/P2023A/GHS_BUILT_S", "IMAGE_COLLECTION",
              (("built_surface", "float32"), ("built_surface_nres", "float32")), dt.date(1975, 1, 1),
              dt.date(2030, 12, 31)),
)}
S2_GLOBAL_FROM = dt.date(2018, 12, 15)  # before: L2A over Europe only ("2017-2018 L2 coverage ... not global")
GHSL_EPOCHS = tuple(range(1975, 2031, 5))


def _ms(d: dt.date | dt.datetime) -> int:
    """Whole milliseconds, as Earth Engine's system:time_start is."""
    if isinstance(d, dt.datetime):
        return int(round(d.timestamp() * 1000.0))
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp() * 1000)


def _date(ms: float) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.timezone.utc).date()


# -- lazy collections ------------------------------------------------------------------------------------------
Box = tuple[float, float, float, float]
Source = Callable[[Box | None, dt.date, dt.date], list[Img]]


class LazyColl(Coll):
    """A collection generated for the region and dates its filters ask for (Collection.filter calls narrow)."""

    def __init__(self, asset: str, source: Source, box: Box | None = None, start: float = -math.inf,
                 end: float = math.inf, preds: tuple[Callable[[dict], bool], ...] = (),
                 post: Callable[[Img], Img] | None = None, index: str | None = None) -> None:
        self.asset = asset
        self.props: dict = {}
        self._source = source
        self.box, self.start, self.end, self.preds, self.post = box, start, end, preds, post
        self.index = index  # filtered on Filter.eq("system:index", ...): that one scene, found by its index
        self._images: list[Img] | None = None

    def with_post(self, post: Callable[[Img], Img]) -> LazyColl:
        """The same collection with every generated image passed through `post` (catalogue annotations)."""
        return LazyColl(self.asset, self._source, self.box, self.start, self.end, self.preds, post, self.index)

    @property  # type: ignore[override]
    def images(self) -> list[Img]:
        if self._images is None and self.index is not None:
            hit = _FINDERS[self.asset](self.index)
            imgs = [] if hit is None else [self.post(hit) if self.post is not None else hit]
            imgs = [i for i in imgs if self.start <= float(i.props.get("system:time_start", 0)) < self.end]
            for p in self.preds:
                imgs = [i for i in imgs if p(i.props)]
            self._images = imgs
        if self._images is None:
            info = CATALOGUE[self.asset]
            first = max(info.start, _date(self.start) if math.isfinite(self.start) else info.start)
            last = min(info.end or EMULATED_NOW, EMULATED_NOW)
            if math.isfinite(self.end):
                last = min(last, _date(self.end - 1) + dt.timedelta(days=1))
            imgs = self._source(self.box, first, last) if first < last else []
            if self.post is not None:
                imgs = [self.post(i) for i in imgs]
            for p in self.preds:
                imgs = [i for i in imgs if p(i.props)]
            self._images = imgs
        return self._images

    def narrow(self, filt: Callable[[dict], bool]) -> LazyColl:
        box, start, end = self.box, self.start, self.end
        region = getattr(filt, "region", None)
        if region is not None:
            box = region if box is None else (max(box[0], region[0]), max(box[1], region[1]),
                                              min(box[2], region[2]), min(box[3], region[3]))
        dates = getattr(filt, "dates", None)
        if dates is not None:
            start, end = max(start, dates[0]), min(end, dates[1])
        index = self.index
        eq = getattr(filt, "equals", None)
        if eq is not None and eq[0] == "system:index" and self.asset in _FINDERS:
            index = str(eq[1])
        return LazyColl(self.asset, self._source, box, start, end, (*self.preds, filt), self.post, index)

    def find(self, prop: str, value: object) -> Img | None:
        """The image whose `prop` is `value` (linkCollection), without generating the collection."""
        finder = _FINDERS.get(self.asset)
        if finder is not None and prop == "system:index":
            hit = finder(str(value))
            return self.post(hit) if hit is not None and self.post is not None else hit
        return next((i for i in self.images if i.props.get(prop) == value), None)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mid-month days in [start, end): the representative images of a collection asked without filterBounds."""
    out, y, m = [], start.year, start.month
    while dt.date(y, m, 1) < end:
        d = dt.date(y, m, 15)
        if start <= d < end:
            out.append(d)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _global_index(d: dt.date) -> str:
    return f"{d:%Y%m%d}T000000_GLOBAL"


def _scene_band(name: str, fp: Footprint, f: Callable[[np.ndarray, np.ndarray], np.ndarray], dtype: str) -> Band:
    """A band with pixels inside its footprint only; outside, masked and never computed."""
    def fn(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        inside = fp.contains(lon, lat) if fp.kind != "global" else np.ones(lon.shape, bool)
        if not inside.any():
            return np.zeros(lon.shape), inside
        return np.asarray(f(lon, lat), dtype="float64"), inside
    return Band(name, fn, dtype)


# -- Sentinel-2 and Cloud Score+ -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Granule:
    tile: fpr.Tile
    when: dt.datetime
    spacecraft: str

    @property
    def index(self) -> str:
        stamp = self.when.strftime("%Y%m%dT%H%M%S")
        return f"{stamp}_{stamp}_T{self.tile.name}"

    @property
    def cloudy_pct(self) -> float:
        """CLOUDY_PIXEL_PERCENTAGE: many clear granules, many overcast ones (a skewed, seeded draw)."""
        tile = np.int64(zlib.crc32(self.tile.name.encode()) % 100_000)
        u = float(world.hash2(np.int64(self.when.toordinal()), tile, 61))
        return round(100.0 * u ** 1.7, 4)

    @property
    def sky_salt(self) -> int:
        return self.when.toordinal() % 100_000  # one weather per day: neighbouring tiles share their clouds


_granules: OrderedDict[str, Granule] = OrderedDict()
_granule_lock = threading.Lock()


def _remember(g: Granule) -> None:
    with _granule_lock:
        _granules[g.index] = g
        while len(_granules) > 200_000:
            _granules.popitem(last=False)


def s2_granules(box: Box, start: dt.date, end: dt.date) -> list[Granule]:
    out = []
    for tile in fpr.s2_tiles(box):
        europe = fpr._box_overlap(tile.footprint.outer, fpr.EUROPE)
        for day, sat in fpr.s2_dates(tile, start, end):
            if day < S2_GLOBAL_FROM and not europe:
                continue
            local = 10.5 - tile.centre[0] / 15.0  # 10:30 mean local time at the descending node
            when = dt.datetime.combine(day, dt.time(), dt.timezone.utc) + dt.timedelta(hours=local % 24)
            g = Granule(tile, when, sat)
            _remember(g)
            out.append(g)
    return out


def _s2_image(g: Granule) -> Img:
    fp, month, salt, frac = g.tile.footprint, g.when.month, g.sky_salt, g.cloudy_pct / 100.0
    bands = [_scene_band(b, fp, lambda lon, lat, b=b: world.s2_scene(lon, lat, b, month, salt, frac), "uint16")
             for b, _ in _S2]
    return Img(bands, {"system:time_start": _ms(g.when), "system:index": g.index, "MGRS_TILE": g.tile.name,
                       "SPACECRAFT_NAME": g.spacecraft, "CLOUDY_PIXEL_PERCENTAGE": g.cloudy_pct,
                       **_sun(g.tile.centre[1], g.when), "system:footprint": fp.polygon(), "_utm": _tile_corner(fp)})


def _sun(lat: float, when: dt.datetime) -> dict[str, float]:
    """MEAN_SOLAR_ZENITH / AZIMUTH_ANGLE near 10:30 local solar time (declination by day of year)."""
    decl = 23.44 * math.sin(math.radians(360.0 * (when.timetuple().tm_yday - 81) / 365.0))
    zenith = min(89.0, abs(lat - decl) + 8.0)
    azimuth = 150.0 + 0.2 * decl if lat >= decl else 30.0 - 0.2 * decl  # sun to the south (north) of the tile
    return {"MEAN_SOLAR_ZENITH_ANGLE": round(zenith, 4), "MEAN_SOLAR_AZIMUTH_ANGLE": round(azimuth, 4)}


def _cs_image(g: Granule) -> Img:
    fp, salt, frac = g.tile.footprint, g.sky_salt, g.cloudy_pct / 100.0
    bands = [_scene_band(b, fp, lambda lon, lat: world.sky(lon, lat, salt, frac), "float32") for b in ("cs", "cs_cdf")]
    return Img(bands, {"system:time_start": _ms(g.when), "system:index": g.index, "system:footprint": fp.polygon(),
                       "_utm": _tile_corner(fp)})


def _tile_corner(fp: Footprint) -> tuple[int, bool, float, float]:
    """(zone, south, west easting, north northing) of a tile: where its native grids start (`native.py`)."""
    return fp.zone, fp.south, fp.rect[0], fp.rect[3]


def _s2_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    if box is None:  # a global listing is millions of granules: one representative image a month instead
        return [_s2_global(d) for d in _months(start, end)]
    return [_s2_image(g) for g in s2_granules(box, max(start, CATALOGUE["COPERNICUS/S2_SR_HARMONIZED"].start), end)]


def _s2_global(d: dt.date) -> Img:
    bands = [_scene_band(b, GLOBAL, lambda lon, lat, b=b: world.s2(lon, lat, b, d.month, d.year), "uint16")
             for b, _ in _S2]
    return Img(bands, {"system:time_start": _ms(d), "system:index": _global_index(d), "MGRS_TILE": "GLOBAL",
                       "SPACECRAFT_NAME": "Sentinel-2A", "CLOUDY_PIXEL_PERCENTAGE": 8.0,
                       "MEAN_SOLAR_ZENITH_ANGLE": 40.0, "MEAN_SOLAR_AZIMUTH_ANGLE": 150.0})


def _cs_global(d: dt.date) -> Img:
    bands = [_scene_band(b, GLOBAL, lambda lon, lat: world.cloud_score(lon, lat, d.month, d.year), "float32")
             for b in ("cs", "cs_cdf")]
    return Img(bands, {"system:time_start": _ms(d), "system:index": _global_index(d)})


def _cs_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    if box is None:
        return [_cs_global(d) for d in _months(start, end)]
    return [_cs_image(g) for g in s2_granules(box, start, end)]


def _granule_find(index: str, global_image: Callable[[dt.date], Img],
                  granule_image: Callable[[Granule], Img]) -> Img | None:
    """The scene `system:index` names: a monthly global fallback image, or a generated granule (S2 and its CS+)."""
    if index.endswith("_GLOBAL"):
        return global_image(dt.datetime.strptime(index[:8], "%Y%m%d").date())
    with _granule_lock:
        g = _granules.get(index)
    return granule_image(g) if g is not None else None


def _s2_find(index: str) -> Img | None:
    return _granule_find(index, _s2_global, _s2_image)


def _cs_find(index: str) -> Img | None:
    return _granule_find(index, _cs_global, _cs_image)


# -- Sentinel-1 -----------------------------------------------------------------------------------------------
POLAR_HH = ((-75.0, 59.0, -10.0, 84.0), (-180.0, 70.0, 180.0, 90.0), (-180.0, -90.0, 180.0, -60.0))
S1_BORDER_KM = 3.0  # GRD border noise: near-zero backscatter along the swath edges


def _s1_image(p: fpr.Pass) -> Img:
    fp = p.footprint
    polar = any(fpr._box_overlap(fp.outer, b) and fp.outer[1] >= b[1] - 1 for b in POLAR_HH)
    pols = ("HH", "HV") if polar else ("VV", "VH")
    month, scene = p.time.month, p.orbit

    def value(lon: np.ndarray, lat: np.ndarray, b: str) -> np.ndarray:
        v = world.s1(lon, lat, b, month, p.direction, scene)
        edge = np.abs(fp.cross_track_km(lon, lat)) > fpr.S1_HALF_SWATH_KM - S1_BORDER_KM
        return np.where(edge, -35.0, v)

    def angle(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        d = fp.cross_track_km(lon, lat) * (1 if p.direction == "ASCENDING" else -1)
        return 29.1 + (np.clip(d, -125, 125) + 125.0) / 250.0 * (46.0 - 29.1)

    bands = [_scene_band(b, fp, lambda lon, lat, b=b: value(lon, lat, b), "float32") for b in pols]
    bands.append(_scene_band("angle", fp, angle, "float32"))
    stamp = p.time.strftime("%Y%m%dT%H%M%S")
    return Img(bands, {
        "system:time_start": _ms(p.time), "system:index": f"{p.satellite}_IW_GRDH_1SDV_{stamp}_{p.orbit:06d}_"
                                                          f"{p.slice_ % 1000:03d}",
        "instrumentMode": "IW", "transmitterReceiverPolarisation": list(pols), "orbitProperties_pass": p.direction,
        "platform_number": p.satellite[-1], "relativeOrbitNumber_start": p.relative_orbit,
        "resolution_meters": 10, "system:footprint": fp.polygon()})


def _s1_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    if box is None:  # one representative image a month per orbit direction, covering the world
        return [_s1_global(d, o) for d in _months(start, end) for o in ("ASCENDING", "DESCENDING")]
    return [_s1_image(p) for p in fpr.s1_passes(box, start, end)]


def _s1_global(d: dt.date, orbit: str) -> Img:
    bands = [_scene_band(b, GLOBAL, lambda lon, lat, b=b: world.s1(lon, lat, b, d.month, orbit), "float32")
             for b in ("VV", "VH")]
    bands.append(_scene_band("angle", GLOBAL, world.s1_angle, "float32"))
    return Img(bands, {"system:time_start": _ms(d), "system:index": f"S1_GRD_{d:%Y%m}_{orbit[:3]}_GLOBAL",
                       "instrumentMode": "IW", "transmitterReceiverPolarisation": ["VV", "VH"],
                       "orbitProperties_pass": orbit, "resolution_meters": 10})


# -- static and yearly products ---------------------------------------------------------------------------------
def _band(name: str, f: Callable[[np.ndarray, np.ndarray], np.ndarray], dtype: str) -> Band:
    return _scene_band(name, GLOBAL, f, dtype)


def worldcover(version: int) -> Coll:
    year = 2020 if version == 1 else 2021
    img = Img([_band("Map", lambda lon, lat: world.landcover(lon, lat, version), "uint8")],
              {"system:time_start": _ms(dt.date(year, 1, 1)),
               "system:index": f"ESA_WorldCover_10m_{year}_v{version}00"})
    return Coll([img], f"ESA/WorldCover/v{version}00")


def ghsl_image(epoch: int) -> Img:
    bands = [_band(b, lambda lon, lat, b=b: world.ghs_built(lon, lat, b, epoch), "float32")
             for b in ("built_surface", "built_surface_nres")]
    return Img(bands, {"system:time_start": _ms(dt.date(epoch, 1, 1)), "system:index": str(epoch)})


def _vcf_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    info = CATALOGUE["MODIS/061/MOD44B"]
    imgs = []
    for y in range(2000, (info.last_year or 2000) + 1):
        day = dt.date(y, 3, 5 if y == 2000 else 6)
        if not start <= day < end:
            continue
        bands = [_band(b, lambda lon, lat, b=b, y=y: world.modis_vcf(lon, lat, b, y), "uint8") for b, _ in _VCF]
        imgs.append(Img(bands, {"system:time_start": _ms(day), "system:index": f"{y}_03_0{day.day}"}))
    return imgs


def _dem_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    """1 x 1 degree tiles over the box (the whole world as one image when no box is given)."""
    cells = [(None, None)] if box is None else [
        (i, j) for j in range(math.floor(box[1]), math.floor(box[3]) + 1)
        for i in range(math.floor(box[0]), math.floor(box[2]) + 1)]
    imgs = []
    for i, j in cells:
        fp = GLOBAL if i is None else Footprint("box", (float(i), float(j), i + 1.0, j + 1.0))
        bands = [_scene_band("DEM", fp, world.dem, "float32")]
        bands += [_scene_band(b, fp, lambda lon, lat, b=b: world.dem_aux(lon, lat, b), d) for b, d in _DEM[1:]]
        name = "Copernicus_DSM_10" if i is None else (f"Copernicus_DSM_COG_10_{'N' if j >= 0 else 'S'}{abs(j):02d}_00_"
                                                      f"{'E' if i >= 0 else 'W'}{abs(i):03d}_00_DEM")
        imgs.append(Img(bands, {"system:time_start": _ms(dt.date(2019, 1, 1)), "system:index": name,
                                "system:footprint": fp.polygon()}))
    return imgs


def _ghsl_source(box: Box | None, start: dt.date, end: dt.date) -> list[Img]:
    return [ghsl_image(e) for e in GHSL_EPOCHS if start <= dt.date(e, 1, 1) < end]


_LAZY: dict[str, Source] = {
    "COPERNICUS/S1_GRD": _s1_source,
    "COPERNICUS/S2_SR_HARMONIZED": _s2_source,
    "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED": _cs_source,
    "MODIS/061/MOD44B": _vcf_source,
    "COPERNICUS/DEM/GLO30": _dem_source,
    "COPERNICUS/DEM/GLO30_2024_1": _dem_source,
    "JRC/GHSL/P2023A/GHS_BUILT_S": _ghsl_source,
}
_FINDERS: dict[str, Callable[[str], Img | None]] = {"GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED": _cs_find,
                                                    "COPERNICUS/S2_SR_HARMONIZED": _s2_find}
_EAGER: dict[str, Callable[[], Coll]] = {
    "ESA/WorldCover/v100": lambda: worldcover(1),
    "ESA/WorldCover/v200": lambda: worldcover(2),
}


def register(info: AssetInfo, source: Source, finder: Callable[[str], Img | None] | None = None) -> None:
    """Add a lazy collection to the catalogue (its scenes made by `source`, found by `finder`; landsat.py)."""
    CATALOGUE[info.id] = info
    _LAZY[info.id] = source
    if finder is not None:
        _FINDERS[info.id] = finder


def known_assets() -> list[str]:
    return sorted(CATALOGUE) + [f"JRC/GHSL/P2023A/GHS_BUILT_S/{e}" for e in GHSL_EPOCHS]


def deprecation(asset_id: str) -> str | None:
    """Earth Engine's note for a deprecated asset (the catalogue's 'gee:status': 'deprecated'), else None."""
    info = CATALOGUE.get(asset_id)
    if info is None or not info.deprecated:
        return None
    return f"Attention required for {asset_id}! You are using a deprecated asset. To make sure your code keeps " \
           f"working, please update it. Learn more: use {info.successor} instead."


def load_collection(asset_id: str) -> Coll:
    if asset_id in _LAZY:
        return LazyColl(asset_id, _LAZY[asset_id])
    try:
        return _EAGER[asset_id]()
    except KeyError:
        raise EEError(f"ImageCollection.load: ImageCollection asset '{asset_id}' not found (does not exist or "
                      "caller does not have access).") from None


def load_image(asset_id: str) -> Img:
    m = re.fullmatch(r"JRC/GHSL/P2023A/GHS_BUILT_S/(\d{4})", asset_id)
    if m and int(m.group(1)) in GHSL_EPOCHS:
        return ghsl_image(int(m.group(1)))
    raise EEError(f"Image.load: Image asset '{asset_id}' not found (does not exist or caller does not have "
                  "access).")


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]
