"""Rasterising an evaluated image on a computePixels / export grid, and encoding the result (NPY, GeoTIFF).

The grid is rendered in strips of rows: every band of a strip is evaluated on the same coordinate arrays
(so the Band and world memos share land cover, masks and textures between bands), and the working set stays
in cache instead of allocating fresh 32 MB temporaries for every numpy operation of a big block.
"""

from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from . import world
from .coords import affine_of, grid_coords
from .graph import EEError, Img, as_image

MAX_GRID_DIM = 32768
STRIP_PIXELS = 1 << 16
PARALLEL = True  # render a request's strips on a small thread pool (off: one thread, e.g. to profile)

_CAST = {"uint8": (0, 255), "uint16": (0, 65535), "int8": (-128, 127), "int16": (-32768, 32767),
         "uint32": (0, 2**32 - 1), "int32": (-2**31, 2**31 - 1)}


def render(img: Img, grid: dict[str, Any], byte_limit: int, band_ids: list[str] | None = None,
           ) -> tuple[np.ndarray, list[str], str, tuple[float, ...]]:
    """Rasterise an evaluated image on `grid`: a structured (h, w) array with one field per band.

    The caller evaluates the expression first (`evaluate.Evaluator`): this module stays below the evaluator,
    so the algorithm families (regions) can sample grids without an import cycle. Masked pixels come out
    as 0 (computePixels' NPY carries no mask; recipes burn nodata in with unmask).
    """
    img = as_image(img)
    if band_ids:
        img = Img([img.band(b) for b in band_ids], img.props)
    dims = grid.get("dimensions", {})
    w, h = int(dims.get("width", 0)), int(dims.get("height", 0))
    if w <= 0 or h <= 0:
        raise EEError("Grid dimensions must be positive (the m3leo emulator needs an explicit grid).")
    if w > MAX_GRID_DIM or h > MAX_GRID_DIM:
        raise EEError(f"Grid dimensions ({w}x{h}) must be less than or equal to {MAX_GRID_DIM} in each dimension.")
    if not img.bands:
        raise EEError("Image has no bands.")
    dtypes = [np.dtype(b.dtype) for b in img.bands]
    size = w * h * sum(d.itemsize for d in dtypes)
    if size > byte_limit:
        raise EEError(f"Total request size ({size} bytes) must be less than or equal to {byte_limit} bytes.")
    out = np.zeros((h, w), dtype=[(b.name, d) for b, d in zip(img.bands, dtypes, strict=True)])
    crs = grid.get("crsCode") or "EPSG:4326"
    step = max(1, STRIP_PIXELS // w)

    def strip(r0: int) -> None:
        rows = slice(r0, min(h, r0 + step))
        lon, lat, _ = grid_coords(grid, rows)
        try:
            for b, d in zip(img.bands, dtypes, strict=True):
                v, m = b.eval(lon, lat)
                v = np.where(m & np.isfinite(v), v, 0)
                if d.kind in "iu":  # the casts already clamp; this guards an uncast integer band
                    v = np.clip(np.trunc(v), *_CAST.get(d.name, (-np.inf, np.inf)))
                out[b.name][rows] = v
        finally:
            world.clear_memo()  # the memo serves the bands of one strip; free it for the next

    starts = list(range(0, h, step))
    if len(starts) == 1 or not PARALLEL:
        for r0 in starts:
            strip(r0)
    else:  # numpy releases the GIL in its loops: strips render in parallel
        for f in [_pool().submit(strip, r0) for r0 in starts]:
            f.result()
    return out, [b.name for b in img.bands], crs, affine_of(grid)


_pool_lock = threading.Lock()
_the_pool: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _the_pool
    with _pool_lock:
        if _the_pool is None:
            _the_pool = ThreadPoolExecutor(max(2, min(8, os.cpu_count() or 2)), thread_name_prefix="m3leo-emu-render")
        return _the_pool


def to_npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def stack(arr: np.ndarray, names: list[str]) -> np.ndarray:
    """(band, h, w) from the structured array (bands share one dtype, promoted if they differ)."""
    dt = np.result_type(*[arr.dtype[n] for n in names])
    return np.stack([arr[n].astype(dt, copy=False) for n in names])


def write_geotiff(target: Any, arr: np.ndarray, names: list[str], crs: str, tr: tuple[float, ...]) -> None:
    """A tiled, deflated GeoTIFF (band descriptions = band names, tagged SYNTHETIC) to a path or file."""
    import rasterio
    from affine import Affine

    data = stack(arr, names)
    with rasterio.open(target, "w", driver="GTiff", width=data.shape[2], height=data.shape[1],
                       count=data.shape[0], dtype=data.dtype, crs=crs, transform=Affine(*tr),
                       compress="deflate", **({"tiled": True} if min(data.shape[1:]) >= 256 else {})) as dst:
        dst.write(data)
        dst.descriptions = tuple(names)
        dst.update_tags(SYNTHETIC="m3leo emulator: not real data")


def to_geotiff(arr: np.ndarray, names: list[str], crs: str, tr: tuple[float, ...]) -> bytes:
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        write_geotiff(mem.name, arr, names, crs, tr)
        return mem.read()


def sample_grid(img: Img, grid: dict[str, Any]) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], np.ndarray,
                                                         np.ndarray]:
    """Values and masks of every band at the pixel centres of `grid` (small grids: reductions, thumbnails).

    Returns ([(band, values (h, w) float64, mask (h, w) bool)], lon, lat).
    """
    lon, lat, _ = grid_coords(grid)
    out = []
    try:
        for b in img.bands:
            v, m = b.eval(lon, lat)
            v = np.asarray(v, dtype=np.float64)
            out.append((b.name, v, np.asarray(m, dtype=bool) & np.isfinite(v)))
    finally:
        world.clear_memo()
    return out, lon, lat
