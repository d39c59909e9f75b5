"""The global 4 x 4 km chip grid: pure math, no I/O.

A chip is an exact 4000 m square in a UTM zone CRS (EPSG 326zz north / 327zz south) whose corner sits on
multiples of 4000 m in that CRS. A chip belongs to the zone and hemisphere where its centre lies, so every
piece of ground between 80S and 84N has exactly one chip and one stable id, whatever AOI asked for it.

The core (`chip_arrays`) is vectorised: the AOI is rasterised onto the chip lattice of each zone (one
"pixel" per chip), cells touched by the AOI's boundary are checked exactly with shapely, and everything else
is decided by the raster alone. So a continent costs a few rasterisations, not a Python loop per chip.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from .errors import GridError

CHIP_SIZE_M = 4000
MAX_LAT = 84.0  # UTM's northern limit
MIN_LAT = -80.0  # UTM's southern limit
SPLITS = ("train", "val", "test")
NO_SPLIT = "none"  # guard chips at band edges, and chips a split table does not cover: in no split
# Zone margin (degrees) when clipping an AOI to one zone's strip: wider than a chip anywhere below 84N.
_ZONE_MARGIN_DEG = 0.5


def utm_epsg(zone: int, south: bool) -> int:
    return (32700 if south else 32600) + zone


def zone_of(lon: np.ndarray | float) -> np.ndarray:
    """The standard UTM zone (1..60) of a longitude (no Norway/Svalbard exceptions: the grid is regular)."""
    z = np.floor((np.asarray(lon, dtype="float64") + 180.0) / 6.0).astype("int64") + 1
    return np.clip(z, 1, 60)


@dataclass(frozen=True, slots=True, order=True)
class Chip:
    """One chip: zone (1..60), hemisphere, and row/col = corner // 4000 in the zone's CRS."""

    zone: int
    south: bool
    row: int
    col: int

    @property
    def epsg(self) -> int:
        return utm_epsg(self.zone, self.south)

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"

    @property
    def x_min(self) -> float:
        return float(self.col * CHIP_SIZE_M)

    @property
    def y_min(self) -> float:
        return float(self.row * CHIP_SIZE_M)

    @property
    def x_max(self) -> float:
        return self.x_min + CHIP_SIZE_M

    @property
    def y_max(self) -> float:
        return self.y_min + CHIP_SIZE_M

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x_min, self.y_min, self.x_max, self.y_max)

    @property
    def chip_id(self) -> str:
        return chip_id(self.zone, self.south, self.row, self.col)

    @property
    def split(self) -> str:
        """The chip's split under the default scheme (a store records its own: `ChipStore.split_scheme`)."""
        return split_of(self)

    def transform(self, resolution_m: float) -> Affine:
        """North-up affine transform of the chip's pixel grid at `resolution_m` metres per pixel."""
        return Affine(resolution_m, 0.0, self.x_min, 0.0, -resolution_m, self.y_max)

    def shape(self, resolution_m: float) -> tuple[int, int]:
        """(height, width) in pixels; the resolution must divide 4000 m exactly."""
        n = CHIP_SIZE_M / resolution_m
        if abs(n - round(n)) > 1e-9:
            raise GridError(f"resolution {resolution_m} m does not divide the 4000 m chip; use e.g. 10, 20, 40")
        return (int(round(n)), int(round(n)))

    @classmethod
    def from_id(cls, text: str) -> Chip:
        try:
            zh, row, col = text.split("_")
            zone, hemi = int(zh[:-1]), zh[-1]
            if hemi not in "NS" or not 1 <= zone <= 60:
                raise ValueError
            return cls(zone, hemi == "S", int(row), int(col))
        except ValueError:
            raise GridError(f"{text!r} is not a chip id; ids look like 31N_1266_160 (zone+hemisphere_row_col)") \
                from None


def chip_id(zone: int, south: bool, row: int, col: int) -> str:
    return f"{zone:02d}{'S' if south else 'N'}_{row:04d}_{col:03d}"


def split_of(chip: Chip, scheme: SplitScheme | None = None) -> str:
    """The split of one chip under `scheme` (default: DEFAULT_SPLIT)."""
    sch = scheme or DEFAULT_SCHEME
    codes = sch.codes(np.array([chip.zone]), np.array([chip.south]), np.array([chip.row]), np.array([chip.col]))
    return SPLIT_NAMES[int(codes[0])]


@functools.lru_cache(maxsize=128)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


@functools.lru_cache(maxsize=128)
def _to_lonlat(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


@dataclass(frozen=True)
class ChipArrays:
    """Chips as parallel numpy arrays (for continental AOIs), sorted by id."""

    zone: np.ndarray  # int16
    south: np.ndarray  # bool
    row: np.ndarray  # int32
    col: np.ndarray  # int32

    def __len__(self) -> int:
        return int(self.zone.shape[0])

    @property
    def epsg(self) -> np.ndarray:
        return np.where(self.south, 32700, 32600) + self.zone.astype("int32")

    @property
    def split(self) -> np.ndarray:
        """Codes into SPLIT_NAMES under the default scheme; `split_codes(scheme)` for another one."""
        return self.split_codes(DEFAULT_SCHEME)

    def split_codes(self, scheme: SplitScheme) -> np.ndarray:
        return scheme.codes(self.zone, self.south, self.row, self.col)

    def ids(self) -> list[str]:
        return [chip_id(int(z), bool(s), int(r), int(c))
                for z, s, r, c in zip(self.zone, self.south, self.row, self.col, strict=True)]

    def chips(self) -> list[Chip]:
        return [Chip(int(z), bool(s), int(r), int(c))
                for z, s, r, c in zip(self.zone, self.south, self.row, self.col, strict=True)]


def check_latitudes(geom_4326: BaseGeometry) -> None:
    if geom_4326.is_empty:
        raise GridError("the AOI geometry is empty; give a polygon with a positive area")
    x0, y0, x1, y1 = geom_4326.bounds
    if y1 > MAX_LAT or y0 < MIN_LAT:
        raise GridError(f"the AOI reaches latitude {y1 if y1 > MAX_LAT else y0:.2f}, outside the UTM grid "
                        f"({MIN_LAT}..{MAX_LAT}); clip it to that range")
    if x0 < -180 or x1 > 180:
        raise GridError("the AOI has longitudes outside -180..180; is it in EPSG:4326 (lon/lat)?")


def _zone_parts(geom_4326: BaseGeometry) -> Iterator[tuple[int, bool, BaseGeometry]]:
    """(zone, south, AOI clipped to that zone strip and hemisphere with a margin), for each one it touches."""
    x0, y0, x1, y1 = geom_4326.bounds
    for zone in range(int(zone_of(x0 - _ZONE_MARGIN_DEG)), int(zone_of(x1 + _ZONE_MARGIN_DEG)) + 1):
        lon0 = -180.0 + (zone - 1) * 6.0
        for south in (False, True):
            if (south and y0 > _ZONE_MARGIN_DEG) or (not south and y1 < -_ZONE_MARGIN_DEG):
                continue
            lat_lo, lat_hi = (-90.0, _ZONE_MARGIN_DEG) if south else (-_ZONE_MARGIN_DEG, 90.0)
            box = shapely.box(lon0 - _ZONE_MARGIN_DEG, lat_lo, lon0 + 6.0 + _ZONE_MARGIN_DEG, lat_hi)
            part = geom_4326.intersection(box)
            if not part.is_empty and part.area > 0:
                yield zone, south, part


def _project(geom_4326: BaseGeometry, epsg: int) -> BaseGeometry:
    # Densify first (~1 km) so long straight lon/lat edges stay faithful after projection.
    dense = shapely.segmentize(geom_4326, 0.01)
    return shapely.transform(dense, lambda xy: np.column_stack(_to_utm(epsg).transform(xy[:, 0], xy[:, 1])))


def _zone_chips(zone: int, south: bool, part_4326: BaseGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Rows and cols of the chips of one zone whose centre is in the zone and that overlap the AOI."""
    from rasterio import features  # rasterio is a hard dependency; imported here to keep import time low

    epsg = utm_epsg(zone, south)
    g = _project(part_4326, epsg)
    gx0, gy0, gx1, gy1 = g.bounds
    c0, r0 = int(np.floor(gx0 / CHIP_SIZE_M)), int(np.floor(gy0 / CHIP_SIZE_M))
    c1, r1 = int(np.ceil(gx1 / CHIP_SIZE_M)), int(np.ceil(gy1 / CHIP_SIZE_M))
    w, h = max(c1 - c0, 1), max(r1 - r0, 1)
    # One raster cell per chip, north-up: cell (i, j) is chip row r1-1-i, col c0+j.
    tr = Affine(CHIP_SIZE_M, 0, c0 * CHIP_SIZE_M, 0, -CHIP_SIZE_M, r1 * CHIP_SIZE_M)
    touched = features.rasterize([g], out_shape=(h, w), transform=tr, all_touched=True, dtype="uint8")
    edge = features.rasterize([g.boundary], out_shape=(h, w), transform=tr, all_touched=True, dtype="uint8")
    inside = (touched == 1) & (edge == 0)  # touched by the AOI but not by its outline: wholly inside
    ei, ej = np.nonzero((touched == 1) & (edge == 1))
    if ei.size:
        x = (c0 + ej) * float(CHIP_SIZE_M)
        y = (r1 - 1 - ei) * float(CHIP_SIZE_M)
        boxes = shapely.box(x, y, x + CHIP_SIZE_M, y + CHIP_SIZE_M)
        shapely.prepare(g)
        cand = shapely.intersects(g, boxes)
        area = np.zeros(ei.size)
        area[cand] = shapely.area(shapely.intersection(boxes[cand], g))
        inside[ei[area > 1e-6], ej[area > 1e-6]] = True
    ii, jj = np.nonzero(inside)
    rows = (r1 - 1 - ii).astype("int64")
    cols = (c0 + jj).astype("int64")
    # Keep the chips whose centre lies in this zone and hemisphere.
    lon, lat = _to_lonlat(epsg).transform((cols + 0.5) * CHIP_SIZE_M, (rows + 0.5) * CHIP_SIZE_M)
    keep = (zone_of(lon) == zone) & ((np.asarray(lat) < 0) == south)
    return rows[keep], cols[keep]


def chip_arrays(geom_4326: BaseGeometry) -> ChipArrays:
    """All chips overlapping `geom_4326` (lon/lat) with positive area, as arrays sorted by id."""
    check_latitudes(geom_4326)
    zs, ss, rs, cs = [], [], [], []
    for zone, south, part in _zone_parts(geom_4326):
        rows, cols = _zone_chips(zone, south, part)
        zs.append(np.full(rows.size, zone, "int16"))
        ss.append(np.full(rows.size, south, bool))
        rs.append(rows.astype("int32"))
        cs.append(cols.astype("int32"))
    if not zs:
        return ChipArrays(np.zeros(0, "int16"), np.zeros(0, bool), np.zeros(0, "int32"), np.zeros(0, "int32"))
    z, s, r, c = (np.concatenate(a) for a in (zs, ss, rs, cs))
    # Id order: zone, then 'N' before 'S', then row, then col. Duplicates cannot occur (one zone per centre).
    order = np.lexsort((c, r, s, z))
    return ChipArrays(z[order], s[order], r[order], c[order])


def chips_for_geometry(geom_4326: BaseGeometry) -> list[Chip]:
    """All chips overlapping `geom_4326` (lon/lat) with positive area, sorted by id."""
    return chip_arrays(geom_4326).chips()


def chip_outline_4326(chip: Chip, points_per_side: int = 4) -> shapely.Polygon:
    """The chip's square as a lon/lat polygon (edges densified: they are curves in lon/lat)."""
    return outlines_4326(ChipArrays(np.array([chip.zone]), np.array([chip.south]), np.array([chip.row]),
                                    np.array([chip.col])), points_per_side)[0]


def outlines_4326(chips: ChipArrays, points_per_side: int = 4) -> np.ndarray:
    """Lon/lat outlines of many chips (array of shapely Polygons), vectorised per zone."""
    n = len(chips)
    out = np.empty(n, dtype=object)
    t = np.linspace(0.0, 1.0, points_per_side, endpoint=False)
    # Counter-clockwise ring in unit coordinates: bottom, right, top, left edges.
    ux = np.concatenate([t, np.ones_like(t), 1 - t, np.zeros_like(t)])
    uy = np.concatenate([np.zeros_like(t), t, np.ones_like(t), 1 - t])
    epsg = chips.epsg
    for code in np.unique(epsg):
        idx = np.nonzero(epsg == code)[0]
        x = (chips.col[idx, None] + ux[None]) * float(CHIP_SIZE_M)
        y = (chips.row[idx, None] + uy[None]) * float(CHIP_SIZE_M)
        lon, lat = _to_lonlat(int(code)).transform(x.ravel(), y.ravel())
        coords = np.stack([np.asarray(lon), np.asarray(lat)], axis=-1).reshape(idx.size, ux.size, 2)
        out[idx] = shapely.polygons(coords)
    return out


def chips_bounds_4326(chips: list[Chip]) -> tuple[float, float, float, float]:
    """Lon/lat bounding box of a set of chips (for Earth Engine filterBounds)."""
    if not chips:
        raise GridError("no chips")
    arr = ChipArrays(np.array([c.zone for c in chips]), np.array([c.south for c in chips]),
                     np.array([c.row for c in chips]), np.array([c.col for c in chips]))
    return tuple(shapely.total_bounds(outlines_4326(arr)).tolist())  # type: ignore[return-value]


def crs_of(epsg: int) -> CRS:
    return CRS.from_epsg(epsg)


# ------------------------------------------------------------------------------------------- split schemes
#
# A split scheme is a deterministic function of a chip's position (zone, hemisphere, row, col), so the same chip
# gets the same split in every dataset using that scheme, whatever AOI asked for it.
#
#   bands:width=50km,angle=30,guard=1   bands `width` wide across the chip's UTM zone, at `angle` degrees
#       (counter-clockwise from east: 0 = east-west bands), cycling train, train, train, test, val (geetiles'
#       `partitions.split` order). guard=G: the train chips within G chips (8-neighbourhood, G steps) of a val
#       or test band are in no split ("none"), so no val/test chip touches a train chip in its zone. The guard
#       strips are added to the train bands (each train band is 3 widths plus a guard strip at each edge next
#       to a held-out band), so the labelled fractions stay 60:20:20 whatever the guard.
#   random:seed=0                      each chip on its own (a hash of its id and the seed): 60:20:20, leaky on
#       purpose (for comparison)
#   m3leo:FILE                         M3LEO's published splits, via the table `m3leo grid --from-m3leo CHIPS
#       --m3leo-splits CSV --keep-split --out FILE` writes: a chip takes their split when every M3LEO chip it
#       overlaps agrees, else "none"; chips the file does not cover are "none"
#   column:FILE[,column=NAME]          a user table (CSV or Parquet) with `chip_id` and a split column
#
# Parsing (`parse_split`) is pure; a table scheme's file is read by `gridio.load_split_table`.

SPLIT_NAMES = (*SPLITS, NO_SPLIT)  # split codes index this tuple
BAND_ORDER = ("train", "train", "train", "test", "val")
SPLIT_FRACTIONS = {"train": 0.6, "val": 0.2, "test": 0.2}
DEFAULT_SPLIT = "bands:width=50km,angle=30,guard=1"
# The old scheme (single 4 km chip rows cycling train, train, val, train, test): stores made before split
# schemes were recorded have it.
LEGACY_SPLIT = "bands:width=4km,angle=0,guard=0,order=train/train/val/train/test"
# Small demo AOIs (the quickstart's 24 km square) hold no 50 km band of each split: one-chip-row bands.
DEMO_SPLIT = "bands:width=4km,angle=0,guard=0"
DEMO_SPLIT_WHY = ("split bands:width=4km,angle=0,guard=0 (one chip row per band): the demo AOI is only ~24 km "
                  "across, too small for the default 50 km bands to give val and test chips; neighbouring rows "
                  "share landscape, so these val/test metrics measure interpolation, not generalisation")
_SCHEME_KINDS = ("bands", "random", "m3leo", "column")


@dataclass(frozen=True)
class SplitScheme:
    """A parsed split scheme (see above). `table` is the chip_id -> split map of a table scheme, once loaded."""

    kind: str
    width_km: float = 50.0
    angle_deg: float = 30.0
    guard: int = 1
    order: tuple[str, ...] = BAND_ORDER
    seed: int = 0
    path: str = ""
    column: str = "split"
    table: Mapping[str, str] | None = field(default=None, compare=False, hash=False, repr=False)

    def __str__(self) -> str:
        if self.kind == "bands":
            text = f"bands:width={_num(self.width_km)}km,angle={_num(self.angle_deg)},guard={self.guard}"
            return text + ("" if self.order == BAND_ORDER else f",order={'/'.join(self.order)}")
        if self.kind == "random":
            return f"random:seed={self.seed}"
        if self.kind == "m3leo":
            return f"m3leo:{self.path}"
        return f"column:{self.path}" + ("" if self.column == "split" else f",column={self.column}")

    @property
    def needs_table(self) -> bool:
        return self.kind in ("m3leo", "column")

    def with_table(self, table: Mapping[str, str]) -> SplitScheme:
        return replace(self, table=dict(table))

    def codes(self, zone: np.ndarray, south: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
        """int8 codes into SPLIT_NAMES, one per chip (vectorised)."""
        row = np.asarray(row, dtype="int64")
        col = np.asarray(col, dtype="int64")
        if self.kind == "bands":
            return _band_codes(self, row, col)
        if self.kind == "random":
            return _random_codes(self.seed, np.asarray(zone), np.asarray(south), row, col)
        if self.table is None:
            raise GridError(f"split scheme {self} needs its table read first (gridio.load_split_table)")
        lut = {s: i for i, s in enumerate(SPLIT_NAMES)}
        none = lut[NO_SPLIT]
        ids = (chip_id(int(z), bool(s), int(r), int(c)) for z, s, r, c in zip(zone, south, row, col, strict=True))
        return np.array([lut.get(self.table.get(i, NO_SPLIT), none) for i in ids], dtype="int8").reshape(row.shape)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def parse_split(text: str | SplitScheme | None) -> SplitScheme:
    """`bands:width=50km,angle=30,guard=1`, `random:seed=0`, `m3leo:FILE` or `column:FILE[,column=NAME]`."""
    if isinstance(text, SplitScheme):
        return text
    raw = (text or DEFAULT_SPLIT).strip()
    kind, _, rest = raw.partition(":")
    kind = kind.strip().lower()
    if kind not in _SCHEME_KINDS:
        raise GridError(f"split scheme {raw!r}: unknown kind {kind!r}; use e.g. {DEFAULT_SPLIT}, random:seed=0, "
                        "m3leo:FILE or column:FILE")
    if kind in ("m3leo", "column"):
        path, *opts = [p.strip() for p in rest.split(",")]
        if not path:
            raise GridError(f"split scheme {raw!r} needs a file: {kind}:PATH")
        params = _params(raw, opts, {"column"} if kind == "column" else set())
        return SplitScheme(kind, path=path, column=params.get("column", "split"))
    params = _params(raw, [p for p in rest.split(",") if p.strip()],
                     {"width", "angle", "guard", "order"} if kind == "bands" else {"seed"})
    try:
        if kind == "random":
            return SplitScheme("random", seed=int(params.get("seed", "0")))
        width = params.get("width", "50km").lower()
        width_km = float(width[:-2]) if width.endswith("km") else float(width.rstrip("m")) / 1000.0
        angle = float(params.get("angle", "30").rstrip("deg"))
        guard = int(params.get("guard", "1"))
    except ValueError:
        raise GridError(f"split scheme {raw!r}: width (e.g. 50km), angle (degrees), guard and seed (whole "
                        "numbers) must be numbers") from None
    order = tuple(s.strip() for s in params.get("order", "/".join(BAND_ORDER)).split("/"))
    if not (math.isfinite(width_km) and width_km > 0) or not math.isfinite(angle) or not 0 <= guard <= 100:
        raise GridError(f"split scheme {raw!r}: needs width > 0, a finite angle and 0 <= guard <= 100")
    if any(s not in SPLITS for s in order) or not set(order) >= {"train"}:
        raise GridError(f"split scheme {raw!r}: order is a /-separated list of train, val, test with train in it")
    return SplitScheme("bands", width_km=width_km, angle_deg=angle % 360.0 if abs(angle) >= 360 else angle,
                       guard=guard, order=order)


def _params(raw: str, parts: list[str], allowed: set[str]) -> dict[str, str]:
    out = {}
    for part in parts:
        key, eq, value = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in allowed:
            raise GridError(f"split scheme {raw!r}: {part.strip()!r} is not one of "
                            f"{', '.join(sorted(k + '=...' for k in allowed)) or 'no options'}")
        out[key] = value.strip()
    return out


def band_layout(scheme: SplitScheme) -> tuple[np.ndarray, np.ndarray, float]:
    """(segment starts, segment codes, period) in metres across the bands: one cycle of the scheme."""
    w = scheme.width_km * 1000.0
    t = math.radians(scheme.angle_deg)
    g = scheme.guard * CHIP_SIZE_M * (abs(math.sin(t)) + abs(math.cos(t)))  # farthest neighbour centre across
    none = SPLIT_NAMES.index(NO_SPLIT)
    starts: list[float] = []
    codes: list[int] = []
    pos = 0.0
    n = len(scheme.order)
    for i, s in enumerate(scheme.order):
        segs = [(w, SPLIT_NAMES.index(s))]
        if s == "train" and g > 0:
            if scheme.order[(i - 1) % n] != "train":
                segs.insert(0, (g, none))
            if scheme.order[(i + 1) % n] != "train":
                segs.append((g, none))
        for length, code in segs:
            starts.append(pos)
            codes.append(code)
            pos += length
    return np.array(starts), np.array(codes, dtype="int8"), pos


def band_coordinate(scheme: SplitScheme, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Metres across the bands of each chip's centre, in its zone's CRS."""
    t = math.radians(scheme.angle_deg)
    x = (np.asarray(col, dtype="float64") + 0.5) * CHIP_SIZE_M
    y = (np.asarray(row, dtype="float64") + 0.5) * CHIP_SIZE_M
    return y * math.cos(t) - x * math.sin(t)


def _band_codes(scheme: SplitScheme, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    starts, codes, period = band_layout(scheme)
    p = np.mod(band_coordinate(scheme, row, col), period)
    return codes[np.searchsorted(starts, p, side="right") - 1]


def _random_codes(seed: int, zone: np.ndarray, south: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """60:20:20 by a splitmix64 hash of (seed, zone, hemisphere, row, col)."""
    with np.errstate(over="ignore"):
        h = (np.asarray(zone, "uint64") * np.uint64(2) + np.asarray(south, "uint64")) * np.uint64(0x9E3779B97F4A7C15)
        h ^= (row.astype("uint64") << np.uint64(32)) ^ (col.astype("uint64") & np.uint64(0xFFFFFFFF))
        h ^= np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * np.uint64(0xBF58476D1CE4E5B9)
        for mul in (0xBF58476D1CE4E5B9, 0x94D049BB133111EB):
            h ^= h >> np.uint64(30 if mul == 0xBF58476D1CE4E5B9 else 27)
            h *= np.uint64(mul)
        h ^= h >> np.uint64(31)
    u = (h >> np.uint64(11)).astype("float64") / float(1 << 53)
    edges = np.cumsum([SPLIT_FRACTIONS[s] for s in SPLITS])
    return np.minimum(np.searchsorted(edges, u, side="right"), len(SPLITS) - 1).astype("int8")


DEFAULT_SCHEME = parse_split(DEFAULT_SPLIT)
