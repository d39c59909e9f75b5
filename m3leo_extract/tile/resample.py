"""Pure resampling arithmetic of `tile`: which chips may skip GDAL's warp, and the numpy kernel that replaces
it. No I/O: every function takes arrays and grid numbers, so tests/test_tile_resample.py checks them against
rasterio's warp on seeded arrays without a store or a file.

Two shortcuts exist (the reads themselves are in `warp.py`):
- a chip on the source's own pixel grid is a window copy (`aligned`);
- a chip in the source's CRS (north-up, same dtype, no mask, the same nodata) whose resampling kernel lies
  inside the raster and touches no nodata (`same_lattice_family` + `readable_chips`) takes a resampled read:
  `shift_bilinear` when the pixel sizes match, else GDAL's RasterIO with a fractional window. Both equal the
  warp within 1 unit of rounding, for the resamplings in READ_RESAMPLINGS only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from affine import Affine

from ..grid import CHIP_SIZE_M, Chip
from ..nodata import nodata_mask, same_nodata

# Every resampling `tile` accepts (rasterio.enums.Resampling names).
RESAMPLINGS = ("nearest", "bilinear", "cubic", "average", "mode", "lanczos")
# Those for which GDAL's RasterIO with a fractional window gives the warper's answer (within 1 unit of
# rounding) when the source grid is the chip grid scaled and shifted; lanczos differs, so it always warps.
READ_RESAMPLINGS = frozenset(RESAMPLINGS) - {"lanczos"}
CLASS_RESAMPLINGS = ("nearest", "mode")  # the only ones that never make up a value: what class rasters take


def runs(chips: Sequence[Chip], idxs: Sequence[int], max_len: int = 16) -> list[list[int]]:
    """Group chip positions into rows of horizontally adjacent chips (same zone and row): one read each."""
    order = sorted(idxs, key=lambda i: (chips[i].epsg, chips[i].row, chips[i].col))
    out: list[list[int]] = []
    for i in order:
        c = chips[i]
        if out:
            p = chips[out[-1][-1]]
            if p.epsg == c.epsg and p.row == c.row and p.col + 1 == c.col and len(out[-1]) < max_len:
                out[-1].append(i)
                continue
        out.append([i])
    return out


def spans(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """[k0, k1) ranges of consecutive True flags."""
    out: list[tuple[int, int]] = []
    for k, f in enumerate(flags):
        if f:
            if out and out[-1][1] == k:
                out[-1] = (out[-1][0], k + 1)
            else:
                out.append((k, k + 1))
    return out


def aligned(a: Affine, epsg: int | None, chip: Chip, res: float) -> bool:
    """A source grid (transform `a` in EPSG `epsg`) is the chip's pixel grid: a window read is the answer."""
    if epsg != chip.epsg:
        return False
    if abs(a.a - res) > 1e-9 * res or abs(a.e + res) > 1e-9 * res:
        return False
    ox, oy = (chip.x_min - a.c) / res, (a.f - chip.y_max) / res
    return abs(ox - round(ox)) < 1e-6 and abs(oy - round(oy)) < 1e-6


def same_lattice_family(a: Affine, epsg: int | None, chip: Chip, resampling: str, own_nodata: object,
                        nodata: object) -> bool:
    """Same CRS, north-up, a resampling GDAL's read reproduces, and the file's nodata (`own_nodata`) is the
    one the input is read with (`nodata`): a resampled read can replace the warp. The caller checks dtype and
    masks (those are properties of the input, not of the grid)."""
    if epsg != chip.epsg or resampling not in READ_RESAMPLINGS:
        return False
    if a.b != 0 or a.d != 0 or a.a <= 0 or a.e >= 0:
        return False
    return own_nodata is None or same_nodata(own_nodata, nodata)


def shift_bilinear(arr: np.ndarray, col: float, row: float, h: int, w: int, dtype: str) -> np.ndarray:
    """Bilinear samples of `arr` (band, y, x) on a grid of its own pixel size whose corner is at (col, row).

    Output pixel (i, j) has its centre at (row + i + 0.5, col + j + 0.5): between source pixels r0 + i and
    r0 + i + 1 (r0 = floor(row)), with weight frac(row) on the second; the same across. Integers are rounded
    half up, as GDAL's warper does.
    """
    c0, r0 = int(math.floor(col)), int(math.floor(row))
    fx, fy = col - c0, row - r0
    src = arr[:, r0:r0 + h + 1, c0:c0 + w + 1].astype(np.float64)
    top = src[:, :h, :w] * (1 - fx) + src[:, :h, 1:w + 1] * fx if fx else src[:, :h, :w]
    if fy:
        bottom = src[:, 1:h + 1, :w] * (1 - fx) + src[:, 1:h + 1, 1:w + 1] * fx if fx else src[:, 1:h + 1, :w]
        top = top * (1 - fy) + bottom * fy
    kind = np.dtype(dtype)
    if kind.kind in "iu":
        info = np.iinfo(kind)
        return np.clip(np.floor(top + 0.5), info.min, info.max).astype(kind)
    return top.astype(kind)


def is_unit_shift(a: Affine, px: int) -> bool:
    """Source pixels the size of the chip pixels (px a chip): `shift_bilinear` applies."""
    return math.isclose(a.a * px, CHIP_SIZE_M) and math.isclose(-a.e * px, CHIP_SIZE_M)


def kernel_radius(resampling: str, scale: float) -> float:
    """Source pixels (centre to centre) a resampling reads either side of a chip pixel centre, `scale` source
    pixels per chip pixel: GDAL widens bilinear and cubic by the scale when downsampling; average and mode
    take every source pixel the chip pixel overlaps."""
    s = max(1.0, scale)
    return {"nearest": 0.5, "bilinear": s, "cubic": 2 * s}.get(resampling, 0.5 * s + 0.5) + 1e-6


def kernel_window(a: Affine, chip: Chip, px: int, resampling: str) -> tuple[int, int, int, int]:
    """(col0, row0, col1, row1), end exclusive: the source pixels the resampling of the chip's pixels reads.

    Pixel i spans [i, i + 1). A chip pixel centre u reads the source pixels whose centres are within r of it:
    floor(u - r - 0.5) + 1 to ceil(u + r - 0.5) - 1, taken at the first and last chip pixel centres."""
    sx, sy = CHIP_SIZE_M / a.a / px, CHIP_SIZE_M / -a.e / px  # source pixels per chip pixel
    rx, ry = kernel_radius(resampling, sx), kernel_radius(resampling, sy)
    col, row = ~a @ (chip.x_min, chip.y_max)
    u0, u1 = col + 0.5 * sx, col + (px - 0.5) * sx
    v0, v1 = row + 0.5 * sy, row + (px - 0.5) * sy
    return (int(math.floor(u0 - rx - 0.5)) + 1, int(math.floor(v0 - ry - 0.5)) + 1,
            int(math.ceil(u1 + rx - 0.5)), int(math.ceil(v1 + ry - 0.5)))


def readable_chips(a: Affine, size: tuple[int, int], nodata: float | None, chips: Sequence[Chip], arr: np.ndarray,
                   origin: tuple[int, int], resampling: str, px: int) -> list[bool]:
    """Per chip: every source pixel its resampling touches lies inside the raster (`size` = (width, height))
    and is not nodata (`arr`, the run's source window read at `origin` = (col, row)). Those chips can take
    the resampled read; the rest warp."""
    out = []
    for chip in chips:
        cc0, rr0, cc1, rr1 = kernel_window(a, chip, px, resampling)
        if cc0 < 0 or rr0 < 0 or cc1 > size[0] or rr1 > size[1]:
            out.append(False)
            continue
        part = arr[:, rr0 - origin[1]:rr1 - origin[1], cc0 - origin[0]:cc1 - origin[0]]
        out.append(cc0 >= origin[0] and rr0 >= origin[1] and part.shape[1:] == (rr1 - rr0, cc1 - cc0)
                   and not nodata_mask(part, nodata).any())
    return out
