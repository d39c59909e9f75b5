"""Where and when the synthetic satellites look: footprints and acquisition plans, imitating the real ones.

- Sentinel-2 granules sit on MGRS tiles: 109.8 km squares in their UTM zone, on a 100 km lattice (so
  neighbours overlap by 9.8 km), named as MGRS names them (zone, latitude band, 100 km square letters:
  Lyon is 31TFL). Each satellite revisits every 10 days, the pair every 5 (ESA's Sentinel-2 mission guide);
  tiles under one swath share their dates.
- Sentinel-1 scenes lie along the orbit: a sun-synchronous orbit of 175 orbits per 12-day cycle (ESA's
  Sentinel-1 user guide), ascending nodes near 18:00 local time and descending near 06:00, a 250 km IW swath
  whose ground track drifts west with latitude, cut into slices along the track.

Footprints are tested per pixel in lon/lat (UTM by Snyder's series, metre-accurate in a zone) after a
bounding-box test, so an image that misses a strip of pixels costs almost nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np

# WGS84
_A = 6378137.0
_E2 = 0.00669437999014
_EP2 = _E2 / (1 - _E2)
_K0 = 0.9996


def utm_xy(lon: np.ndarray, lat: np.ndarray, zone: int, south: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """UTM easting/northing (Snyder's transverse Mercator series): vectorised, metres, no PROJ call."""
    phi = np.radians(lat)
    lam = np.radians(np.asarray(lon, dtype=np.float64) - (6.0 * zone - 183.0))
    lam = (lam + math.pi) % (2 * math.pi) - math.pi
    s, c = np.sin(phi), np.cos(phi)
    n = _A / np.sqrt(1 - _E2 * s * s)
    t = (s / np.maximum(c, 1e-12)) ** 2
    cc = _EP2 * c * c
    a = c * lam
    e4, e6 = _E2 * _E2, _E2 ** 3
    m = _A * ((1 - _E2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi - (3 * _E2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024)
              * np.sin(2 * phi) + (15 * e4 / 256 + 45 * e6 / 1024) * np.sin(4 * phi) - (35 * e6 / 3072)
              * np.sin(6 * phi))
    x = 500000.0 + _K0 * n * (a + (1 - t + cc) * a ** 3 / 6 + (5 - 18 * t + t * t) * a ** 5 / 120)
    y = _K0 * (m + n * np.tan(phi) * (a * a / 2 + (5 - t + 9 * cc + 4 * cc * cc) * a ** 4 / 24))
    return x, (y + 10_000_000.0 if south else y)


def _box_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _box_inside(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return b[0] <= a[0] and a[2] <= b[2] and b[1] <= a[1] and a[3] <= b[3]


@dataclass(frozen=True)
class Footprint:
    """Where an image has pixels. `outer` / `inner`: lon/lat boxes wholly containing / contained in it."""

    kind: str  # "global" | "box" | "utm" | "swath"
    outer: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)
    inner: tuple[float, float, float, float] | None = None
    zone: int = 0
    south: bool = False
    rect: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # utm: e0, n0, e1, n1; swath: see below
    # swath: rect = (lon at the equator, westward drift in lon degrees per degree of latitude, half width km, 0)

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.kind == "global" or lon.size == 0:
            return np.ones(lon.shape, bool)
        box = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        if not _box_overlap(box, self.outer):
            return np.zeros(lon.shape, bool)
        if self.kind == "box" or (self.inner is not None and _box_inside(box, self.inner)):
            if self.kind != "box" or _box_inside(box, self.outer):
                return np.ones(lon.shape, bool)
            o = self.outer
            return (lon >= o[0]) & (lon <= o[2]) & (lat >= o[1]) & (lat <= o[3])
        if self.kind == "utm":
            x, y = utm_xy(lon, lat, self.zone, self.south)
            e0, n0, e1, n1 = self.rect
            return (x >= e0) & (x < e1) & (y >= n0) & (y < n1)
        return np.abs(self.cross_track_km(lon, lat)) <= self.rect[2]

    def cross_track_km(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Swath: signed distance from the ground track, km (positive east)."""
        lon_eq, drift, _, _ = self.rect
        centre = lon_eq - drift * lat
        d = (lon - centre + 180.0) % 360.0 - 180.0
        inside_lat = (lat >= self.outer[1]) & (lat <= self.outer[3])
        return np.where(inside_lat, d * 111.32 * np.cos(np.radians(lat)), np.inf)

    def polygon(self) -> dict:
        """The outer box as Earth Engine reports `system:footprint`: a LinearRing of lon/lat."""
        x0, y0, x1, y1 = self.outer
        return {"type": "LinearRing", "coordinates": [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]}


GLOBAL = Footprint("global")


def region_box(geometry: object) -> tuple[float, float, float, float] | None:
    """The lon/lat bounding box of a filterBounds geometry as the evaluator hands it over, or None."""
    pts: list[tuple[float, float]] = []

    def walk(x: object) -> None:
        if hasattr(x, "geometry") and not isinstance(x, dict):  # the evaluator's Feature
            walk(x.geometry)  # type: ignore[attr-defined]
        elif isinstance(x, dict):
            for k in ("coordinates", "geometry", "geoJson", "geometries"):
                if k in x:
                    walk(x[k])
        elif isinstance(x, (list, tuple)):
            if len(x) >= 2 and all(isinstance(v, (int, float)) for v in x):
                if len(x) == 4 and not pts and all(isinstance(v, (int, float)) for v in x):
                    pts.extend([(float(x[0]), float(x[1])), (float(x[2]), float(x[3]))])
                else:
                    pts.append((float(x[0]), float(x[1])))
            else:
                for v in x:
                    walk(v)

    walk(geometry)
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def footprint_box(props: dict) -> tuple[float, float, float, float] | None:
    fp = props.get("system:footprint")
    return region_box(fp) if fp else None


# -- Sentinel-2: MGRS tiles --------------------------------------------------------------------------------
_ROWS = "ABCDEFGHJKLMNPQRSTUV"
_COLS = ("ABCDEFGH", "JKLMNPQR", "STUVWXYZ")
_BANDS = "CDEFGHJKLMNPQRSTUVWX"
TILE_M = 109_800.0
S2_LAT_LIMITS = (-56.0, 84.0)  # the catalogue's extent for the L2A collection


def mgrs_name(zone: int, south: bool, k: int, m: int, lat: float) -> str:
    """The MGRS name of tile (100 km column k, row m) in a zone: e.g. 31TFL."""
    band = _BANDS[min(19, max(0, int((lat + 80) // 8)))]
    col = _COLS[(zone - 1) % 3][(k - 1) % 8]
    row_i = m + (5 if zone % 2 == 0 else 0)
    return f"{zone:02d}{band}{col}{_ROWS[row_i % 20]}"


@dataclass(frozen=True)
class Tile:
    name: str
    footprint: Footprint
    centre: tuple[float, float]


@functools.lru_cache(maxsize=128)
def _to_lonlat(zone: int, south: bool):  # type: ignore[no-untyped-def]
    from pyproj import Transformer

    return Transformer.from_crs(32700 + zone if south else 32600 + zone, 4326, always_xy=True)


def _lonlat_of_utm(x: np.ndarray, y: np.ndarray, zone: int, south: bool) -> tuple[np.ndarray, np.ndarray]:
    return _to_lonlat(zone, south).transform(x, y)


def s2_tiles(box: tuple[float, float, float, float]) -> list[Tile]:
    """MGRS tiles whose square meets a lon/lat box (both zones near a zone edge, as on the real grid)."""
    lo, la, hi, ha = box
    la, ha = max(la, S2_LAT_LIMITS[0]), min(ha, S2_LAT_LIMITS[1])
    if la > ha:
        return []
    out = []
    z0, z1 = int((lo + 180) // 6) + 1 - 1, int((hi + 180) // 6) + 1 + 1  # neighbours reach over the edge
    for zone in range(max(1, z0), min(60, z1) + 1):
        for south in ({la < 0, ha < 0}):
            gx = np.linspace(lo, hi, 9)
            gy = np.linspace(max(la, 0.0) if not south else la, min(ha, 0.0) if south else ha, 9)
            xx, yy = utm_xy(*np.meshgrid(gx, gy), zone, south)
            k0, k1 = int((xx.min() - TILE_M) // 1e5) + 1, int(xx.max() // 1e5)
            m0, m1 = int((yy.min()) // 1e5), int((yy.max() + 9_800.0) // 1e5)
            for k in range(max(1, k0), min(8, k1) + 1):
                for m in range(m0, m1 + 1):
                    t = _tile(zone, south, k, m)
                    if t is not None and _box_overlap(t.footprint.outer, box):
                        out.append(t)
    return out


@functools.lru_cache(maxsize=65536)
def _tile(zone: int, south: bool, k: int, m: int) -> Tile | None:
    e0, n1 = 1e5 * k, 1e5 * (m + 1)
    e1, n0 = e0 + TILE_M, n1 - TILE_M
    xs = np.array([e0, e1, e1, e0, (e0 + e1) / 2, e0, e1, (e0 + e1) / 2])
    ys = np.array([n0, n0, n1, n1, (n0 + n1) / 2, (n0 + n1) / 2, (n0 + n1) / 2, n0])
    lon, lat = _lonlat_of_utm(xs, ys, zone, south)  # EPSG:327xx has the 10 000 km false northing too
    centre = (float(lon[4]), float(lat[4]))
    central = 6.0 * zone - 183.0
    if abs(centre[0] - central) > 4.0 or not S2_LAT_LIMITS[0] <= centre[1] <= S2_LAT_LIMITS[1]:
        return None  # beyond what the zone's MGRS tiles cover
    # The UTM square is convex in lon/lat only approximately: pad the outer box, shrink the inner.
    outer = (float(lon.min()) - 0.01, float(lat.min()) - 0.01, float(lon.max()) + 0.01, float(lat.max()) + 0.01)
    inner = (float(np.sort(lon[[0, 3, 5]])[-1]) + 0.02, float(np.sort(lat[[0, 1, 7]])[-1]) + 0.02,
             float(np.sort(lon[[1, 2, 6]])[0]) - 0.02, float(np.sort(lat[[2, 3]])[0]) - 0.02)
    fp = Footprint("utm", outer, inner if inner[0] < inner[2] and inner[1] < inner[3] else None, zone, south,
                   (e0, n0, e1, n1))
    return Tile(mgrs_name(zone, south, k, m, centre[1]), fp, centre)


S2_EPOCH = dt.date(2015, 6, 23)  # Sentinel-2A's first acquisitions
S2_SATS = (("Sentinel-2A", dt.date(2015, 6, 23), None, 0), ("Sentinel-2B", dt.date(2017, 3, 7), None, 5),
           ("Sentinel-2C", dt.date(2025, 1, 21), None, 0))
S2_REVISIT_DAYS = 10  # per satellite; the pair gives 5


def s2_dates(tile: Tile, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """(date, spacecraft) of the tile's acquisitions in [start, end): tiles under one swath share them.

    Sentinel-2C took over Sentinel-2A's slot on 2025-01-21 (ESA), so after that date the 2A slot is 2C's.
    """
    phase = int((tile.centre[0] + 180.0) / 360.0 * 143) * 3 % S2_REVISIT_DAYS  # 143 relative orbits in 10 days
    out = []
    for name, first, last, offset in S2_SATS:
        d0 = max(first, start)
        k = -(-((d0 - S2_EPOCH).days - phase - offset) // S2_REVISIT_DAYS)
        d = S2_EPOCH + dt.timedelta(days=k * S2_REVISIT_DAYS + phase + offset)
        while d < end:
            if name == "Sentinel-2A" and d >= dt.date(2025, 1, 21):
                break
            if d >= first and (last is None or d < last):
                out.append((d, name))
            d += dt.timedelta(days=S2_REVISIT_DAYS)
    return sorted(out)


# -- Sentinel-1: orbits and swaths ---------------------------------------------------------------------------
S1_PERIOD_S = 12 * 86400 / 175  # 175 orbits in the 12-day repeat cycle
S1_NODE_SHIFT = 360.0 * S1_PERIOD_S / 86400  # westward shift of successive ascending nodes (~24.7 deg)
S1_DRIFT = 0.21  # westward drift of the ground track, lon degrees per degree of latitude (ascending)
S1_HALF_SWATH_KM = 125.0  # IW: 250 km
S1_SLICE_DEG = 1.6  # along-track extent of one GRD slice (about 25 s of data)
# (name, first, end exclusive, offset of its orbit phase in days): S1B failed on 2021-12-23; S1C took its
# phasing on 2025-05-20 (ESA mission status pages).
S1_SATS = (("S1A", dt.date(2014, 10, 3), None, 0.0), ("S1B", dt.date(2016, 9, 26), dt.date(2021, 12, 23), 6.0),
           ("S1C", dt.date(2025, 5, 20), None, 6.0))
S1_EPOCH = dt.datetime(2014, 10, 3, tzinfo=dt.timezone.utc)
EUROPE = (-25.0, 34.0, 45.0, 72.0)  # acquired in both directions by every satellite (observation scenario)


@dataclass(frozen=True)
class Pass:
    satellite: str
    orbit: int  # absolute
    direction: str
    time: dt.datetime
    footprint: Footprint
    slice_: int

    @property
    def relative_orbit(self) -> int:
        return self.orbit % 175 + 1


def s1_passes(box: tuple[float, float, float, float], start: dt.date, end: dt.date) -> list[Pass]:
    """Every S1 slice over a lon/lat box in [start, end), per satellite era and observation scenario.

    Outside Europe, while only one satellite flies (before S1B, and between S1B's failure and S1C) the
    ascending passes are not acquired: those seasons have one orbit direction only.
    """
    lo, la, hi, ha = box
    lat_c = (la + ha) / 2
    coslat = max(math.cos(math.radians(lat_c)), 0.05)
    half_deg = S1_HALF_SWATH_KM / (111.32 * coslat) + (hi - lo) / 2
    in_europe = _box_overlap(box, EUROPE)
    out: list[Pass] = []
    t0 = dt.datetime.combine(start, dt.time(), dt.timezone.utc)
    t1 = dt.datetime.combine(end, dt.time(), dt.timezone.utc)
    for sat, first, last, offset in S1_SATS:
        a = max(t0, dt.datetime.combine(first, dt.time(), dt.timezone.utc))
        b = t1 if last is None else min(t1, dt.datetime.combine(last, dt.time(), dt.timezone.utc))
        if a >= b:
            continue
        base = (S1_EPOCH - S1_EPOCH).total_seconds() + offset * 86400
        n0 = int(((a - S1_EPOCH).total_seconds() - base) // S1_PERIOD_S)
        n1 = int(((b - S1_EPOCH).total_seconds() - base) // S1_PERIOD_S) + 1
        n = np.arange(n0, n1 + 1)
        tn = base + n * S1_PERIOD_S  # ascending node times, s since the epoch
        utc_h = ((tn + S1_EPOCH.hour * 3600) % 86400) / 3600.0
        for direction in ("ASCENDING", "DESCENDING"):
            if direction == "ASCENDING":
                lon_eq, drift, tpass = 15.0 * (18.0 - utc_h), S1_DRIFT, tn
            else:  # half an orbit later, on the night side of the node: 06:00 local
                lon_eq, drift, tpass = 15.0 * (6.0 - utc_h - 12.0 * S1_PERIOD_S / 86400), -S1_DRIFT, \
                    tn + S1_PERIOD_S / 2
            centre = lon_eq - drift * lat_c
            d = (centre - (lo + hi) / 2 + 180.0) % 360.0 - 180.0
            for i in np.flatnonzero(np.abs(d) <= half_deg):
                when = S1_EPOCH + dt.timedelta(seconds=float(tpass[i]))
                if not a <= when < b or (direction == "ASCENDING" and not in_europe and _single(when.date())):
                    continue
                leq = float((lon_eq[i] + 180.0) % 360.0 - 180.0)
                for j in range(int(math.floor(la / S1_SLICE_DEG)), int(math.floor(ha / S1_SLICE_DEG)) + 1):
                    out.append(Pass(sat, int(n[i]), direction, when, _swath(leq, drift, j), j))
    return sorted(out, key=lambda p: (p.time, p.slice_))


def _single(day: dt.date) -> bool:
    """Only one Sentinel-1 satellite flying that day."""
    return sum(f <= day < (e or dt.date.max) for _, f, e, _ in S1_SATS) <= 1


def _swath(lon_eq: float, drift: float, j: int) -> Footprint:
    lat0, lat1 = j * S1_SLICE_DEG, j * S1_SLICE_DEG + S1_SLICE_DEG + 0.1  # slices overlap a little
    lats = np.array([lat0, lat1])
    centres = lon_eq - drift * lats
    half = S1_HALF_SWATH_KM / (111.32 * np.maximum(np.cos(np.radians(lats)), 0.05))
    outer = (float((centres - half).min()), lat0, float((centres + half).max()), lat1)
    inner_w = float((centres + half).min() - (centres - half).max())
    inner = ((float((centres - half).max()) + 0.01, lat0 + 0.01, float((centres + half).min()) - 0.01, lat1 - 0.01)
             if inner_w > 0.05 else None)
    return Footprint("swath", outer, inner, rect=(lon_eq, drift, S1_HALF_SWATH_KM, 0.0))
