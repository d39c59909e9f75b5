"""A synthetic Earth: every band of every known asset as a deterministic function of ground coordinates.

Nothing here is real data. A seeded land-cover field (ESA WorldCover's 11 classes, realistic frequencies,
features of ~0.3-3 km so a 4 x 4 km chip holds several classes) drives every other layer: Sentinel-1
backscatter, Sentinel-2 reflectance, Cloud Score+, elevation, built-up surface, MODIS vegetation fractions.

Each asset has a native lattice in lon/lat degrees: a point is snapped to its lattice cell (nearest
neighbour) and the value is a function of that cell only, so the same ground gives the same pixel whatever
CRS or grid a request uses. All functions take flat or 2-D float64 `lon`, `lat` arrays and return arrays of
the same shape; they are pure numpy.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

SEED = 20240611
M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)

# ESA WorldCover class codes with global-ish frequencies (tree, shrub, grass, crop, built, bare, snow,
# water, wetland, mangrove, moss). Built-up comes from its own overlay field; the rest from one ordering.
CLASSES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)
# Ordering along the "terrain" field: low = wet, high = dry/cold. Frequencies sum to 1 (built excluded).
_ORDER = (80, 90, 95, 40, 30, 10, 20, 60, 100, 70)
_FREQ = (0.07, 0.03, 0.01, 0.17, 0.20, 0.30, 0.09, 0.09, 0.02, 0.02)
BUILT_FRACTION = 0.06

# Sentinel-1 backscatter means in dB (VV, VH) per class.
S1_MEANS = {10: (-7.5, -13.5), 20: (-9.5, -16.0), 30: (-10.5, -17.5), 40: (-9.0, -16.5), 50: (-3.0, -10.0),
            60: (-14.0, -23.0), 70: (-12.0, -20.0), 80: (-22.0, -28.0), 90: (-12.5, -19.5), 95: (-7.0, -14.0),
            100: (-13.0, -21.0)}

S2_BANDS = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12")
# Surface reflectance x 10000 per class, in S2_BANDS order.
S2_SPECTRA = {
    10: (250, 300, 500, 300, 800, 2200, 2700, 2900, 3000, 3000, 1500, 700),
    20: (400, 500, 700, 700, 1100, 1900, 2200, 2400, 2500, 2500, 2300, 1400),
    30: (350, 450, 750, 600, 1100, 2300, 2700, 2900, 3000, 3000, 2200, 1200),
    40: (350, 450, 800, 600, 1200, 2600, 3100, 3400, 3500, 3500, 2100, 1100),
    50: (900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1650, 1600, 1900, 1700),
    60: (1000, 1200, 1600, 2000, 2300, 2500, 2600, 2700, 2800, 2800, 3400, 2700),
    70: (8000, 8500, 8300, 8000, 7800, 7600, 7400, 7200, 7000, 6000, 1200, 900),
    80: (300, 350, 400, 250, 200, 150, 130, 120, 110, 100, 60, 40),
    90: (300, 350, 550, 400, 700, 1500, 1800, 1900, 2000, 2000, 1100, 600),
    95: (250, 300, 450, 280, 700, 1900, 2300, 2500, 2600, 2600, 1200, 600),
    100: (600, 700, 900, 1000, 1300, 1800, 2000, 2100, 2200, 2200, 2400, 1700),
}
_VEGETATED = (10, 20, 30, 40, 90, 95)
# Scene classification (SCL) per WorldCover class: 4 vegetation, 5 not vegetated, 6 water, 11 snow.
_VEG_LUT = np.isin(np.arange(256), _VEGETATED)
_SCL = {10: 4, 20: 4, 30: 4, 40: 4, 50: 5, 60: 5, 70: 11, 80: 6, 90: 4, 95: 4, 100: 5}

_LUT_SIZE = 256


def _lut(mapping: dict[int, float | int], dtype: str) -> np.ndarray:
    lut = np.zeros(_LUT_SIZE, dtype=dtype)
    for k, v in mapping.items():
        lut[k] = v
    return lut


# ---------------------------------------------------------------------------------------------- noise


def _hash64(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    """64 well-mixed bits per integer lattice point (i, j): splitmix64-style integer mixing (broadcasts)."""
    with np.errstate(over="ignore"):
        h = (np.asarray(i).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
             ^ np.asarray(j).astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F))
        h ^= np.uint64((salt * 0x165667B19E3779F9 + SEED) & 0xFFFFFFFFFFFFFFFF)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xC4CEB9FE1A85EC53)
        h ^= h >> np.uint64(33)
    return h


def hash2(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0, 1) value per integer lattice point (i, j)."""
    return (_hash64(i, j, salt) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def gauss2(i: np.ndarray, j: np.ndarray, salt: int) -> np.ndarray:
    """A standard-normal-ish value per lattice point: the sum of four 16-bit uniforms of one hash, rescaled."""
    h = _hash64(i, j, salt)
    m = np.uint64(0xFFFF)
    s = ((h & m).astype(np.float64) + ((h >> np.uint64(16)) & m) + ((h >> np.uint64(32)) & m)
         + (h >> np.uint64(48)))
    return (s * (1.0 / 65536.0) - 2.0) * math.sqrt(3.0)


def value_noise(lon: np.ndarray, lat: np.ndarray, cell_deg: float, salt: int) -> np.ndarray:
    """Smooth noise in [0, 1): random values on a lattice of `cell_deg`, smoothstep-interpolated.

    The hot loop of the emulator, hence the in-place arithmetic (same operations, same bits, fewer passes).
    """
    u = np.asarray(lon, dtype=np.float64) / cell_deg
    v = np.asarray(lat, dtype=np.float64) / cell_deg
    iu = np.floor(u)
    jv = np.floor(v)
    fu = np.subtract(u, iu, out=u)
    fv = np.subtract(v, jv, out=v)
    t = fu * -2.0
    t += 3.0
    fu *= fu
    fu *= t  # smoothstep: fu * fu * (3 - 2 fu)
    np.multiply(fv, -2.0, out=t)
    t += 3.0
    fv *= fv
    fv *= t
    i0 = iu.astype(np.int64)
    j0 = jv.astype(np.int64)
    corners = None
    if i0.size > 64 and np.isfinite(iu.flat[0]):
        # Hash the few lattice corners the points fall between once, then gather: the same numbers as
        # hashing per point (so any grid gets identical values) at a fraction of the cost.
        imin, imax, jmin, jmax = int(i0.min()), int(i0.max()), int(j0.min()), int(j0.max())
        ni, nj = imax - imin + 1, jmax - jmin + 1
        if (ni + 1) * (nj + 1) * 2 <= i0.size:
            table = hash2(np.arange(imin, imin + ni + 1)[None, :], np.arange(jmin, jmin + nj + 1)[:, None], salt)
            j0 -= jmin
            j0 *= ni
            i0 -= imin
            j0 += i0
            corners = [np.ascontiguousarray(table[y:y + nj, x:x + ni]).ravel().take(j0)
                       for y, x in ((0, 0), (0, 1), (1, 0), (1, 1))]
    if corners is None:
        corners = [hash2(i0 + x, j0 + y, salt) for y, x in ((0, 0), (0, 1), (1, 0), (1, 1))]
    a, b, c, d = corners
    b -= a
    b *= fu
    b += a  # top = a + (b - a) * fu
    d -= c
    d *= fu
    d += c  # bottom
    d -= b
    d *= fv
    d += b
    return d


def fbm(lon: np.ndarray, lat: np.ndarray, cells_m: tuple[float, ...], weights: tuple[float, ...],
        salt: int) -> np.ndarray:
    """A weighted sum of value-noise octaves with feature sizes `cells_m` (metres, as degrees of latitude)."""
    out = np.zeros(np.shape(lon), dtype=np.float64)
    for k, (cell, w) in enumerate(zip(cells_m, weights, strict=True)):
        out += w * value_noise(lon, lat, cell / M_PER_DEG, salt * 31 + k)
    return out / sum(weights)


# ----------------------------------------------------------------------------------------- lattices


@dataclass(frozen=True)
class Lattice:
    """A lon/lat lattice with square cells of `deg` degrees: where an asset's native pixels are."""

    deg: float

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(i, j, centre lon, centre lat) of the cell holding each point."""
        i = np.floor(lon / self.deg)
        j = np.floor(lat / self.deg)
        return i.astype(np.int64), j.astype(np.int64), (i + 0.5) * self.deg, (j + 0.5) * self.deg


L10 = Lattice(10.0 / M_PER_DEG)     # Sentinel-1/2, WorldCover (~10 m)
L30 = Lattice(1.0 / 3600.0)         # Copernicus GLO-30 (1 arc-second)
L100 = Lattice(100.0 / M_PER_DEG)   # GHSL
L250 = Lattice(250.0 / M_PER_DEG)   # MODIS VCF (~250 m)


def _snap10(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """L10.snap, shared by every 10 m band evaluated on the same points."""
    return _memoised("snap10", lon, lat, (), lambda: L10.snap(lon, lat))

# ------------------------------------------------------------------------------------ land cover


def _terrain_field(lon: np.ndarray, lat: np.ndarray, salt: int = 1) -> np.ndarray:
    return fbm(lon, lat, (3000.0, 1100.0, 400.0), (0.55, 0.3, 0.15), salt)


def _built_field(lon: np.ndarray, lat: np.ndarray, salt: int = 2) -> np.ndarray:
    return fbm(lon, lat, (1500.0, 500.0, 250.0), (0.5, 0.35, 0.15), salt)


@functools.lru_cache(maxsize=4)
def _thresholds(salt: int) -> tuple[np.ndarray, float]:
    """Quantiles of the terrain and built fields (sampled once) that give the target class frequencies."""
    rng = np.random.default_rng(SEED + salt)
    lon = rng.uniform(-180, 180, 200_000)
    lat = rng.uniform(-60, 70, 200_000)
    cum = np.cumsum(_FREQ)[:-1]
    t = np.quantile(_terrain_field(lon, lat, salt), cum)
    b = float(np.quantile(_built_field(lon, lat, salt + 1), 1.0 - BUILT_FRACTION))
    return t, b


_memo = threading.local()
_MEMO_ENTRIES = 32


def _cache() -> OrderedDict:
    cache = getattr(_memo, "cache", None)
    if cache is None:
        cache = _memo.cache = OrderedDict()
    return cache


def clear_memo() -> None:
    """Forget this thread's memo (the emulator calls it after each strip: nothing carries over)."""
    _cache().clear()


def register_subset(lon: np.ndarray, lat: np.ndarray, parent_lon: np.ndarray, parent_lat: np.ndarray,
                    index: np.ndarray) -> None:
    """Declare `lon, lat` = the flat `index` points of `parent_lon, parent_lat` (this thread only).

    A composite fills a masked pixel from the next image on exactly such a subset; fields already computed
    on the parent (land cover, textures: they do not change with time) are then gathered, not recomputed.
    Every field is computed point by point, so the gathered values are the very values recomputing gives.
    """
    cache = _cache()
    cache[("subset", id(lon), id(lat), ())] = (lon, lat, (parent_lon, parent_lat, index))
    _trim(cache)


def _trim(cache: OrderedDict) -> None:
    while len(cache) > _MEMO_ENTRIES:  # least recently used first (the emulator renders in small strips)
        cache.popitem(last=False)


def _lookup(cache: OrderedDict, kind: str, lon: np.ndarray, lat: np.ndarray, extra: tuple):  # type: ignore[no-untyped-def]
    hit = cache.get((kind, id(lon), id(lat), extra))
    if hit is not None and hit[0] is lon and hit[1] is lat:
        cache.move_to_end((kind, id(lon), id(lat), extra))
        return hit
    return None


def _memoised(kind: str, lon: np.ndarray, lat: np.ndarray, extra: tuple, compute) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per-thread memo of the last few fields on the same points: a request's bands share their land cover.

    Keyed on the identity of the coordinate arrays, which the entry holds on to, so a recycled id() cannot
    alias another array.
    """
    cache = _cache()
    hit = _lookup(cache, kind, lon, lat, extra)
    if hit is not None:
        return hit[2]
    sub = _lookup(cache, "subset", lon, lat, ())
    parent = _lookup(cache, kind, sub[2][0], sub[2][1], extra) if sub is not None else None
    if parent is not None:
        idx = sub[2][2]
        val = parent[2]
        out = tuple(v.reshape(-1)[idx] for v in val) if isinstance(val, tuple) else val.reshape(-1)[idx]
    elif np.size(lon) < 4096:
        return compute()
    else:
        out = compute()
    cache[(kind, id(lon), id(lat), extra)] = (lon, lat, out)
    _trim(cache)
    return out


def landcover(lon: np.ndarray, lat: np.ndarray, version: int = 1) -> np.ndarray:
    """WorldCover class codes (uint8) at the 10 m lattice cell of each point. version 2 = v200 (2021)."""
    _, _, clon, clat = L10.snap(lon, lat)
    if version == 1:
        return _memoised("lc10", lon, lat, (), lambda: _landcover_at(clon, clat, version))
    return _landcover_at(clon, clat, version)


def _landcover_at(clon: np.ndarray, clat: np.ndarray, version: int = 1) -> np.ndarray:
    t, b = _thresholds(1)
    terrain = _terrain_field(clon, clat, 1)
    if version != 1:  # v200: the same world, a slightly different classification at the margins
        terrain = terrain + 0.012 * (value_noise(clon, clat, 300.0 / M_PER_DEG, 77) - 0.5)
    idx = np.searchsorted(t, terrain)
    out = np.asarray(_ORDER, dtype=np.uint8)[idx]
    built = _built_field(clon, clat, 2) > b
    out[built & (out != 80)] = 50
    return out


def season(period_mid_month: int) -> float:
    """Vegetation vigour by month in [-1, 1]: peak in July (northern-hemisphere bias, synthetic anyway)."""
    return math.cos((period_mid_month - 7) / 12.0 * 2.0 * math.pi)


# ------------------------------------------------------------------------------------------ layers


def s1(lon: np.ndarray, lat: np.ndarray, band: str, month: int, orbit: str = "", scene: int = 0) -> np.ndarray:
    """Sentinel-1 GRD backscatter in dB (float64), speckle-like noise per 10 m cell and scene."""
    i, j, clon, clat = _snap10(lon, lat)
    lc = _memoised("lc10", lon, lat, (), lambda: _landcover_at(clon, clat))
    pol = 0 if band in ("VV", "HH") else 1
    mean = _lut({k: v[pol] for k, v in S1_MEANS.items()}, "float64")[lc]
    osalt = 0 if orbit == "DESCENDING" else 1
    noise = 1.6 * gauss2(i, j, 100 + 10 * pol + osalt + 3 * (month % 12) + 1009 * scene)
    texture = 2.0 * (_memoised("s1tex", lon, lat, (pol,), lambda: fbm(clon, clat, (600.0, 150.0), (0.6, 0.4),
                                                                      9 + pol)) - 0.5)
    veg = _VEG_LUT[lc]
    seasonal = np.where(veg, 0.8 * season(month), 0.0)
    orbit_shift = 0.4 if orbit == "ASCENDING" else (-0.4 if orbit == "DESCENDING" else 0.0)
    if band in ("HH", "HV"):
        orbit_shift += 0.7
    return np.clip(mean + texture + noise + seasonal + orbit_shift, -50.0, 1.0)


def s1_angle(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Incidence angle (degrees) across a ~250 km swath."""
    frac = np.mod(lon * M_PER_DEG * np.cos(np.radians(lat)) / 250_000.0, 1.0)
    return 30.0 + 15.0 * frac


def cloud_score(lon: np.ndarray, lat: np.ndarray, month: int, year: int) -> np.ndarray:
    """Cloud Score+ clear-sky probability in [0, 1]: mostly clear, a few cloudy patches that move by period."""
    return _memoised("cs", lon, lat, (month, year), lambda: _cloud_score(lon, lat, month, year))


def _cloud_score(lon: np.ndarray, lat: np.ndarray, month: int, year: int) -> np.ndarray:
    i, j, clon, clat = _snap10(lon, lat)
    salt = 500 + year * 13 + month
    c = fbm(clon, clat, (2000.0, 700.0, 200.0), (0.5, 0.35, 0.15), salt)
    clear = np.clip(1.0 - (c - 0.60) * 6.0, 0.0, 1.0)  # c > ~0.6 begins cloud, so ~5-10% of ground
    jitter = 0.04 * (hash2(i, j, salt) - 0.5)
    return np.clip(clear * 0.97 + 0.03 + jitter, 0.0, 1.0)


_SKY_CELLS = ((2000.0, 700.0, 200.0), (0.5, 0.35, 0.15))


@functools.lru_cache(maxsize=1)
def _sky_quantiles() -> np.ndarray:
    """Quantiles (0..100 %) of the cloud field, sampled once: a granule's cloud fraction sets its threshold."""
    rng = np.random.default_rng(SEED + 7)
    lon, lat = rng.uniform(-180, 180, 100_000), rng.uniform(-60, 70, 100_000)
    return np.quantile(fbm(lon, lat, *_SKY_CELLS, 777), np.linspace(0, 1, 101))


def sky(lon: np.ndarray, lat: np.ndarray, salt: int, cloud_fraction: float) -> np.ndarray:
    """Clear-sky probability in [0, 1] of one acquisition (Cloud Score+'s cs): about `cloud_fraction` cloudy."""
    return _memoised("sky", lon, lat, (salt, cloud_fraction), lambda: _sky(lon, lat, salt, cloud_fraction))


def _sky(lon: np.ndarray, lat: np.ndarray, salt: int, cloud_fraction: float) -> np.ndarray:
    i, j, clon, clat = _snap10(lon, lat)
    c = fbm(clon, clat, *_SKY_CELLS, 2000 + salt)
    q = _sky_quantiles()
    thr = float(np.interp(100.0 * (1.0 - cloud_fraction), np.arange(101), q))
    clear = np.clip(0.6 - (c - thr) * 6.0, 0.0, 1.0)  # at the threshold: 0.6, where masking begins
    jitter = 0.04 * (hash2(i, j, 2000 + salt) - 0.5)
    return np.clip(clear + 0.4 * (clear > 0.6) + jitter, 0.0, 1.0)


def s2_scene(lon: np.ndarray, lat: np.ndarray, band: str, month: int, sky_salt: int,
             cloud_fraction: float) -> np.ndarray:
    """One Sentinel-2 granule's surface reflectance x 10000 (uint16) under its own clouds (`sky`)."""
    return _s2(lon, lat, band, month, lambda: sky(lon, lat, sky_salt, cloud_fraction))


def s2(lon: np.ndarray, lat: np.ndarray, band: str, month: int, year: int) -> np.ndarray:
    """Sentinel-2 L2A surface reflectance x 10000 (uint16); bright where the period's clouds are."""
    return _s2(lon, lat, band, month, lambda: cloud_score(lon, lat, month, year))


def _s2(lon: np.ndarray, lat: np.ndarray, band: str, month: int, clear_sky) -> np.ndarray:  # type: ignore[no-untyped-def]
    i, j, clon, clat = _snap10(lon, lat)
    lc = _memoised("lc10", lon, lat, (), lambda: _landcover_at(clon, clat))
    if band == "SCL":
        return _lut(_SCL, "uint8")[lc].astype(np.uint16)
    if band == "QA60":
        cs = clear_sky()
        return np.where(cs < 0.3, 1024, 0).astype(np.uint16)
    k = S2_BANDS.index(band)
    base = _lut({c: s[k] for c, s in S2_SPECTRA.items()}, "float64")[lc]
    veg = _VEG_LUT[lc]
    s = season(month)
    if k >= 5 and k <= 9:  # red edge / NIR rise with vigour
        base = np.where(veg, base * (1.0 + 0.15 * s), base)
    elif k in (2, 3):
        base = np.where(veg, base * (1.0 - 0.1 * s), base)
    tex = _memoised("s2tex", lon, lat, (),
                    lambda: 1.0 + 0.12 * (fbm(clon, clat, (500.0, 120.0), (0.6, 0.4), 40) - 0.5))
    noise = 1.0 + 0.04 * gauss2(i, j, 200 + k)
    refl = base * tex * noise
    cs = clear_sky()
    cloud = np.clip((0.6 - cs) / 0.6, 0.0, 1.0)
    refl = refl * (1.0 - cloud) + (6500.0 + 200.0 * k) * cloud
    return np.clip(np.rint(refl), 1, 10000).astype(np.uint16)


def dem(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Elevation in metres (float32) on the 1 arc-second lattice: broad hills with some relief."""
    _, _, clon, clat = L30.snap(lon, lat)
    return _dem_at(clon, clat)


def _dem_at(clon: np.ndarray, clat: np.ndarray) -> np.ndarray:
    broad = fbm(clon, clat, (40_000.0, 12_000.0), (0.7, 0.3), 300)
    mid = fbm(clon, clat, (3000.0, 900.0), (0.7, 0.3), 301)
    h = 20.0 + 1400.0 * broad ** 2 + 180.0 * mid * (0.3 + broad)
    return h.astype(np.float32)


def dem_aux(lon: np.ndarray, lat: np.ndarray, band: str) -> np.ndarray:
    """GLO-30's auxiliary bands: EDM/FLM (uint8 masks), HEM (height error, float32), WBM (uint8 water)."""
    i, j, clon, clat = L30.snap(lon, lat)
    if band == "HEM":
        return (0.5 + 1.5 * hash2(i, j, 310)).astype(np.float32)
    if band == "WBM":
        return np.where(_landcover_at(clon, clat) == 80, 2, 0).astype(np.uint8)
    if band == "EDM":
        return np.where(_landcover_at(clon, clat) == 80, 3, 1).astype(np.uint8)
    return np.ones(np.shape(lon), dtype=np.uint8)  # FLM: 1 = not filled


def ghs_built(lon: np.ndarray, lat: np.ndarray, band: str, year: int) -> np.ndarray:
    """GHSL built-up surface, m2 per 100 m cell (float32); high where WorldCover says built-up."""
    i, j, clon, clat = L100.snap(lon, lat)
    _, b = _thresholds(1)
    field = _built_field(clon, clat, 2)
    frac = 1.0 / (1.0 + np.exp(-(field - b) / 0.015))
    growth = 0.6 + 0.4 * min(max((year - 1975) / 55.0, 0.0), 1.0)
    total = 10_000.0 * frac * growth * (0.85 + 0.15 * hash2(i, j, 400))
    if band == "built_surface_nres":
        return (total * (0.2 + 0.4 * hash2(i, j, 401))).astype(np.float32)
    return total.astype(np.float32)


def modis_vcf(lon: np.ndarray, lat: np.ndarray, band: str, year: int) -> np.ndarray:
    """MOD44B vegetation continuous fields (uint8 percent; 200 = water), on a ~250 m lattice."""
    i, j, clon, clat = L250.snap(lon, lat)
    lc = _landcover_at(clon, clat)
    if band == "Quality":
        return (hash2(i, j, 450 + year) < 0.9).astype(np.uint8) * 0
    if band == "Cloud":
        return (hash2(i, j, 451 + year) < 0.1).astype(np.uint8)
    tree = _lut({10: 72, 20: 18, 30: 6, 40: 4, 50: 8, 60: 1, 70: 0, 90: 12, 95: 65, 100: 2}, "float64")[lc]
    bare = _lut({10: 4, 20: 22, 30: 12, 40: 20, 50: 55, 60: 85, 70: 95, 90: 20, 95: 5, 100: 60}, "float64")[lc]
    jit = 8.0 * (hash2(i, j, 452 + year) - 0.5)
    tree = np.clip(tree + jit, 0, 100)
    bare = np.clip(bare - jit / 2, 0, 100 - tree)
    values = {"Percent_Tree_Cover": tree, "Percent_NonVegetated": bare,
              "Percent_NonTree_Vegetation": np.clip(100.0 - tree - bare, 0, 100)}[band]
    return np.where(lc == 80, 200, np.rint(values)).astype(np.uint8)
