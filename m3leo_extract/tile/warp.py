"""Reading one run of neighbouring chips from one input: a window copy (`read_aligned`), a resampled read
(`read_resampled`) where `resample.py` says it equals the warp, else GDAL's warp (`warp_run`) from one padded
source window, or for a source in another CRS the warper's arithmetic in numpy (`remap.py`). Each returns
(chips, band, px, px) in the collection's dtype, nodata outside the input."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window, from_bounds

from ..grid import CHIP_SIZE_M, Chip
from ..memory import keep_freed_memory
from ..nodata import is_nan, nodata_mask, same_nodata
from .inputs import RasterInput
from .remap import REMAP_RESAMPLINGS, remap_chip, same_datum
from .resample import is_unit_shift, readable_chips, same_lattice_family, shift_bilinear, spans


def read_aligned(src: Any, inp: RasterInput, chips: Sequence[Chip], res: float, px: int, dtype: str,
                 nodata: float | int) -> tuple[np.ndarray, int]:
    """(n, band, px, px) for a run of chips on the input's own grid; outside the input is nodata."""
    a = inp.affine
    col0 = int(round((chips[0].x_min - a.c) / res))
    row0 = int(round((a.f - chips[0].y_max) / res))
    width = px * len(chips)
    buf = np.full((len(inp.bands), px, width), nodata, dtype=dtype)
    c0, r0 = max(col0, 0), max(row0, 0)
    c1, r1 = min(col0 + width, inp.width), min(row0 + px, inp.height)
    if c1 > c0 and r1 > r0:
        arr = src.read(inp.bands, window=Window(c0, r0, c1 - c0, r1 - r0))
        if inp.nodata is not None and not same_nodata(inp.nodata, nodata):
            arr[nodata_mask(arr, inp.nodata)] = nodata
        buf[:, r0 - row0:r1 - row0, c0 - col0:c1 - col0] = arr
    nbytes = buf.nbytes
    return buf.reshape(len(inp.bands), px, len(chips), px).transpose(2, 0, 1, 3), nbytes


def read_resampled(src: Any, inp: RasterInput, chips: Sequence[Chip], resampling: str, dtype: str, px: int,
                   arr: np.ndarray, origin: tuple[int, int]) -> np.ndarray:
    """(n, band, px, px) for a run of chips whose source pixels are all inside and valid, without a warp.

    Source pixels the chips' size, shifted: bilinear is then the same four weights for every pixel, done on
    `arr` (the run's source window, read at `origin`) in numpy, ~20x cheaper than GDAL's warp. Otherwise one
    RasterIO call with a fractional window and out_shape: GDAL resamples inside the read, ~2-4x cheaper than
    a warp. Both give the warper's answer (tests/test_tile.py) except at nodata edges, hence "valid".
    """
    a = inp.affine
    col, row = ~a @ (chips[0].x_min, chips[0].y_max)
    n, nb = len(chips), len(inp.bands)
    if resampling == "bilinear" and is_unit_shift(a, px):
        # Chip by chip: float64 temporaries of a whole 16-chip run would be ~80 MB each, and 5x slower.
        return np.stack([shift_bilinear(arr, col - origin[0] + k * px, row - origin[1], px, px, dtype)
                         for k in range(n)])
    win = Window(col, row, CHIP_SIZE_M * n / a.a, CHIP_SIZE_M / -a.e)
    block = src.read(inp.bands, window=win, out_shape=(nb, px, px * n), resampling=Resampling[resampling])
    return block.reshape(nb, px, n, px).transpose(2, 0, 1, 3)


def _source_window(inp: RasterInput, chips: Sequence[Chip], px: int) -> tuple[Window, float] | None:
    """The source pixels a run of chips needs, padded by the resampling kernel (it grows with the source
    pixels per chip pixel when downsampling), and that scale; None if the run misses the input."""
    x0, y0 = chips[0].x_min, chips[0].y_min
    x1, y1 = chips[-1].x_max, chips[-1].y_max
    try:
        bx0, by0, bx1, by1 = transform_bounds(chips[0].crs, inp.crs_wkt, x0, y0, x1, y1, densify_pts=21)
    except Exception:  # the run lies outside the source CRS's valid area
        return None
    win = from_bounds(bx0, by0, bx1, by1, transform=inp.affine)
    scale = max(win.width / (px * len(chips)), win.height / px, 1e-9)
    pad = int(math.ceil(3 * max(1.0, scale))) + 2
    c0 = max(int(math.floor(win.col_off)) - pad, 0)
    r0 = max(int(math.floor(win.row_off)) - pad, 0)
    c1 = min(int(math.ceil(win.col_off + win.width)) + pad, inp.width)
    r1 = min(int(math.ceil(win.row_off + win.height)) + pad, inp.height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0), scale


def _masked_source(src: Any, inp: RasterInput, window: Window, scale: float, resampling: str,
                   arr: np.ndarray, nodata: float | int) -> tuple[np.ndarray, float | int]:
    """A masked input's window with its invalid pixels set to a fill value, and that fill. Fine sources are
    read decimated to ~2 source pixels per chip pixel, so memory stays bounded."""
    f = max(1, int(scale // 2))
    oh, ow = max(1, int(math.ceil(window.height / f))), max(1, int(math.ceil(window.width / f)))
    if f > 1:
        read_rs = Resampling.mode if resampling in ("nearest", "mode") else Resampling.average
        arr = src.read(inp.bands, window=window, out_shape=(len(inp.bands), oh, ow), resampling=read_rs)
    mask = src.read_masks(inp.bands, window=window, out_shape=(len(inp.bands), oh, ow),
                          resampling=Resampling.nearest)
    fill = nodata if np.can_cast(np.asarray(nodata).dtype, arr.dtype, "same_kind") else 0
    if is_nan(fill) and arr.dtype.kind != "f":
        arr = arr.astype("float32")
    arr[mask == 0] = fill
    return arr, fill


def warp_run(src: Any, inp: RasterInput, chips: Sequence[Chip], res: float, resampling: str, dtype: str,
             nodata: float | int, px: int, out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(n, band, px, px): one padded source window for the run, warped onto each chip's grid (chips whose
    resampling kernel is inside and valid take `read_resampled` instead); into `out` (and returned) if given."""
    keep_freed_memory()  # per-chip temporaries: no page faults for every new one (memory.py)
    # Every path below writes every chip whole (reproject's init_dest_nodata included): no fill needed first.
    if out is None:
        out = np.empty((len(chips), len(inp.bands), px, px), dtype=dtype)
    found = _source_window(inp, chips, px)
    if found is None:
        out.fill(nodata)
        return out, 0
    window, scale = found
    rs = Resampling[resampling]
    if scale > 2 and not inp.use_mask:
        # Much finer sources: GDAL warps chip by chip straight from the file, reading the source window in
        # pieces under its warp memory limit (a run's window at full resolution could be gigabytes).
        for k, chip in enumerate(chips):
            reproject(source=rasterio.band(src, list(inp.bands)), destination=out[k], src_nodata=inp.nodata,
                      dst_transform=chip.transform(res), dst_crs=chip.crs, dst_nodata=nodata, resampling=rs,
                      init_dest_nodata=True, warp_mem_limit=64)
        return out, int(window.width * window.height * len(inp.bands) * np.dtype(inp.dtype).itemsize)
    c0, r0 = int(window.col_off), int(window.row_off)
    arr = src.read(inp.bands, window=window)
    todo = list(range(len(chips)))
    a = inp.affine
    if (not inp.use_mask and inp.dtype == dtype
            and same_lattice_family(a, inp.epsg, chips[0], resampling, src.nodata, inp.nodata)):
        fast = readable_chips(a, (inp.width, inp.height), inp.nodata, chips, arr, (c0, r0), resampling, px)
        for k0, k1 in spans(fast):
            out[k0:k1] = read_resampled(src, inp, chips[k0:k1], resampling, dtype, px, arr, (c0, r0))
        todo = [k for k in todo if not fast[k]]
        if not todo:
            return out, arr.nbytes
    elif (not inp.use_mask and inp.dtype == dtype and resampling in REMAP_RESAMPLINGS
          and inp.epsg != chips[0].epsg and same_datum(inp.crs_wkt)):
        # Another CRS: the warper's own arithmetic in numpy (remap.py), chip by chip where it applies.
        rest = []
        holes = bool(nodata_mask(arr, inp.nodata).any()) or (arr.dtype.kind == "f" and bool(np.isnan(arr).any()))
        for k in todo:
            got = remap_chip(arr, (c0, r0), (inp.width, inp.height), chips[k], res, px, inp.crs_wkt, a,
                             resampling, dtype, inp.nodata, nodata, check_nodata=holes)
            if got is None:
                rest.append(k)
            else:
                out[k] = got
        todo = rest
        if not todo:
            return out, arr.nbytes
    src_nodata: float | int | None = inp.nodata
    if inp.use_mask:
        arr, src_nodata = _masked_source(src, inp, window, scale, resampling, arr, nodata)
    oh, ow = arr.shape[1:]
    wt = a @ Affine.translation(c0, r0) @ Affine.scale(window.width / ow, window.height / oh)
    for k in todo:
        chip = chips[k]
        reproject(source=arr, destination=out[k], src_transform=wt, src_crs=inp.crs_wkt, src_nodata=src_nodata,
                  dst_transform=chip.transform(res), dst_crs=chip.crs, dst_nodata=nodata, resampling=rs,
                  init_dest_nodata=True)
    return out, arr.nbytes
