"""Chips from a source in another CRS (an EPSG:4326 export, the neighbouring UTM zone) without GDAL's warper:
GDAL's own arithmetic, vectorised.

GDAL's warper (rasterio's `reproject`, a `WarpedVRT`) maps each destination row of pixel centres to source
pixel coordinates through its approximate transformer (`tolerance` 0.125 source pixels): the row's first,
middle and last points are transformed exactly and the rest interpolated linearly, the row being split in
halves while the middle point misses by more than the tolerance. It then samples the source: bilinear from the
four pixels around (x - 0.5, y - 0.5), nearest at floor(x + 1e-10). `source_coords` does the same for every
row of a chip at once (one pyproj transform of 3 points a row, the split only for rows that need it) and
`sample` the same sampling with numpy gathers (from a compact copy of the chip's own source pixels, a pixel
and its right neighbour in one gather, integers of up to 16 bits in float32), so a chip costs ~3 ms of numpy
instead of a ~20-30 ms warp, and equals it within 1 unit of rounding (bilinear: float32 round-off moves
~0.02% of pixels by 1) or exactly (nearest: classes). At the raster's own edges it does what the warper
does: pixels whose centre maps outside are left to the fill, a pixel just past the edge is transformed again
exactly, and bilinear drops the weights of the samples outside and renormalises the rest.

Only where that holds: no sample the chip uses is nodata (the warper renormalises around those, pixel by
pixel), every sample lies inside the source window except past the raster's own edges, bilinear only where
the chip's pixels are not coarser than the source's (the warper widens its kernel when downsampling), and a
source on the chips' datum (WGS 84: PROJ picks no datum shift, so pyproj and GDAL's PROJ agree). Otherwise
`remap_chip` returns None and `warp.py` warps the chip.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import numpy as np
from affine import Affine
from pyproj import CRS, Transformer

from ..grid import Chip

TOLERANCE = 0.125  # source pixels: GDAL's (and rasterio's) default error threshold of the approximate transformer
REMAP_RESAMPLINGS = frozenset({"nearest", "bilinear"})
# GDAL's warper takes its four-sample bilinear while the chunk's destination size over its source window's is
# >= 0.95 (no more than ~5% downsampling); asking >= 1 of a window 2 pixels wider keeps us on that side.
MIN_SCALE = 1.0

_LOCAL = threading.local()
_WGS84 = CRS.from_epsg(4326)
_DATUM_OK: dict[str, bool] = {}

Coords = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def same_datum(src_wkt: str) -> bool:
    """The source is on WGS 84 (as every chip CRS is): a conversion, no datum shift to disagree on."""
    ok = _DATUM_OK.get(src_wkt)
    if ok is None:
        try:
            geo = CRS.from_wkt(src_wkt).geodetic_crs
            ok = geo is not None and geo.equals(_WGS84, ignore_axis_order=True)
        except Exception:
            ok = False
        _DATUM_OK[src_wkt] = ok
    return ok


def _transformer(epsg: int, src_wkt: str) -> Transformer:
    """This thread's transformer from chip zone `epsg` to the source CRS (pyproj's are not shared across threads)."""
    cache: dict[tuple[int, str], Transformer] = getattr(_LOCAL, "transformers", None) or {}
    _LOCAL.transformers = cache
    key = (epsg, src_wkt)
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        cache[key] = Transformer.from_crs(CRS.from_epsg(epsg), CRS.from_wkt(src_wkt), always_xy=True)
    return cache[key]


def chip_to_source(chip: Chip, res: float, src_wkt: str, src_affine: Affine) -> Coords:
    """(dst col, dst row) pixel coordinates of the chip -> (src col, src row) pixel coordinates, exactly."""
    tr = _transformer(chip.epsg, src_wkt)
    inv = ~src_affine
    x0, y1 = chip.x_min, chip.y_max

    def f(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = tr.transform(x0 + u * res, y1 - v * res)
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        return inv.a * xs + inv.b * ys + inv.c, inv.d * xs + inv.e * ys + inv.f

    return f


def source_coords(fn: Coords, px: int, tolerance: float = TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """(sx, sy), each (px, px): the source pixel coordinates GDAL's approximate transformer gives the chip's
    pixel centres (u + 0.5, v + 0.5), row by row."""
    u = np.arange(px, dtype=np.float64) + 0.5
    v = np.arange(px, dtype=np.float64) + 0.5
    sx, sy = np.empty((px, px)), np.empty((px, px))
    rows = np.arange(px)
    if px <= 5 or tolerance <= 0:
        sx[:], sy[:] = fn(np.broadcast_to(u, (px, px)), np.broadcast_to(v[:, None], (px, px)))
        return sx, sy
    mid = (px - 1) // 2
    pts = np.array([u[0], u[mid], u[-1]])
    tx, ty = fn(np.broadcast_to(pts, (px, 3)), np.broadcast_to(v[:, None], (px, 3)))
    _approx(fn, u, v, rows, 0, px, tx, ty, sx, sy, tolerance)
    return sx, sy


def _approx(fn: Coords, u: np.ndarray, v: np.ndarray, rows: np.ndarray, start: int, n: int, tx: np.ndarray,
            ty: np.ndarray, sx: np.ndarray, sy: np.ndarray, tol: float) -> None:
    """GDALApproxTransformInternal over the segment [start, start + n) of `rows` at once; tx/ty (rows, 3) are
    the exact transforms of the segment's first, middle and last points."""
    mid, end = start + (n - 1) // 2, start + n - 1
    span = u[end] - u[start]
    dx, dy = (tx[:, 2] - tx[:, 0]) / span, (ty[:, 2] - ty[:, 0]) / span
    md = u[mid] - u[start]
    err = np.abs(tx[:, 0] + dx * md - tx[:, 1]) + np.abs(ty[:, 0] + dy * md - ty[:, 1])
    ok = err <= tol
    d = u[start:end + 1] - u[start]
    if ok.all() and len(rows) == len(sx):  # the usual case: every row a straight line, no fancy indexing
        np.multiply(dx[:, None], d, out=sx[:, start:end + 1])
        sx[:, start:end + 1] += tx[:, :1]
        np.multiply(dy[:, None], d, out=sy[:, start:end + 1])
        sy[:, start:end + 1] += ty[:, :1]
        return
    if ok.any():
        r = rows[ok]
        sx[r, start:end + 1] = tx[ok, :1] + dx[ok, None] * d
        sy[r, start:end + 1] = ty[ok, :1] + dy[ok, None] * d
    if ok.all():
        return
    bad = ~ok
    r, tx, ty = rows[bad], tx[bad], ty[bad]
    for s0, m in ((start, (n - 1) // 2), (mid, n - (n - 1) // 2)):  # the left half, then the right half
        if m <= 5:  # GDAL transforms short segments exactly
            uu = np.broadcast_to(u[s0:s0 + m], (len(r), m))
            sx[r, s0:s0 + m], sy[r, s0:s0 + m] = fn(uu, np.broadcast_to(v[r, None], (len(r), m)))
            continue
        sm, se = s0 + (m - 1) // 2, s0 + m - 1
        first = 0 if s0 == start else 1  # the left half starts at the segment's start, the right at its middle
        mx, my = fn(np.broadcast_to(u[[sm, se]], (len(r), 2)), np.broadcast_to(v[r, None], (len(r), 2)))
        if s0 == start:
            ex, ey = mx[:, 1:], my[:, 1:]  # the left half ends one before the middle: transformed here
        else:
            ex, ey = tx[:, 2:], ty[:, 2:]
        hx = np.concatenate([tx[:, first:first + 1], mx[:, :1], ex], 1)
        hy = np.concatenate([ty[:, first:first + 1], my[:, :1], ey], 1)
        _approx(fn, u, v, r, s0, m, hx, hy, sx, sy, tol)


def warper_scale(sx: np.ndarray, sy: np.ndarray) -> float:
    """Chip pixels over the source window's pixels (the smaller axis; < 1 is downsampling), the window being
    the bounding box of the chip's source coordinates, 2 pixels wider: what the warper's dfXScale compares."""
    h, w = sx.shape
    return float(min(w / (np.ptp(sx) + 2), h / (np.ptp(sy) + 2)))


def remap_chip(arr: np.ndarray, origin: tuple[int, int], raster: tuple[int, int], chip: Chip, res: float,
               px: int, src_wkt: str, src_affine: Affine, resampling: str, dtype: str,
               nodata: float | int | None, fill: float | int, check_nodata: bool = True) -> np.ndarray | None:
    """(band, px, px): chip `chip` sampled from `arr` (the source window read at `origin` = (col, row) from a
    raster of `raster` = (width, height) pixels) as GDAL's warper samples it, `fill` where it writes nothing;
    None where only the warper gives its answer. `check_nodata=False`: the caller knows `arr` holds none."""
    fn = chip_to_source(chip, res, src_wkt, src_affine)
    sx, sy = source_coords(fn, px)
    if resampling == "bilinear" and warper_scale(sx, sy) < MIN_SCALE:
        return None
    sx -= origin[0]
    sy -= origin[1]
    h, w = arr.shape[1:]
    if not _well_inside(sx, sy, w, h):
        _exact_near_edges(fn, sx, sy, origin, w, h)
    arr, origin = _crop(arr, origin, sx, sy)
    h, w = arr.shape[1:]
    edges = (origin[0] == 0, origin[1] == 0, origin[0] + w == raster[0], origin[1] + h == raster[1])
    return sample(arr, sx, sy, resampling, dtype, nodata if check_nodata else _NO_CHECK, edges, fill)


def _crop(arr: np.ndarray, origin: tuple[int, int], sx: np.ndarray, sy: np.ndarray) -> tuple[
        np.ndarray, tuple[int, int]]:
    """The part of `arr` the chip's samples use (their bounding box, 2 pixels wider, within `arr`) as a compact
    copy, and its origin; (sx, sy) shifted onto it in place. Gathers from a run's window thousands of pixels
    wide stride over a new memory page every source row: from the chip's own ~0.4 MB they are 3-4x cheaper."""
    h, w = arr.shape[1:]
    lo_x, hi_x, lo_y, hi_y = sx.min(), sx.max(), sy.min(), sy.max()
    if not np.isfinite([lo_x, hi_x, lo_y, hi_y]).all():
        return arr, origin
    x0, y0 = max(int(np.floor(lo_x)) - 2, 0), max(int(np.floor(lo_y)) - 2, 0)
    x1, y1 = min(int(np.ceil(hi_x)) + 3, w), min(int(np.ceil(hi_y)) + 3, h)
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) > 0.7 * w * h:
        return arr, origin
    sx -= x0
    sy -= y0
    return np.ascontiguousarray(arr[:, y0:y1, x0:x1]), (origin[0] + x0, origin[1] + y0)


_NO_CHECK = object()  # `nodata` that skips the per-sample nodata test


def _well_inside(sx: np.ndarray, sy: np.ndarray, w: int, h: int) -> bool:
    """Every pixel centre's four bilinear neighbours (and so its nearest pixel) inside `arr`."""
    return bool(sx.min() >= 0.5 and sy.min() >= 0.5 and sx.max() < w - 0.5 and sy.max() < h - 0.5)


def _exact_near_edges(fn: Coords, sx: np.ndarray, sy: np.ndarray, origin: tuple[int, int], w: int, h: int) -> None:
    """The warper transforms a pixel again, exactly, when its approximate source coordinates fall just outside
    the source window (less than a pixel past an edge), and uses that answer: so do we, in place."""
    ix, iy = np.floor(sx + 1e-10), np.floor(sy + 1e-10)
    below = (sx < 0) | (sy < 0)
    near = np.where(below, (sx > -1) & (sy > -1), ((ix >= w) | (iy >= h)) & (ix < w + 1) & (iy < h + 1))
    if near.any():
        v, u = np.nonzero(near)
        ex, ey = fn(u + 0.5, v + 0.5)
        sx[near], sy[near] = ex - origin[0], ey - origin[1]


def sample(arr: np.ndarray, sx: np.ndarray, sy: np.ndarray, resampling: str, dtype: str,
           nodata: object, edges: tuple[bool, bool, bool, bool] = (False, False, False, False),
           fill: float | int = 0) -> np.ndarray | None:
    """(band, px, px) sampled from `arr` (band, h, w; source pixel coordinates relative to its corner) as GDAL's
    warper does, or None where the warper would do something else: a sample on nodata, or outside `arr` where
    `arr`'s edge (left, top, right, bottom) is not the raster's (`edges`). Past the raster's edges it does
    what the warper does: pixels whose centre maps outside get `fill`, and bilinear weights the samples that
    are inside."""
    nb, h, w = arr.shape
    kind = np.dtype(dtype)
    if _well_inside(sx, sy, w, h):
        return _sample_points(arr.reshape(nb, -1), sx, sy, w, h, resampling, kind, nodata, None, edges, fill)
    inside = (sx >= 0) & (sy >= 0) & (np.floor(sx + 1e-10) < w) & (np.floor(sy + 1e-10) < h)
    if not _outside_only_past(sx, sy, inside, w, h, edges):
        return None
    # Across the raster's edge: only the pixels whose centre maps inside are sampled, the rest are `fill`.
    sel = np.flatnonzero(inside)
    out = np.full((nb, inside.size), fill, kind)
    if sel.size:
        got = _sample_points(arr.reshape(nb, -1), sx.ravel()[sel], sy.ravel()[sel], w, h, resampling, kind,
                             nodata, np.ones(sel.size, bool), edges, fill)
        if got is None:
            return None
        out[:, sel] = got
    return out.reshape(nb, *sx.shape)


def _sample_points(flat: np.ndarray, sx: np.ndarray, sy: np.ndarray, w: int, h: int, resampling: str,
                   kind: np.dtype, nodata: object, inside: np.ndarray | None,
                   edges: tuple[bool, bool, bool, bool], fill: float | int) -> np.ndarray | None:
    """`sample` at the points (sx, sy) of `flat` (band, h * w); `inside` None: their kernels are all inside,
    else the points are inside but their kernels may reach past the edges."""
    nb = flat.shape[0]
    if resampling == "nearest":
        ix = np.clip(np.floor(sx + 1e-10), 0, w - 1).astype(np.intp)
        iy = np.clip(np.floor(sy + 1e-10), 0, h - 1).astype(np.intp)
        iy *= w
        iy += ix
        out = flat[:, iy.ravel()].reshape(nb, *sx.shape)
        if _has_nodata(out, nodata):
            return None
        return out.astype(kind, copy=False)
    fx, fy = sx - 0.5, sy - 0.5
    x0, y0 = np.floor(fx), np.floor(fy)
    fx -= x0  # the weights of the right and lower neighbours
    fy -= y0
    if inside is None:
        ix0, iy0 = x0.astype(np.intp), y0.astype(np.intp)
    else:
        ix0, iy0 = np.clip(x0, 0, w - 2).astype(np.intp), np.clip(y0, 0, h - 2).astype(np.intp)
    out = _bilinear(flat, ix0, iy0, fx, fy, w, kind, nodata, inside)
    if out is None or inside is None:
        return out
    return _bilinear_edges(flat, out, sx, sy, x0, y0, inside, edges, w, h, kind, nodata, fill)


def _outside_only_past(sx: np.ndarray, sy: np.ndarray, inside: np.ndarray, w: int, h: int,
                       edges: tuple[bool, bool, bool, bool]) -> bool:
    """Every pixel centre outside `arr` lies past one of its edges that is the raster's own."""
    out = ~inside
    left, top = out & (sx < 0), out & (sy < 0)
    right, bottom = out & (np.floor(sx + 1e-10) >= w), out & (np.floor(sy + 1e-10) >= h)
    return all(e or not m.any() for e, m in zip(edges, (left, top, right, bottom), strict=True))


def _bilinear(flat: np.ndarray, ix0: np.ndarray, iy0: np.ndarray, rx: np.ndarray, ry: np.ndarray, w: int,
              kind: np.dtype, nodata: object, inside: np.ndarray | None) -> np.ndarray | None:
    """GDAL's 4-sample bilinear from the four source pixels at (ix0, iy0) + (0|1, 0|1) (all inside `flat`'s
    rows of width `w`), rounded as the warper rounds; None if a sample it uses (`inside`) is nodata.

    Each pair of horizontal neighbours is gathered by one `take` (`_pairs`), and integers of up to 16 bits are
    interpolated in float32 (`calc_dtype`): ~2x cheaper than four gathers and float64, within 1 DN of the
    warper's doubles (the float32 error, < 0.02 DN below 65536, can only move a value that lies that close to
    a rounding boundary)."""
    nb = flat.shape[0]
    i00 = (iy0 * w + ix0).ravel()
    i10 = i00 + w
    calc = calc_dtype(kind, flat.dtype)
    rx, ry = rx.ravel().astype(calc, copy=False), ry.ravel().astype(calc, copy=False)
    out = np.empty((nb, i00.size), kind)
    used = None if inside is None else inside.ravel()
    bufs = [np.empty(i00.size, calc) for _ in range(4)]
    nan = flat.dtype.kind == "f"  # integer samples are never NaN, whatever dtype they are interpolated in
    for b in range(nb):
        p = _corners(flat[b], i00, i10, bufs)
        if nodata is not _NO_CHECK and any(_has_nodata(q if used is None else q[used], nodata, nan) for q in p):
            return None
        top, bottom = np.subtract(p[1], p[0], out=bufs[1], dtype=calc), np.subtract(p[3], p[2], out=bufs[3], dtype=calc)
        top *= rx  # p00 + rx * (p01 - p00)
        top += p[0]
        bottom *= rx
        bottom += p[2]
        bottom -= top  # top + ry * (bottom - top)
        bottom *= ry
        top += bottom
        out[b] = _rounded(top, kind)
    return out.reshape(nb, *ix0.shape)


def calc_dtype(kind: np.dtype, src: np.dtype) -> type:
    """float32 where both the source and the chips are integers of up to 16 bits (exact in its 24-bit
    mantissa), else float64 (the warper's own)."""
    small = all(d.kind in "iu" and d.itemsize <= 2 for d in (np.dtype(kind), np.dtype(src)))
    return np.float32 if small else np.float64


_PAIR = {1: np.uint16, 2: np.uint32, 4: np.uint64}


def _pairs(s: np.ndarray) -> np.ndarray | None:
    """(s[i], s[i + 1]) packed into one unsigned integer twice as wide, for every i: a view (overlapping
    items, stride one element), so one `take` gathers a pixel and its right neighbour. None for wider items,
    a non-contiguous or big-endian `s`."""
    wide = _PAIR.get(s.dtype.itemsize)
    if wide is None or s.size < 2 or not s.flags.c_contiguous or sys.byteorder != "little" \
            or s.dtype.byteorder == ">":
        return None
    return np.ndarray((s.size - 1,), wide, buffer=s, strides=(s.dtype.itemsize,))


def _corners(s: np.ndarray, i00: np.ndarray, i10: np.ndarray, bufs: list[np.ndarray]) -> list[np.ndarray]:
    """The samples at i00, i00 + 1, i10, i10 + 1 of the band `s`. Unsigned integers are split out of their
    pair gather into `bufs` (already in the arithmetic's dtype); other types are views of the pairs."""
    pairs = _pairs(s)
    if pairs is None:
        return [s.take(i) for i in (i00, i00 + 1, i10, i10 + 1)]
    got = [pairs.take(i00), pairs.take(i10)]
    if s.dtype.kind != "u":
        halves = [g.view(s.dtype).reshape(-1, 2) for g in got]
        return [halves[0][:, 0], halves[0][:, 1], halves[1][:, 0], halves[1][:, 1]]
    bits = 8 * s.dtype.itemsize
    for k, g in enumerate(got):  # little-endian: the left pixel is the low half
        np.bitwise_and(g, (1 << bits) - 1, out=bufs[2 * k], casting="unsafe")
        np.right_shift(g, bits, out=bufs[2 * k + 1], casting="unsafe")
    return bufs


def _bilinear_edges(flat: np.ndarray, out: np.ndarray, sx: np.ndarray, sy: np.ndarray, x0: np.ndarray,
                    y0: np.ndarray, inside: np.ndarray, edges: tuple[bool, bool, bool, bool], w: int, h: int,
                    kind: np.dtype, nodata: object, fill: float | int) -> np.ndarray | None:
    """GWKBilinearResample4Sample where a pixel's neighbours are not all inside the raster: their weights
    dropped and the rest renormalised, in GDAL's order of operations (so the doubles are its own), for just
    those pixels; `fill` where the centre maps outside. `out` holds the 4-sample answer everywhere else."""
    c0, c1 = (x0 >= -1) & (x0 < w), x0 + 1 < w  # x0 == -1 reads column 0 with weight 1 (GDAL's clamp)
    r0, r1 = (y0 >= -1) & (y0 < h), y0 + 1 < h
    part = inside & ~((x0 >= 0) & c1 & (y0 >= 0) & r1)
    if not edges[2] and (inside & ~c1).any() or not edges[3] and (inside & ~r1).any():
        return None  # the kernel needs pixels beyond a window edge that is not the raster's
    if part.any():
        px_, py_, xx, yy = sx[part], sy[part], x0[part], y0[part]
        wx, wy = 1.5 - (px_ - xx), 1.5 - (py_ - yy)
        wx[xx == -1], wy[yy == -1] = 1.0, 1.0
        xx, yy = np.maximum(xx, 0).astype(np.intp), np.maximum(yy, 0).astype(np.intp)
        cc0, cc1, rr0, rr1 = c0[part], c1[part], r0[part], r1[part]
        terms = [(cc0 & rr0, wx * wy, 0, 0), (cc1 & rr0, (1 - wx) * wy, 1, 0),  # GDAL's order: UL, UR, LR, LL
                 (cc1 & rr1, (1 - wx) * (1 - wy), 1, 1), (cc0 & rr1, wx * (1 - wy), 0, 1)]
        div = np.zeros(xx.size)
        for ok, m, _, _ in terms:
            div += np.where(ok, m, 0.0)
        for b in range(flat.shape[0]):
            acc = np.zeros(xx.size)
            for ok, m, dx, dy in terms:
                v = flat[b][np.minimum(yy + dy, h - 1) * w + np.minimum(xx + dx, w - 1)]
                if nodata is not _NO_CHECK and _has_nodata(v[ok], nodata):
                    return None
                acc += np.where(ok, v * m, 0.0)
            acc = np.where(div == 1.0, acc, acc / np.where(div > 0, div, 1.0))
            vals = _rounded(acc, kind).astype(kind)
            vals[div < 0.00001] = fill
            out[b][part] = vals
    return out


def _rounded(v: np.ndarray, kind: np.dtype) -> np.ndarray:
    """Integers rounded half up, as the warper does (a bilinear value lies between its samples: no clamping
    needed; unsigned ones are >= 0, where the cast's truncation is the floor); floats as they are."""
    if kind.kind in "iu":
        v += 0.5
        if kind.kind == "i":
            np.floor(v, out=v)
    return v


def _has_nodata(a: np.ndarray, nodata: object, nan: bool | None = None) -> bool:
    """A sample of `a` is `nodata` (or NaN, where `nan` or, by default, `a` holds floats)."""
    if nodata is _NO_CHECK:
        return False
    isnan = (a.dtype.kind == "f" if nan is None else nan) and bool(np.isnan(a).any())
    if nodata is None or nodata != nodata:  # none, or NaN
        return isnan
    return isnan or bool((a == nodata).any())
