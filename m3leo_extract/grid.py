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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from affine import Affine
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from .defaults import CHIP_SIZE_M
from .errors import GridError

MAX_LAT = 84.0  # UTM's northern limit
MIN_LAT = -80.0  # UTM's southern limit
# Zone margin (degrees) when clipping an AOI to one zone's strip: wider than a chip anywhere below 84N.
_ZONE_MARGIN_DEG = 0.5
EDGE_WINDOW = 32  # chips along a side of the windows the AOI's outline is clipped to (_edge_overlaps)


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
    def box(self) -> ChipBox:
        """The chip as a 1 x 1 ChipBox (its geometry: transform, shape, footprint in any CRS)."""
        return ChipBox(self.epsg, self.row, self.col)

    def transform(self, resolution_m: float) -> Affine:
        """North-up affine transform of the chip's pixel grid at `resolution_m` metres per pixel."""
        return self.box.transform(resolution_m)

    def shape(self, resolution_m: float) -> tuple[int, int]:
        """(height, width) in pixels; the resolution must divide 4000 m exactly."""
        return self.box.shape(resolution_m)

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


def chip_px(resolution_m: float) -> int:
    """Pixels along a chip's side at `resolution_m`; the resolution must divide the chip exactly."""
    n = CHIP_SIZE_M / resolution_m
    if abs(n - round(n)) > 1e-9:
        raise GridError(f"resolution {resolution_m} m does not divide the {CHIP_SIZE_M} m chip; use e.g. 10, 20, 40")
    return int(round(n))


@dataclass(frozen=True, slots=True)
class ChipBox:
    """A rectangle of whole chips in one UTM zone: rows row0..row0+nrows-1 (south to north), cols likewise.

    The chip grid's geometry value, modelled on odc-geo's GeoBox but on the chip lattice: CRS, bounds, the
    pixel grid (shape and affine) at a resolution, slicing in chips, and its footprint in any CRS. A chip is
    a 1 x 1 box (`Chip.box`); a request block (`ee.sizing.Block`) is a box plus the chips it is asked for.
    """

    epsg: int
    row0: int
    col0: int
    nrows: int = 1
    ncols: int = 1

    @property
    def crs(self) -> str:
        return f"EPSG:{self.epsg}"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) in the zone CRS, metres."""
        return (float(self.col0 * CHIP_SIZE_M), float(self.row0 * CHIP_SIZE_M),
                float((self.col0 + self.ncols) * CHIP_SIZE_M), float((self.row0 + self.nrows) * CHIP_SIZE_M))

    def transform(self, resolution_m: float) -> Affine:
        """North-up transform of the box's pixel grid (top-left = its north-west corner)."""
        x_min, _, _, y_max = self.bounds
        return Affine(resolution_m, 0.0, x_min, 0.0, -resolution_m, y_max)

    def shape(self, resolution_m: float) -> tuple[int, int]:
        """(height, width) in pixels at `resolution_m` (which must divide the chip exactly)."""
        n = chip_px(resolution_m)
        return (self.nrows * n, self.ncols * n)

    def __getitem__(self, index: tuple[slice, slice]) -> ChipBox:
        """`box[rows, cols]`: the sub-box of those chip rows (south to north) and columns (steps of 1)."""
        rows, cols = index
        r0, r1, rs = rows.indices(self.nrows)
        c0, c1, cs = cols.indices(self.ncols)
        if rs != 1 or cs != 1 or r1 <= r0 or c1 <= c0:
            raise GridError(f"cannot slice {self} by {index}: give non-empty slices with step 1")
        return ChipBox(self.epsg, self.row0 + r0, self.col0 + c0, r1 - r0, c1 - c0)

    def chips(self) -> list[Chip]:
        zone, south = self.epsg % 100, self.epsg >= 32700
        return [Chip(zone, south, self.row0 + r, self.col0 + c) for r in range(self.nrows) for c in range(self.ncols)]

    def footprint(self, crs: int | str = 4326, points_per_side: int = 4) -> shapely.Polygon:
        """The box's outline in `crs` (an EPSG code or any pyproj CRS text), edges densified (they curve)."""
        x0, y0, x1, y1 = self.bounds
        t = np.linspace(0.0, 1.0, points_per_side, endpoint=False)
        xs = np.concatenate([x0 + t * (x1 - x0), np.full_like(t, x1), x1 - t * (x1 - x0), np.full_like(t, x0)])
        ys = np.concatenate([np.full_like(t, y0), y0 + t * (y1 - y0), np.full_like(t, y1), y1 - t * (y1 - y0)])
        x, y = transformer(self.epsg, crs).transform(xs, ys)
        return shapely.Polygon(np.column_stack([x, y]))


def zone_name(zone: int, south: bool) -> str:
    """`31N`, `07S`: the one place a UTM zone is named (chip ids, zone summaries, COG tags, messages)."""
    return f"{zone:02d}{'S' if south else 'N'}"


def chip_id(zone: int, south: bool, row: int, col: int) -> str:
    return f"{zone_name(zone, south)}_{row:04d}_{col:03d}"


def find_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `sorted_keys`, found) of each of `keys`: the one lookup of chip keys in a sorted key array
    (position 0 where not found)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), "int64"), np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return pos, sorted_keys[pos] == keys


def chip_keys(ids: Any) -> np.ndarray:
    """int64 keys of chip ids (`31N_1350_120`), vectorised: (zone * 2 + south) << 32 | row << 16 | col, which
    sort as the ids do. The ids must be of the grid's fixed width (12 characters)."""
    b = np.asarray(ids).astype("S12")
    if b.size and (np.char.str_len(b) != 12).any():
        raise GridError("chip ids are not of the grid's form (31N_1350_120); is this a m3leo store?")
    u = b.view(np.uint8).reshape(-1, 12)
    d = u.astype("int64") - 48
    zone, south = d[:, 0] * 10 + d[:, 1], u[:, 2] == ord("S")
    row = d[:, 4] * 1000 + d[:, 5] * 100 + d[:, 6] * 10 + d[:, 7]
    col = d[:, 9] * 100 + d[:, 10] * 10 + d[:, 11]
    return ((zone * 2 + south) << 32) | (row << 16) | col


@functools.lru_cache(maxsize=256)
def transformer(src: int | str, dst: int | str) -> Transformer:
    """`src` -> `dst` (EPSG codes or CRS text), x/y order: the one transformer cache of the package."""
    return Transformer.from_crs(src, dst, always_xy=True)


def utm_transformer(epsg: int) -> Transformer:
    """lon/lat -> the zone CRS `epsg`."""
    return transformer(4326, epsg)


def lonlat_transformer(epsg: int) -> Transformer:
    """The zone CRS `epsg` -> lon/lat."""
    return transformer(epsg, 4326)



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

    def split_codes(self, scheme: Any) -> np.ndarray:
        """Codes into splits.SPLIT_NAMES under `scheme` (a splits.SplitScheme), one per chip."""
        return scheme.codes(self.zone, self.south, self.row, self.col)

    @classmethod
    def of(cls, chips: Sequence[Chip]) -> ChipArrays:
        """Chips as arrays, in the order given."""
        return cls(np.array([c.zone for c in chips], "int16"), np.array([c.south for c in chips], bool),
                   np.array([c.row for c in chips], "int32"), np.array([c.col for c in chips], "int32"))

    @classmethod
    def concat(cls, parts: Sequence[ChipArrays]) -> ChipArrays:
        """One ChipArrays of several, in the order given (none: empty)."""
        if not parts:
            return cls(np.zeros(0, "int16"), np.zeros(0, bool), np.zeros(0, "int32"), np.zeros(0, "int32"))
        return cls(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("zone", "south", "row", "col")))

    def __getitem__(self, index: slice | np.ndarray) -> ChipArrays:
        return ChipArrays(self.zone[index], self.south[index], self.row[index], self.col[index])

    def keys(self) -> np.ndarray:
        """int64 keys that sort as the chip ids do (`chip_key`)."""
        zh = self.zone.astype("int64") * 2 + self.south
        return (zh << 32) | (self.row.astype("int64") << 16) | self.col.astype("int64")

    @classmethod
    def from_keys(cls, keys: np.ndarray) -> ChipArrays:
        zh = keys >> 32
        return cls((zh // 2).astype("int16"), (zh % 2).astype(bool), ((keys >> 16) & 0xFFFF).astype("int32"),
                   (keys & 0xFFFF).astype("int32"))

    @classmethod
    def from_corners(cls, epsg: np.ndarray, x_min: np.ndarray, y_min: np.ndarray) -> ChipArrays:
        """Chips of a store's epsg and south-west corner columns: the one place a zone CRS code becomes zone and
        hemisphere for a whole collection (`keys`/`from_keys` are the int64 codec of the same chips)."""
        epsg = np.asarray(epsg).astype("int32")
        return cls((epsg % 100).astype("int16"), epsg >= 32700,
                   np.floor_divide(np.asarray(y_min), CHIP_SIZE_M).astype("int32"),
                   np.floor_divide(np.asarray(x_min), CHIP_SIZE_M).astype("int32"))

    def ids(self) -> list[str]:
        """The chip ids (`chip_id`), vectorised: digits written into a (n, 12) byte array."""
        n = len(self)
        out = np.empty((n, 12), np.uint8)
        for i, (values, width) in enumerate(((self.zone, 2), (self.row, 4), (self.col, 3))):
            lo = (0, 4, 9)[i]
            v = values.astype("int64")
            for k in range(width):
                out[:, lo + width - 1 - k] = 48 + (v // 10 ** k) % 10
        out[:, 2] = np.where(self.south, ord("S"), ord("N"))
        out[:, 3] = out[:, 8] = ord("_")
        return out.view("S12").ravel().astype("U12").tolist()

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
    return shapely.transform(dense, lambda xy: np.column_stack(utm_transformer(epsg).transform(xy[:, 0], xy[:, 1])))


def _edge_overlaps(g: BaseGeometry, cols: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which chips (cols, rows) on the AOI's outline overlap `g` (zone CRS) with a positive area.

    Each chip is intersected with the AOI clipped to its window of EDGE_WINDOW x EDGE_WINDOW chips, not with
    the whole AOI: one intersection costs the vertices it is given, and a zone's outline has vertices along
    its whole height, so intersecting every outline chip with all of them grew with the square of the zone's
    size. The window's clip holds every part of `g` inside the chip, so the areas are the same.
    """
    boxes = shapely.box(cols * float(CHIP_SIZE_M), rows * float(CHIP_SIZE_M), (cols + 1) * float(CHIP_SIZE_M),
                        (rows + 1) * float(CHIP_SIZE_M))
    shapely.prepare(g)
    cand = shapely.intersects(g, boxes)
    area = np.zeros(cols.size)
    win = (cols // EDGE_WINDOW) * (1 << 20) + rows // EDGE_WINDOW
    for w in np.unique(win[cand]):
        sel = np.nonzero(cand & (win == w))[0]
        wc, wr = int(cols[sel[0]] // EDGE_WINDOW), int(rows[sel[0]] // EDGE_WINDOW)
        x0, y0 = wc * EDGE_WINDOW * float(CHIP_SIZE_M), wr * EDGE_WINDOW * float(CHIP_SIZE_M)
        span = EDGE_WINDOW * float(CHIP_SIZE_M)
        piece = shapely.clip_by_rect(g, x0, y0, x0 + span, y0 + span)
        area[sel] = shapely.area(shapely.intersection(boxes[sel], piece))
    return area > 1e-6


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
        keep = _edge_overlaps(g, (c0 + ej).astype("int64"), (r1 - 1 - ei).astype("int64"))
        inside[ei[keep], ej[keep]] = True
    ii, jj = np.nonzero(inside)
    rows = (r1 - 1 - ii).astype("int64")
    cols = (c0 + jj).astype("int64")
    # Keep the chips whose centre lies in this zone and hemisphere.
    lon, lat = lonlat_transformer(epsg).transform((cols + 0.5) * CHIP_SIZE_M, (rows + 0.5) * CHIP_SIZE_M)
    keep = (zone_of(lon) == zone) & ((np.asarray(lat) < 0) == south)
    return rows[keep], cols[keep]


def iter_chip_arrays(geom_4326: BaseGeometry) -> Iterator[ChipArrays]:
    """The chips of `geom_4326` (lon/lat) as one ChipArrays per UTM zone and hemisphere, in id order.

    Concatenated, they are `chip_arrays`: a consumer that takes them one at a time holds one zone's chips
    (at most ~400k, a zone strip from the equator to 84N), whatever the AOI's size.
    """
    check_latitudes(geom_4326)
    for zone, south, part in _zone_parts(geom_4326):  # zones ascending, N before S: the ids' order
        rows, cols = _zone_chips(zone, south, part)
        if not rows.size:
            continue
        order = np.lexsort((cols, rows))
        yield ChipArrays(np.full(rows.size, zone, "int16"), np.full(rows.size, south, bool),
                         rows[order].astype("int32"), cols[order].astype("int32"))


def chip_arrays(geom_4326: BaseGeometry) -> ChipArrays:
    """All chips overlapping `geom_4326` (lon/lat) with positive area, as arrays sorted by id."""
    return ChipArrays.concat(list(iter_chip_arrays(geom_4326)))


def chips_for_geometry(geom_4326: BaseGeometry) -> list[Chip]:
    """All chips overlapping `geom_4326` (lon/lat) with positive area, sorted by id."""
    return chip_arrays(geom_4326).chips()


def chip_outline_4326(chip: Chip, points_per_side: int = 4) -> shapely.Polygon:
    """The chip's square as a lon/lat polygon (edges densified: they are curves in lon/lat)."""
    return chip.box.footprint(4326, points_per_side)


def outline_coords_4326(chips: ChipArrays, points_per_side: int = 4) -> np.ndarray:
    """(n, 4 * points_per_side, 2) lon/lat of the chips' outline rings (counter-clockwise from the south-west
    corner, not closed), vectorised per zone."""
    t = np.linspace(0.0, 1.0, points_per_side, endpoint=False)
    # Counter-clockwise ring in unit coordinates: bottom, right, top, left edges.
    ux = np.concatenate([t, np.ones_like(t), 1 - t, np.zeros_like(t)])
    uy = np.concatenate([np.zeros_like(t), t, np.ones_like(t), 1 - t])
    out = np.empty((len(chips), ux.size, 2))
    epsg = chips.epsg
    for code in np.unique(epsg):
        idx = np.nonzero(epsg == code)[0]
        x = (chips.col[idx, None] + ux[None]) * float(CHIP_SIZE_M)
        y = (chips.row[idx, None] + uy[None]) * float(CHIP_SIZE_M)
        lon, lat = lonlat_transformer(int(code)).transform(x.ravel(), y.ravel())
        out[idx] = np.stack([np.asarray(lon), np.asarray(lat)], axis=-1).reshape(idx.size, ux.size, 2)
    return out


def outlines_4326(chips: ChipArrays, points_per_side: int = 4) -> np.ndarray:
    """Lon/lat outlines of many chips (array of shapely Polygons), vectorised per zone."""
    out = np.empty(len(chips), dtype=object)
    if len(chips):
        out[:] = shapely.polygons(outline_coords_4326(chips, points_per_side))
    return out


def outlines_wkb(chips: ChipArrays, points_per_side: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The chips' lon/lat outlines as WKB polygons without shapely objects: (bytes (n, size) uint8, the offsets
    of an Arrow binary array (n + 1) int32, bounds (n, 4) xmin, ymin, xmax, ymax). The bytes are those of
    `shapely.to_wkb(outlines_4326(chips))` on a little-endian machine (the ring closed by its first point)."""
    coords = outline_coords_4326(chips, points_per_side)
    n, k = coords.shape[0], coords.shape[1] + 1
    size = 13 + 16 * k  # byte order, type 3 (polygon), 1 ring, k points, then k x/y doubles
    buf = np.empty((n, size), np.uint8)
    buf[:, 0] = 1
    buf[:, 1:13] = np.frombuffer(np.array([3, 1, k], "<u4").tobytes(), np.uint8)
    ring = np.concatenate([coords, coords[:, :1]], axis=1).astype("<f8")
    buf[:, 13:] = ring.reshape(n, -1).view(np.uint8)
    bounds = np.concatenate([coords.min(axis=1), coords.max(axis=1)], axis=1) if n else np.zeros((0, 4))
    return buf, np.arange(n + 1, dtype="int32") * size, bounds
