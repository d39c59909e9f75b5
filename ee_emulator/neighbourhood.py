"""Neighbourhood algorithms: distance transforms and focal min / max, computed on a raster of the input.

A band is a function of ground position, but a neighbourhood needs the input around each point. So a
neighbourhood band, asked for some points, rasterises its input on a window of its working grid (the
points' pixels plus the kernel's reach), runs the kernel there (scipy.ndimage) and reads the result back at
the points' pixels. The working grid is the projection an enclosing `reproject` forces (as in Earth Engine,
where reproject fixes the scale upstream computations run at), else the input band's own native grid.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import world
from .coords import grid_coords
from .errors import EEError
from .graph import Band, Img, as_image, computed_props

Arr = np.ndarray
Kernel = Callable[[Arr, Arr, float], tuple[Arr, Arr]]  # (values, mask, pixel size m) -> (values, mask)
MAX_WINDOW = 4096 * 4096  # pixels of one window (a larger neighbourhood is refused, not silently slow)

_forced = threading.local()


@contextmanager
def forced_projection(proj: dict[str, Any]) -> Iterator[None]:
    """While a reprojected band evaluates its input, neighbourhood bands below it work in `proj`."""
    prev = getattr(_forced, "proj", None)
    _forced.proj = proj
    try:
        yield
    finally:
        _forced.proj = prev


def _working_grid(band: Band, img: Img) -> tuple[str, float, float, float, float]:
    """(crs, x scale, x origin, y scale, y origin) of the grid a neighbourhood of `band` is computed on."""
    proj = getattr(_forced, "proj", None)
    if proj is None or "transform" not in proj:
        proj = band.grid[0] if band.grid is not None else img.props.get("_projection")
    if not proj or "transform" not in proj or list(proj["transform"])[:1] == [1.0] and proj.get("crs") == \
            "EPSG:4326":  # no fixed projection (a composite): the world's 10 m lattice
        d = world.L10.deg
        return "EPSG:4326", d, 0.0, -d, 0.0
    a, _, c, _, e, f = (float(v) for v in proj["transform"])
    return str(proj.get("crs", "EPSG:4326")), a, c, e, f


def _metres(crs: str, a: float) -> float:
    from pyproj import CRS

    return abs(a) * (world.M_PER_DEG if CRS.from_user_input(crs).is_geographic else 1.0)


def neighbourhood(img: Img, kernel: Kernel, reach: Callable[[float], float], name: str | None = None,
                  dtype: str = "float64") -> Img:
    """Each band of `img` through `kernel` on its working grid, with `reach(pixel size m)` pixels of context."""
    def wrap(b: Band) -> Band:
        def fn(lon: Arr, lat: Arr) -> tuple[Arr, Arr]:
            from pyproj import Transformer

            crs, a, c, e, f = _working_grid(b, img)
            if crs.upper() in ("EPSG:4326", "WGS84"):
                x, y = lon, lat
            else:
                x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
            col = np.floor((np.asarray(x) - c) / a).astype(np.int64)
            row = np.floor((np.asarray(y) - f) / e).astype(np.int64)
            if col.size == 0:
                return np.zeros(lon.shape), np.zeros(lon.shape, bool)
            px = _metres(crs, a)
            r = int(math.ceil(reach(px))) + 1
            c0, r0 = int(col.min()) - r, int(row.min()) - r
            w, h = int(col.max()) + r + 1 - c0, int(row.max()) + r + 1 - r0
            if w * h > MAX_WINDOW:
                raise EEError(f"Neighbourhood of {w} x {h} pixels is too large for the m3leo emulator; "
                              "reproject to a coarser scale first.")
            grid = {"dimensions": {"width": w, "height": h}, "crsCode": crs,
                    "affineTransform": {"scaleX": a, "shearX": 0.0, "translateX": c + a * c0, "shearY": 0.0,
                                        "scaleY": e, "translateY": f + e * r0}}
            glon, glat, _ = grid_coords(grid)
            v, m = b.eval(glon, glat)
            out_v, out_m = kernel(np.asarray(v, dtype=np.float64), np.asarray(m, bool), px)
            return out_v[row - r0, col - c0], out_m[row - r0, col - c0]
        return Band(name or b.name, fn, dtype, b.grid)
    return Img([wrap(b) for b in img.bands], computed_props(img.props))


# -- kernels ----------------------------------------------------------------------------------------------------
def _disk(radius_px: float) -> Arr:
    r = int(math.floor(radius_px))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return (xx * xx + yy * yy) <= radius_px * radius_px + 1e-9


def _radius_px(radius: float, units: str, px: float) -> float:
    return float(radius) / px if str(units).lower() == "meters" else float(radius)


def focal(kind: str) -> Callable[..., Img]:
    """Image.focal_min / focal_max: the min / max of unmasked pixels within a circle or square."""
    def f(image: Any, radius: float = 1.5, kernelType: str = "circle", units: str = "pixels",  # noqa: N803
          iterations: int = 1, kernel: Any = None) -> Img:
        from scipy import ndimage

        img = as_image(image)

        def k(v: Arr, m: Arr, px: float) -> tuple[Arr, Arr]:
            rp = _radius_px(radius, units, px)
            n = int(math.floor(rp))
            fp = _disk(rp) if kernelType == "circle" else np.ones((2 * n + 1, 2 * n + 1), bool)
            fill = np.inf if kind == "min" else -np.inf
            out = np.where(m, v, fill)
            for _ in range(int(iterations)):
                out = (ndimage.grey_erosion if kind == "min" else ndimage.grey_dilation)(
                    out, footprint=fp, mode="constant", cval=fill)
            return np.where(np.isfinite(out), out, 0.0), np.isfinite(out)

        return neighbourhood(img, k, lambda px: _radius_px(radius, units, px) * int(iterations))
    return f


def fast_distance_transform(image: Any, neighborhood: float = 256, units: str = "pixels",
                            metric: str = "squared_euclidean") -> Img:
    """Image.fastDistanceTransform: distance (squared, in pixels) to the nearest non-zero pixel, within
    `neighborhood` pixels (farther: the neighbourhood's bound). Masked pixels count as zero."""
    from scipy import ndimage

    img = as_image(image)
    n = float(neighborhood)

    def k(v: Arr, m: Arr, px: float) -> tuple[Arr, Arr]:
        on = m & (v != 0)
        if not on.any():
            d2 = np.full(v.shape, n * n)
        else:
            d = ndimage.distance_transform_edt(~on)
            d2 = np.minimum(d * d, n * n)
        if metric == "manhattan":
            d2 = np.minimum(ndimage.distance_transform_cdt(~on, metric="taxicab").astype(float), n)
        elif metric == "chebyshev":
            d2 = np.minimum(ndimage.distance_transform_cdt(~on, metric="chessboard").astype(float), n)
        return d2, np.ones(v.shape, bool)

    first = Img([img.bands[0]], img.props)
    return neighbourhood(first, k, lambda px: n, name="distance")


def directional_distance_transform(source: Any, angle: float, maxDistance: float,  # noqa: N803
                                   labelBand: str | None = None) -> Img:  # noqa: N803
    """Image.directionalDistanceTransform: for each zero pixel, the distance (pixels) to the nearest non-zero
    pixel looking along `angle` (degrees counter-clockwise from east, north up), up to `maxDistance` pixels;
    masked where none is found. Non-zero pixels are at distance 0. The band is named `distance`."""
    img = as_image(source)
    n = int(round(float(maxDistance)))
    th = math.radians(float(angle))
    dx, dy = math.cos(th), -math.sin(th)  # rows grow southwards

    def k(v: Arr, m: Arr, px: float) -> tuple[Arr, Arr]:
        on = m & (v != 0)
        h, w = on.shape
        dist = np.where(on, 0.0, np.inf)
        rr, cc = np.mgrid[0:h, 0:w]
        for step in range(1, n + 1):
            r2 = np.rint(rr + dy * step).astype(np.int64)
            c2 = np.rint(cc + dx * step).astype(np.int64)
            ok = (r2 >= 0) & (r2 < h) & (c2 >= 0) & (c2 < w)
            hit = np.zeros((h, w), bool)
            hit[ok] = on[r2[ok], c2[ok]]
            dist = np.where(hit & ~np.isfinite(dist), float(step), dist)
        found = np.isfinite(dist)
        return np.where(found, dist, 0.0), found

    first = Img([img.bands[0]], img.props)
    return neighbourhood(first, k, lambda px: n + 1, name="distance")


def neighbourhood_table() -> dict[str, Callable[..., Any]]:
    return {"Image.focal_min": focal("min"), "Image.focal_max": focal("max"), "Image.focalMin": focal("min"),
            "Image.focalMax": focal("max"),
            "Image.fastDistanceTransform": fast_distance_transform,
            "Image.directionalDistanceTransform": directional_distance_transform}
