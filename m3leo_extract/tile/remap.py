"""Chips from a source in another CRS (an EPSG:4326 export, the neighbouring UTM zone) without GDAL's warper:
GDAL's own arithmetic, vectorised.

GDAL's warper (rasterio's `reproject`, a `WarpedVRT`) maps each destination row of pixel centres to source
pixel coordinates through its approximate transformer (`tolerance` 0.125 source pixels): the row's first,
middle and last points are transformed exactly and the rest interpolated linearly, the row being split in
halves while the middle point misses by more than the tolerance. It then samples the source: bilinear from the
four pixels around (x - 0.5, y - 0.5), nearest at floor(x + 1e-10). `source_coords` does the same for every
row of a chip at once (one pyproj transform of 3 points a row, the split only for rows that need it) and
`sample` the same sampling with numpy gathers, so a chip costs ~6 ms of numpy instead of a ~31 ms warp, and
equals it within 1 unit of rounding (bilinear) or exactly (nearest: classes).

Only where that holds: the chip's samples all lie inside the source window and none is nodata (the warper
renormalises its weights there), bilinear only where the chip's pixels are not coarser than the source's (the
warper widens its kernel when downsampling), and a source on the chips' datum (WGS 84: PROJ picks no datum
shift, so pyproj and GDAL's PROJ agree). `warp.py` warps the other chips.
"""

from __future__ import annotations

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
               nodata: float | int | None, fill: float | int) -> np.ndarray | None:
    """(band, px, px): chip `chip` sampled from `arr` (the source window read at `origin` = (col, row) from a
    raster of `raster` = (width, height) pixels) as GDAL's warper samples it, `fill` where it writes nothing;
    None where only the warper gives its answer."""
    fn = chip_to_source(chip, res, src_wkt, src_affine)
    sx, sy = source_coords(fn, px)
    if resampling == "bilinear" and warper_scale(sx, sy) < MIN_SCALE:
        return None
    sx -= origin[0]
    sy -= origin[1]
    h, w = arr.shape[1:]
    edges = (origin[0] == 0, origin[1] == 0, origin[0] + w == raster[0], origin[1] + h == raster[1])
    _exact_near_edges(fn, sx, sy, origin, w, h)
    return sample(arr, sx, sy, resampling, dtype, nodata, edges, fill)


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
           nodata: float | int | None, edges: tuple[bool, bool, bool, bool] = (False, False, False, False),
           fill: float | int = 0) -> np.ndarray | None:
    """(band, px, px) sampled from `arr` (band, h, w; source pixel coordinates relative to its corner) as GDAL's
    warper does, or None where the warper would do something else: a sample on nodata, or outside `arr` where
    `arr`'s edge (left, top, right, bottom) is not the raster's (`edges`). Past the raster's edges it does
    what the warper does: pixels whose centre maps outside get `fill`, and bilinear weights the samples that
    are inside."""
    nb, h, w = arr.shape
    kind = np.dtype(dtype)
    inside = (sx >= 0) & (sy >= 0) & (np.floor(sx + 1e-10) < w) & (np.floor(sy + 1e-10) < h)
    every = bool(inside.all())
    if not every and not _outside_only_past(sx, sy, inside, w, h, edges):
        return None
    if resampling == "nearest":
        ix = np.clip(np.floor(sx + 1e-10), 0, w - 1).astype(np.intp)
        iy = np.clip(np.floor(sy + 1e-10), 0, h - 1).astype(np.intp)
        out = arr.reshape(nb, -1)[:, (iy * w + ix).ravel()].reshape(nb, *sx.shape)
        if _has_nodata(out[:, inside], nodata):
            return None
        out = out.astype(kind, copy=False)
        if not every:
            out[:, ~inside] = fill
        return out
    fx, fy = sx - 0.5, sy - 0.5
    x0, y0 = np.floor(fx), np.floor(fy)
    if every and x0.min() >= 0 and y0.min() >= 0 and x0.max() <= w - 2 and y0.max() <= h - 2:
        return _bilinear_inside(arr, fx - x0, fy - y0, x0, y0, kind, nodata)
    return _bilinear_edges(arr, sx, sy, x0, y0, inside, edges, kind, nodata, fill)


def _outside_only_past(sx: np.ndarray, sy: np.ndarray, inside: np.ndarray, w: int, h: int,
                       edges: tuple[bool, bool, bool, bool]) -> bool:
    """Every pixel centre outside `arr` lies past one of its edges that is the raster's own."""
    out = ~inside
    left, top = out & (sx < 0), out & (sy < 0)
    right, bottom = out & (np.floor(sx + 1e-10) >= w), out & (np.floor(sy + 1e-10) >= h)
    return all(e or not m.any() for e, m in zip(edges, (left, top, right, bottom), strict=True))


def _bilinear_inside(arr: np.ndarray, rx: np.ndarray, ry: np.ndarray, x0: np.ndarray, y0: np.ndarray,
                     kind: np.dtype, nodata: float | int | None) -> np.ndarray | None:
    """Every sample's four source pixels inside `arr`: the same four weights GDAL's 4-sample bilinear uses."""
    nb, h, w = arr.shape
    flat = arr.reshape(nb, -1)
    rx, ry = rx.ravel(), ry.ravel()
    idx = (y0.astype(np.intp) * w + x0.astype(np.intp)).ravel()
    out = np.empty((nb, idx.size), kind)
    info = np.iinfo(kind) if kind.kind in "iu" else None
    for b in range(nb):
        s = flat[b]
        p00, p01, p10, p11 = s[idx], s[idx + 1], s[idx + w], s[idx + w + 1]
        if any(_has_nodata(p, nodata) for p in (p00, p01, p10, p11)):
            return None
        top = p00 + rx * (p01 - p00.astype(np.float64))
        bottom = p10 + rx * (p11 - p10.astype(np.float64))
        top += ry * (bottom - top)
        out[b] = _rounded(top, info)
    return out.reshape(nb, *x0.shape)


def _bilinear_edges(arr: np.ndarray, sx: np.ndarray, sy: np.ndarray, x0: np.ndarray, y0: np.ndarray,
                    inside: np.ndarray, edges: tuple[bool, bool, bool, bool], kind: np.dtype,
                    nodata: float | int | None, fill: float | int) -> np.ndarray | None:
    """GWKBilinearResample4Sample: the weights of the source pixels outside the raster dropped and the rest
    renormalised (GDAL's order of operations, so the doubles are its own)."""
    nb, h, w = arr.shape
    wx, wy = 1.5 - (sx - x0), 1.5 - (sy - y0)
    wx[x0 == -1], wy[y0 == -1] = 1.0, 1.0
    x0, y0 = np.maximum(x0, 0), np.maximum(y0, 0)
    c0, c1 = x0 < w, x0 + 1 < w
    r0, r1 = y0 < h, y0 + 1 < h
    need = [(c0 & r0, 0, 0), (c1 & r0, 1, 0), (c1 & r1, 1, 1), (c0 & r1, 0, 1)]  # GDAL's order: UL, UR, LR, LL
    if not edges[2] and (inside & ~c1).any() or not edges[3] and (inside & ~r1).any():
        return None  # the kernel needs pixels beyond a window edge that is not the raster's
    ix0, iy0 = x0.astype(np.intp), y0.astype(np.intp)
    weights = {(1, 0): (1 - wx) * wy, (0, 0): wx * wy, (1, 1): (1 - wx) * (1 - wy), (0, 1): wx * (1 - wy)}
    div = np.zeros(sx.shape)
    terms = []
    for ok, dx, dy in need:
        m = np.where(ok & inside, weights[(dx, dy)], 0.0)
        div += m
        terms.append((m, np.clip(iy0 + dy, 0, h - 1) * w + np.clip(ix0 + dx, 0, w - 1), ok & inside))
    valid = inside & (div >= 0.00001)
    out = np.empty((nb, *sx.shape), kind)
    info = np.iinfo(kind) if kind.kind in "iu" else None
    flat = arr.reshape(nb, -1)
    for b in range(nb):
        acc = np.zeros(sx.shape)
        for m, idx, used in terms:
            p = flat[b][idx]
            if _has_nodata(p[used], nodata):
                return None
            acc += p * m
        acc = np.where(div == 1.0, acc, acc / np.where(valid, div, 1.0))
        out[b] = _rounded(acc, info)
        out[b][~valid] = fill
    return out


def _rounded(v: np.ndarray, info: np.iinfo | None) -> np.ndarray:
    """Integers rounded half up and clamped, as the warper does; floats as they are."""
    if info is not None:
        np.floor(v + 0.5, out=v)
        np.clip(v, info.min, info.max, out=v)
    return v


def _has_nodata(a: np.ndarray, nodata: float | int | None) -> bool:
    if nodata is None:
        return bool(a.dtype.kind == "f" and np.isnan(a).any())
    if nodata != nodata:  # NaN
        return bool(a.dtype.kind == "f" and np.isnan(a).any())
    return bool((a == nodata).any() or (a.dtype.kind == "f" and np.isnan(a).any()))
