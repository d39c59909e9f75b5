"""`tile`: reproject and cut local or remote rasters into 4 x 4 km chips in the Zarr store.

Planning happens once, in the calling process: inputs are probed (metadata only), their footprints give the
chips, and chips, period and collection are registered in the store. The work unit is one shard of the
collection: `tile_unit` reads only the source windows its chips need (one read per row of neighbouring chips
and input), warps them onto each chip's UTM grid, mosaics the inputs (the first valid input wins a pixel)
and writes the shard with one `write_shard` call. Memory per unit is bounded by the shard, never by the
input, so a unit runs the same on a local thread or a dask worker (which opens the store from its path).
"""

from __future__ import annotations

import glob
import math
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from affine import Affine

from .errors import CollectionError, M3leoError, RasterError, UsageError
from .grid import CHIP_SIZE_M, Chip, ChipArrays, chips_for_geometry, outlines_4326
from .store import ChipStore, CollectionSpec

ProgressFn = Callable[[dict[str, Any]], None]

RESAMPLINGS = ("nearest", "bilinear", "cubic", "average", "mode")
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".jp2", ".img", ".nc", ".hdf", ".h5")
STATE_FILE = "state.sqlite"
# GDAL keeps decoded blocks in a cache that defaults to 5% of RAM; each region is read once, so a small
# cache keeps memory flat whatever the input size.
GDAL_CACHE_MB = 256
_GDAL_ENV = {"GDAL_CACHEMAX": GDAL_CACHE_MB, "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR"}
_URL_GLOB_CHARS = "*?["
# Warping between in-memory arrays makes GDAL datasets without a geotransform: rasterio warns, harmlessly.
warnings.filterwarnings("ignore", message="Dataset has no geotransform", module="rasterio")


# -- inputs -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RasterInput:
    """What a worker needs to know about one input (picklable: travels to dask workers)."""

    path: str
    crs_wkt: str
    epsg: int | None
    transform: tuple[float, float, float, float, float, float]
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None  # the source nodata (the file's, or the caller's `nodata` when the file has none)
    bands: tuple[int, ...]  # 1-based band indexes to read
    descriptions: tuple[str, ...]
    use_mask: bool  # no nodata but an internal mask / alpha band marks the invalid pixels

    @property
    def affine(self) -> Affine:
        return Affine(*self.transform)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def _is_url(text: str) -> bool:
    return "://" in text and not text.startswith("file://")


def expand_inputs(inputs: Iterable[str | Path]) -> tuple[list[str], list[str]]:
    """Files, folders (searched recursively for rasters), globs and URLs -> (paths, failure lines)."""
    paths: list[str] = []
    failures: list[str] = []
    for item in inputs:
        text = str(item)
        if text.startswith("file://"):
            text = text[len("file://"):]
        if _is_url(text):
            if any(ch in text for ch in _URL_GLOB_CHARS) or text.endswith("/"):
                import fsspec

                fs, _, _ = fsspec.core.get_fs_token_paths(text)
                proto = text.split("://", 1)[0]
                found = fs.glob(text) if any(ch in text for ch in _URL_GLOB_CHARS) else fs.find(text)
                found = [f if "://" in f else f"{proto}://{f}" for f in found
                         if f.lower().endswith(RASTER_SUFFIXES)]
                if not found:
                    failures.append(f"{text}: matches no raster file; check the URL")
                paths.extend(sorted(found))
            else:
                paths.append(text)
            continue
        p = Path(text).expanduser()
        if any(ch in text for ch in "*?["):
            found = sorted(f for f in glob.glob(str(p), recursive=True) if Path(f).is_file())
            if not found:
                failures.append(f"{text}: the pattern matches no file; check it (quote it for the shell)")
            paths.extend(found)
        elif p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in RASTER_SUFFIXES)
            if not found:
                failures.append(f"{text}: the folder holds no raster (.tif, .vrt, .jp2, ...); check the path")
            paths.extend(found)
        elif p.is_file():
            paths.append(str(p))
        else:
            failures.append(f"{text}: no such file or folder; check the path")
    return list(dict.fromkeys(paths)), failures


def _select_bands(src: Any, bands: Sequence[int | str] | None) -> tuple[int, ...]:
    if bands is None:
        return tuple(range(1, src.count + 1))
    out = []
    for b in bands:
        if isinstance(b, str) and not b.isdigit():
            names = list(src.descriptions)
            if b not in names:
                raise RasterError(f"has no band named {b!r} (bands: {[d or '' for d in names]}); pass band "
                                  "numbers (1-based) to --bands")
            out.append(names.index(b) + 1)
        else:
            i = int(b)
            if not 1 <= i <= src.count:
                raise RasterError(f"has {src.count} band(s), so band {i} does not exist; pass 1..{src.count}")
            out.append(i)
    return tuple(out)


def probe_input(path: str, bands: Sequence[int | str] | None = None, nodata: float | None = None,
                gdal_env: Mapping[str, str] | None = None) -> RasterInput:
    """Open an input (metadata and its first block only). RasterError (without the file name) if unusable.

    gdal_env: extra GDAL configuration for reading it (e.g. the AWS_* options of an object store)."""
    import rasterio
    from rasterio.enums import MaskFlags
    from rasterio.windows import Window

    try:
        with rasterio.Env(**_GDAL_ENV, **dict(gdal_env or {})), rasterio.open(path) as src:
            if src.crs is None:
                raise RasterError("has no CRS; assign one (gdal_edit.py -a_srs EPSG:xxxx) and rerun")
            t = src.transform
            if t.is_identity:
                raise RasterError("is not georeferenced (no geotransform); georeference it and rerun")
            if t.b != 0 or t.d != 0:
                raise RasterError("has a rotated geotransform; gdalwarp it to a north-up grid first")
            sel = _select_bands(src, bands)
            src.read(sel[0], window=Window(0, 0, 1, 1))  # decodes the first block: catches broken codecs early
            src_nodata = src.nodata if src.nodata is not None else nodata
            flags = [src.mask_flag_enums[i - 1] for i in sel]
            use_mask = src_nodata is None and any(
                MaskFlags.per_dataset in f or MaskFlags.alpha in f for f in flags)
            dtypes = {src.dtypes[i - 1] for i in sel}
            dtype = str(np.result_type(*dtypes))
            return RasterInput(path=path, crs_wkt=src.crs.to_wkt(), epsg=src.crs.to_epsg(),
                               transform=tuple(t)[:6], width=src.width, height=src.height, count=src.count,
                               dtype=dtype, nodata=None if src_nodata is None else float(src_nodata), bands=sel,
                               descriptions=tuple(src.descriptions[i - 1] or "" for i in sel), use_mask=use_mask)
    except RasterError:
        raise
    except Exception as exc:  # rasterio/GDAL raise several types for unreadable files
        raise RasterError(f"cannot be read ({_first_line(exc)}); check or re-download the file, or leave it "
                          "out") from None


def _first_line(exc: BaseException) -> str:
    """One line about an error; GDAL's specific reason sits at the end of rasterio's exception chain."""
    text = str(exc).strip() or type(exc).__name__
    cause, seen = exc.__cause__ or exc.__context__, 0
    while cause is not None and "previous exception" in text and seen < 10:
        text = str(cause).strip() or text
        cause, seen = cause.__cause__ or cause.__context__, seen + 1
    return text.splitlines()[0]


def footprint_4326(inp: RasterInput) -> shapely.Geometry:
    """The input's extent as a lon/lat polygon (edges densified: straight lines bend in lon/lat)."""
    from pyproj import CRS, Transformer

    a = inp.affine
    x0, y1 = a.c, a.f
    x1, y0 = a.c + a.a * inp.width, a.f + a.e * inp.height
    box = shapely.segmentize(shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                             max(abs(x1 - x0), abs(y1 - y0)) / 32)
    tr = Transformer.from_crs(CRS.from_wkt(inp.crs_wkt), 4326, always_xy=True)
    geom = shapely.transform(box, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    geom = shapely.make_valid(geom)
    x0, _, x1, _ = geom.bounds
    if x1 - x0 > 180:  # crosses the antimeridian: split at 180 so the chips on both sides are found
        east = shapely.transform(geom, lambda xy: np.column_stack([np.where(xy[:, 0] < 0, xy[:, 0] + 360,
                                                                            xy[:, 0]), xy[:, 1]]))
        geom = shapely.union(shapely.intersection(east, shapely.box(-180, -90, 180, 90)),
                             shapely.affinity.translate(shapely.intersection(east, shapely.box(180, -90, 540, 90)),
                                                        -360))
    return geom.intersection(shapely.box(-180, -80, 180, 84))


# -- work units ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TileTask:
    """One work unit: the chips of one shard, the inputs they need, and where to write (picklable)."""

    store_dir: str
    token: str  # this run's id: workers cache their opened store per run
    collection: str
    time_index: int
    shard: int
    chip_ids: tuple[str, ...]
    chip_inputs: tuple[tuple[int, ...], ...]  # per chip: indexes into `inputs`, in mosaic priority order
    inputs: tuple[RasterInput, ...]
    resolution: float
    dtype: str
    nodata: float | int
    resampling: str
    min_valid: float = 0.0
    # Hooks for the external sources (m3leo_extract.sources): GDAL configuration for reading the inputs
    # (object-store endpoint, anonymous access) and how a chip combines its inputs: "first" (the first valid
    # input wins a pixel) or "mean" (the per-pixel mean over the inputs that are valid there).
    gdal_env: tuple[tuple[str, str], ...] = ()
    combine: str = "first"


@dataclass
class UnitResult:
    shard: int
    written: list[str] = field(default_factory=list)
    valid: list[float] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (input path, message)
    bytes_read: int = 0
    bytes_written: int = 0


_STORES: dict[tuple[str, str], ChipStore] = {}
_STORES_LOCK = threading.Lock()


def _open_store(directory: str, token: str) -> ChipStore:
    """One opened store per process and run (the chip index is read once, not once per unit)."""
    with _STORES_LOCK:
        key = (directory, token)
        if key not in _STORES:
            if len(_STORES) > 4:
                _STORES.clear()
            _STORES[key] = ChipStore.open(directory)
        return _STORES[key]


_LOCAL = threading.local()


def _dataset(path: str, token: str) -> Any:
    """This thread's open handle on `path` for this run. Kept open across units so GDAL's block cache keeps
    the decoded tiles that neighbouring shards share (a handle per unit would decode them again)."""
    import rasterio

    cache: dict[str, Any] = getattr(_LOCAL, "datasets", {})
    if getattr(_LOCAL, "token", None) != token or len(cache) > 64:
        for ds in cache.values():
            ds.close()
        cache = {}
        _LOCAL.token = token
    _LOCAL.datasets = cache
    if path not in cache:
        cache[path] = rasterio.open(path)
    return cache[path]


def _is_nodata(arr: np.ndarray, nodata: float | int | None) -> np.ndarray:
    if nodata is None:
        return np.zeros(arr.shape, bool)
    if isinstance(nodata, float) and math.isnan(nodata):
        return np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)
    return arr == nodata


def _runs(chips: Sequence[Chip], idxs: Sequence[int], max_len: int = 16) -> list[list[int]]:
    """Group chip positions into rows of horizontally adjacent chips (same zone and row): one read each."""
    order = sorted(idxs, key=lambda i: (chips[i].epsg, chips[i].row, chips[i].col))
    runs: list[list[int]] = []
    for i in order:
        c = chips[i]
        if runs:
            p = chips[runs[-1][-1]]
            if p.epsg == c.epsg and p.row == c.row and p.col + 1 == c.col and len(runs[-1]) < max_len:
                runs[-1].append(i)
                continue
        runs.append([i])
    return runs


def _aligned(inp: RasterInput, chip: Chip, res: float, dtype: str) -> bool:
    """The input is already on the chip's pixel grid: a window read is the exact answer, no warp needed."""
    a = inp.affine
    if inp.epsg != chip.epsg or inp.dtype != dtype or inp.use_mask:
        return False
    if abs(a.a - res) > 1e-9 * res or abs(a.e + res) > 1e-9 * res:
        return False
    ox, oy = (chip.x_min - a.c) / res, (a.f - chip.y_max) / res
    return abs(ox - round(ox)) < 1e-6 and abs(oy - round(oy)) < 1e-6


def _read_aligned(src: Any, inp: RasterInput, chips: list[Chip], res: float, px: int, dtype: str,
                  nodata: float | int) -> tuple[np.ndarray, int]:
    """(n, band, px, px) for a run of chips on the input's own grid; outside the input is nodata."""
    from rasterio.windows import Window

    a = inp.affine
    col0 = int(round((chips[0].x_min - a.c) / res))
    row0 = int(round((a.f - chips[0].y_max) / res))
    width = px * len(chips)
    buf = np.full((len(inp.bands), px, width), nodata, dtype=dtype)
    c0, r0 = max(col0, 0), max(row0, 0)
    c1, r1 = min(col0 + width, inp.width), min(row0 + px, inp.height)
    if c1 > c0 and r1 > r0:
        arr = src.read(inp.bands, window=Window(c0, r0, c1 - c0, r1 - r0))
        if inp.nodata is not None and inp.nodata != nodata:
            arr[_is_nodata(arr, inp.nodata)] = nodata
        buf[:, r0 - row0:r1 - row0, c0 - col0:c1 - col0] = arr
    nbytes = buf.nbytes
    return buf.reshape(len(inp.bands), px, len(chips), px).transpose(2, 0, 1, 3), nbytes


# Resamplings for which GDAL's RasterIO with a fractional window gives the warper's answer (within 1 unit of
# rounding) when the source grid is the chip grid scaled and shifted; lanczos differs, so it always warps.
_READ_RESAMPLINGS = frozenset({"nearest", "bilinear", "cubic", "average", "mode"})


def _same_lattice_family(src: Any, inp: RasterInput, chip: Chip, task: TileTask) -> bool:
    """Same CRS, north-up, same dtype, no masks and no other nodata: a resampled read can replace the warp."""
    a = inp.affine
    if inp.epsg != chip.epsg or inp.use_mask or inp.dtype != task.dtype or task.resampling not in _READ_RESAMPLINGS:
        return False
    if a.b != 0 or a.d != 0 or a.a <= 0 or a.e >= 0:
        return False
    own = src.nodata
    return own is None or own == inp.nodata or (isinstance(own, float) and math.isnan(own)
                                                 and isinstance(inp.nodata, float) and math.isnan(inp.nodata))


def _read_resampled(src: Any, inp: RasterInput, chips: list[Chip], task: TileTask, px: int, arr: np.ndarray,
                    origin: tuple[int, int]) -> np.ndarray:
    """(n, band, px, px) for a run of chips whose source pixels are all inside and valid, without a warp.

    Source pixels the chips' size, shifted: bilinear is then the same four weights for every pixel, done on
    `arr` (the run's source window, read at `origin`) in numpy, ~20x cheaper than GDAL's warp. Otherwise one
    RasterIO call with a fractional window and out_shape: GDAL resamples inside the read, ~2-4x cheaper than
    a warp. Both give the warper's answer (tests/test_tile.py) except at nodata edges, hence "valid".
    """
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    a = inp.affine
    col, row = ~a @ (chips[0].x_min, chips[0].y_max)
    n, nb = len(chips), len(inp.bands)
    if task.resampling == "bilinear" and math.isclose(a.a * px, CHIP_SIZE_M) and math.isclose(-a.e * px, CHIP_SIZE_M):
        # Chip by chip: float64 temporaries of a whole 16-chip run would be ~80 MB each, and 5x slower.
        return np.stack([_shift_bilinear(arr, col - origin[0] + k * px, row - origin[1], px, px, task.dtype)
                         for k in range(n)])
    win = Window(col, row, CHIP_SIZE_M * n / a.a, CHIP_SIZE_M / -a.e)
    block = src.read(inp.bands, window=win, out_shape=(nb, px, px * n), resampling=Resampling[task.resampling])
    return block.reshape(nb, px, n, px).transpose(2, 0, 1, 3)


def _shift_bilinear(arr: np.ndarray, col: float, row: float, h: int, w: int, dtype: str) -> np.ndarray:
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


def _kernel_radius(resampling: str, scale: float) -> float:
    """Source pixels (centre to centre) a resampling reads either side of a chip pixel centre, `scale` source
    pixels per chip pixel: GDAL widens bilinear and cubic by the scale when downsampling; average and mode
    take every source pixel the chip pixel overlaps."""
    s = max(1.0, scale)
    return {"nearest": 0.5, "bilinear": s, "cubic": 2 * s}.get(resampling, 0.5 * s + 0.5) + 1e-6


def _readable_chips(inp: RasterInput, chips: list[Chip], arr: np.ndarray, origin: tuple[int, int],
                    resampling: str, px: int) -> list[bool]:
    """Per chip: every source pixel its resampling touches lies inside the raster and is not nodata (`arr`,
    the run's source window read at `origin`). Those chips can take `_read_resampled`; the rest warp."""
    a = inp.affine
    sx, sy = CHIP_SIZE_M / a.a / px, CHIP_SIZE_M / -a.e / px  # source pixels per chip pixel
    rx, ry = _kernel_radius(resampling, sx), _kernel_radius(resampling, sy)
    out = []
    for chip in chips:
        col, row = ~a @ (chip.x_min, chip.y_max)
        # First and last chip pixel centres in source pixel coordinates (pixel i spans [i, i + 1)). A centre u
        # reads the pixels whose centres are within r of it: floor(u - r - 0.5) + 1 to ceil(u + r - 0.5) - 1.
        u0, u1 = col + 0.5 * sx, col + (px - 0.5) * sx
        v0, v1 = row + 0.5 * sy, row + (px - 0.5) * sy
        cc0, cc1 = int(math.floor(u0 - rx - 0.5)) + 1, int(math.ceil(u1 + rx - 0.5))
        rr0, rr1 = int(math.floor(v0 - ry - 0.5)) + 1, int(math.ceil(v1 + ry - 0.5))
        if cc0 < 0 or rr0 < 0 or cc1 > inp.width or rr1 > inp.height:
            out.append(False)
            continue
        part = arr[:, rr0 - origin[1]:rr1 - origin[1], cc0 - origin[0]:cc1 - origin[0]]
        out.append(cc0 >= origin[0] and rr0 >= origin[1] and part.shape[1:] == (rr1 - rr0, cc1 - cc0)
                   and not _is_nodata(part, inp.nodata).any())
    return out


def _spans(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """[k0, k1) ranges of consecutive True flags."""
    spans: list[tuple[int, int]] = []
    for k, f in enumerate(flags):
        if f:
            if spans and spans[-1][1] == k:
                spans[-1] = (spans[-1][0], k + 1)
            else:
                spans.append((k, k + 1))
    return spans


def _warp_run(src: Any, inp: RasterInput, chips: list[Chip], task: TileTask, px: int) -> tuple[np.ndarray, int]:
    """(n, band, px, px): one padded source window for the run, warped onto each chip's grid."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject, transform_bounds
    from rasterio.windows import Window, from_bounds

    res = task.resolution
    nodata = task.nodata
    out = np.full((len(chips), len(inp.bands), px, px), nodata, dtype=task.dtype)
    x0, y0 = chips[0].x_min, chips[0].y_min
    x1, y1 = chips[-1].x_max, chips[-1].y_max
    try:
        bx0, by0, bx1, by1 = transform_bounds(chips[0].crs, inp.crs_wkt, x0, y0, x1, y1, densify_pts=21)
    except Exception:  # the run lies outside the source CRS's valid area
        return out, 0
    a = inp.affine
    win = from_bounds(bx0, by0, bx1, by1, transform=a)
    # Source pixels per chip pixel: the resampling kernel grows with it when downsampling, so pad by it.
    scale = max(win.width / (px * len(chips)), win.height / px, 1e-9)
    pad = int(math.ceil(3 * max(1.0, scale))) + 2
    c0 = max(int(math.floor(win.col_off)) - pad, 0)
    r0 = max(int(math.floor(win.row_off)) - pad, 0)
    c1 = min(int(math.ceil(win.col_off + win.width)) + pad, inp.width)
    r1 = min(int(math.ceil(win.row_off + win.height)) + pad, inp.height)
    if c1 <= c0 or r1 <= r0:
        return out, 0
    window = Window(c0, r0, c1 - c0, r1 - r0)
    rs = Resampling[task.resampling]
    if scale > 2 and not inp.use_mask:
        # Much finer sources: GDAL warps chip by chip straight from the file, reading the source window in
        # pieces under its warp memory limit (a run's window at full resolution could be gigabytes).
        for k, chip in enumerate(chips):
            reproject(source=rasterio.band(src, list(inp.bands)), destination=out[k], src_nodata=inp.nodata,
                      dst_transform=chip.transform(res), dst_crs=chip.crs, dst_nodata=nodata, resampling=rs,
                      init_dest_nodata=True, warp_mem_limit=64)
        return out, int(window.width * window.height * len(inp.bands) * np.dtype(inp.dtype).itemsize)
    oh, ow = int(window.height), int(window.width)
    arr = src.read(inp.bands, window=window)
    todo = list(range(len(chips)))
    if _same_lattice_family(src, inp, chips[0], task):
        fast = _readable_chips(inp, chips, arr, (c0, r0), task.resampling, px)
        for k0, k1 in _spans(fast):
            out[k0:k1] = _read_resampled(src, inp, chips[k0:k1], task, px, arr, (c0, r0))
        todo = [k for k in todo if not fast[k]]
        if not todo:
            return out, arr.nbytes
    src_nodata = inp.nodata
    if inp.use_mask:
        # Stay bounded for fine masked sources too: read them decimated to ~2 source pixels per chip pixel.
        f = max(1, int(scale // 2))
        oh, ow = max(1, int(math.ceil(window.height / f))), max(1, int(math.ceil(window.width / f)))
        if f > 1:
            read_rs = Resampling.mode if task.resampling in ("nearest", "mode") else Resampling.average
            arr = src.read(inp.bands, window=window, out_shape=(len(inp.bands), oh, ow), resampling=read_rs)
        mask = src.read_masks(inp.bands, window=window, out_shape=(len(inp.bands), oh, ow),
                              resampling=Resampling.nearest)
        fill = nodata if np.can_cast(np.asarray(nodata).dtype, arr.dtype, "same_kind") else 0
        if isinstance(fill, float) and math.isnan(fill) and arr.dtype.kind != "f":
            arr = arr.astype("float32")
        arr[mask == 0] = fill
        src_nodata = fill
    wt = a @ Affine.translation(c0, r0) @ Affine.scale(window.width / ow, window.height / oh)
    for k in todo:
        chip = chips[k]
        reproject(source=arr, destination=out[k], src_transform=wt, src_crs=inp.crs_wkt, src_nodata=src_nodata,
                  dst_transform=chip.transform(res), dst_crs=chip.crs, dst_nodata=nodata, resampling=rs,
                  init_dest_nodata=True)
    return out, arr.nbytes


def _mosaic_input(src: Any, inp: RasterInput, chips: list[Chip], idxs: list[int], task: TileTask, px: int,
                  dst: np.ndarray, filled: np.ndarray, failed: np.ndarray, result: UnitResult) -> None:
    """Add one input to the unit's chips `idxs`: pixels still empty take its valid pixels (first valid wins)."""
    for run in _runs(chips, idxs):
        run_chips = [chips[i] for i in run]
        try:
            if all(_aligned(inp, c, task.resolution, task.dtype) for c in run_chips):
                block, nread = _read_aligned(src, inp, run_chips, task.resolution, px, task.dtype, task.nodata)
            else:
                block, nread = _warp_run(src, inp, run_chips, task, px)
        except Exception as exc:  # a corrupt block, a dropped connection: these chips fail, the rest go on
            msg = f"read failed ({_first_line(exc)}); check or re-download the file"
            if (inp.path, msg) not in result.errors:
                result.errors.append((inp.path, msg))
            failed[run] = True
            continue
        result.bytes_read += nread
        for j, i in enumerate(run):
            ok = ~_is_nodata(block[j], task.nodata).all(axis=0)  # a pixel is valid if any band is
            new = ok & ~filled[i]
            if new.all():
                dst[i] = block[j]
            elif new.any():
                dst[i][:, new] = block[j][:, new]
            filled[i] |= ok


def _sum_input(src: Any, inp: RasterInput, chips: list[Chip], idxs: list[int], task: TileTask, px: int,
               sums: np.ndarray, counts: np.ndarray, failed: np.ndarray, result: UnitResult) -> None:
    """combine="mean": add one input's valid pixels (every band valid) to the chips' running sums."""
    dst = np.full((len(chips), len(inp.bands), px, px), task.nodata, dtype=task.dtype)
    filled = np.zeros((len(chips), px, px), bool)
    _mosaic_input(src, inp, chips, idxs, task, px, dst, filled, failed, result)
    for i in idxs:
        ok = filled[i] & ~_is_nodata(dst[i], task.nodata).any(axis=0)
        sums[i][:, ok] += dst[i][:, ok]
        counts[i][ok] += 1


def tile_unit(task: TileTask) -> UnitResult:
    """Read, warp, mosaic and write the chips of one shard. Runs on a thread or a dask worker."""
    import rasterio

    store = _open_store(task.store_dir, task.token)
    chips = [Chip.from_id(c) for c in task.chip_ids]
    n = len(chips)
    px = chips[0].shape(task.resolution)[0] if chips else 0
    nb = len(task.inputs[0].bands) if task.inputs else 0
    result = UnitResult(task.shard)
    dst = np.full((n, nb, px, px), task.nodata, dtype=task.dtype)
    filled = np.zeros((n, px, px), bool)
    failed = np.zeros(n, bool)
    sums = np.zeros((n, nb, px, px), "float64") if task.combine == "mean" else None
    counts = np.zeros((n, px, px), "int32") if task.combine == "mean" else None
    with rasterio.Env(**_GDAL_ENV, **dict(task.gdal_env)):
        for k, inp in enumerate(task.inputs):  # in the caller's order: the first valid input wins a pixel
            idxs = [i for i in range(n) if k in task.chip_inputs[i] and not failed[i]]
            if not idxs:
                continue
            try:
                src = _dataset(inp.path, task.token)
            except Exception as exc:
                result.errors.append((inp.path, f"cannot be opened ({_first_line(exc)})"))
                failed[idxs] = True
                continue
            if sums is not None and counts is not None:
                _sum_input(src, inp, chips, idxs, task, px, sums, counts, failed, result)
            else:
                _mosaic_input(src, inp, chips, idxs, task, px, dst, filled, failed, result)
    if sums is not None and counts is not None:
        filled = counts > 0
        mean = sums / np.maximum(counts, 1)[:, None]
        dst = np.where(filled[:, None], mean, dst).astype(task.dtype)
    valid = filled.reshape(n, -1).mean(axis=1) if n else np.zeros(0)
    keep = ~failed & (valid >= task.min_valid) if task.min_valid > 0 else ~failed
    result.failed = [c for c, f in zip(task.chip_ids, failed, strict=True) if f]
    result.dropped = [c for c, k, f in zip(task.chip_ids, keep, failed, strict=True) if not k and not f]
    if keep.any():
        ids = [c for c, k in zip(task.chip_ids, keep, strict=True) if k]
        store.write_shard(task.collection, task.shard, task.time_index, ids, dst[keep], valid[keep])
        result.written = ids
        result.valid = [float(v) for v in valid[keep]]
        result.bytes_written = int(dst[keep].nbytes)
    return result


# -- the run ------------------------------------------------------------------------------------------------
@dataclass
class TileReport:
    collection: str
    period: str
    store: str
    inputs: int = 0
    inputs_ok: int = 0
    chips: int = 0
    units: int = 0
    units_failed: int = 0
    chips_written: int = 0
    chips_dropped: int = 0
    chips_failed: int = 0
    failures: list[str] = field(default_factory=list)  # one line each, naming the input
    bytes_read: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    created: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.units_failed

    def as_dict(self) -> dict[str, Any]:
        return {"collection": self.collection, "period": self.period, "store": self.store, "inputs": self.inputs,
                "inputs_ok": self.inputs_ok, "chips": self.chips, "units": self.units,
                "units_failed": self.units_failed, "chips_written": self.chips_written,
                "chips_dropped": self.chips_dropped, "chips_failed": self.chips_failed,
                "failures": list(self.failures), "bytes_read": self.bytes_read, "bytes_written": self.bytes_written,
                "seconds": round(self.seconds, 3), "ok": self.ok}

    def summary_line(self) -> str:
        mb = self.bytes_written / 1e6
        return (f"tile: {self.chips_written} chips written to {self.collection}/{self.period}, "
                f"{self.chips_dropped} dropped (below --min-valid), {self.chips_failed} failed, "
                f"{self.inputs_ok}/{self.inputs} inputs read, {mb:.1f} MB in {self.seconds:.1f}s -> {self.store}")


def _collection_spec(name: str, first: RasterInput, store: ChipStore, resolution: float | None,
                     kind: str | None, nodata: float | None) -> tuple[CollectionSpec, int]:
    """The collection's spec and version: the catalog recipe's, the store's, or one made from the first input."""
    from .catalog import load_catalog

    cat = load_catalog()
    if name in cat:
        recipe = cat[name]
        spec = recipe.store_spec()
        version = recipe.version
        if kind and kind != spec.kind:
            raise UsageError(f"collection {name!r} is the catalog's {spec.kind} recipe; drop --kind or use "
                             "another collection name")
    elif name in store.collections():
        spec = store.spec(name)
        version = int(spec.attrs.get("recipe_version", 1))
    else:
        dt = np.dtype(first.dtype)
        fill: float | int
        if first.nodata is not None:
            fill = first.nodata
        elif nodata is not None:
            fill = nodata
        else:
            fill = float("nan") if dt.kind == "f" else 0
        fill = float(fill) if dt.kind == "f" else int(fill)
        names = [d if d else f"b{b}" for d, b in zip(first.descriptions, first.bands, strict=True)]
        if len(set(names)) != len(names):
            names = [f"b{b}" for b in first.bands]
        nb = len(names)
        spec = CollectionSpec(name=name, bands=tuple(names), dtype=str(dt), nodata=fill,
                              resolution=float(resolution or 10), chip_px=0, kind=kind or "continuous",
                              attrs={"recipe": "", "title": name, "source": "m3leo tile", "recipe_version": 1,
                                     "units": [""] * nb, "scale": [1.0] * nb, "offset": [0.0] * nb,
                                     "classes": {}})
        version = 1
    res = float(resolution) if resolution else spec.resolution
    if abs(CHIP_SIZE_M / res - round(CHIP_SIZE_M / res)) > 1e-9:
        raise UsageError(f"resolution {res} m does not divide the 4000 m chip; use e.g. 10, 20, 40, 50, 100")
    spec = replace(spec, resolution=res, chip_px=int(round(CHIP_SIZE_M / res)))
    return spec, version


def _load_geometry(aoi: Any) -> Any:
    if aoi is None:
        return None
    if isinstance(aoi, (str, Path)):
        from .aoi import load_aoi

        return load_aoi(str(aoi)).geometry
    return getattr(aoi, "geometry", aoi)


def _footprint_in(inp: RasterInput, epsg: int) -> shapely.Geometry:
    """The input's extent in a chip CRS, projected straight from its own CRS (no lon/lat round trip, so an
    input already on the chip grid covers exactly its chips)."""
    from pyproj import CRS, Transformer

    a = inp.affine
    x0, x1 = sorted((a.c, a.c + a.a * inp.width))
    y0, y1 = sorted((a.f, a.f + a.e * inp.height))
    box = shapely.box(x0, y0, x1, y1)
    if inp.epsg == epsg:
        return box
    box = shapely.segmentize(box, max(x1 - x0, y1 - y0) / 64)
    tr = Transformer.from_crs(CRS.from_wkt(inp.crs_wkt), epsg, always_xy=True)
    return shapely.make_valid(shapely.transform(box, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))))


def _chip_cover(chips: Sequence[Chip], usable: Sequence[RasterInput], feet: Sequence[Any]) -> tuple[
        list[list[int]], np.ndarray]:
    """For each chip: the inputs that cover part of it (in input order) and the area they cover (m2, an upper
    bound of its valid area: overlaps count twice)."""
    arrays = ChipArrays(np.array([c.zone for c in chips]), np.array([c.south for c in chips]),
                        np.array([c.row for c in chips]), np.array([c.col for c in chips]))
    ci, ii = shapely.STRtree(feet).query(outlines_4326(arrays), predicate="intersects")
    chip_inputs: list[list[int]] = [[] for _ in chips]
    area = np.zeros(len(chips))
    groups: dict[tuple[int, int], list[int]] = {}
    for c, i in zip(ci.tolist(), ii.tolist(), strict=True):
        groups.setdefault((chips[c].epsg, i), []).append(c)
    for (epsg, i), cs in sorted(groups.items()):
        boxes = shapely.box([chips[c].x_min for c in cs], [chips[c].y_min for c in cs],
                            [chips[c].x_max for c in cs], [chips[c].y_max for c in cs])
        try:
            part = shapely.area(shapely.intersection(boxes, _footprint_in(usable[i], epsg)))
            part = np.where(np.isfinite(part), part, CHIP_SIZE_M ** 2)
        except Exception:  # a projection that fails far from the input's area of use: assume it covers
            part = np.full(len(cs), float(CHIP_SIZE_M ** 2))
        for c, a in zip(cs, part.tolist(), strict=True):
            chip_inputs[c].append(i)
            area[c] += a
    for lst in chip_inputs:
        lst.sort()
    return chip_inputs, np.minimum(area, CHIP_SIZE_M ** 2)


UPSAMPLE_WARN = 4.0  # warn when chips have this many times finer pixels than an input


def input_resolution_m(inp: RasterInput) -> float:
    """An input's pixel size in metres (geographic CRSs: degrees at the raster's centre latitude)."""
    from pyproj import CRS

    a = inp.affine
    size = (abs(a.a * a.e - a.b * a.d)) ** 0.5
    crs = CRS.from_wkt(inp.crs_wkt) if inp.crs_wkt else None
    if crs is not None and crs.is_geographic:
        lat = a.f + a.e * inp.height / 2
        return size * 111_320.0 * max(0.05, math.cos(math.radians(lat)) ** 0.5)
    return size * (crs.axis_info[0].unit_conversion_factor if crs is not None and crs.axis_info else 1.0)


def _warn_upsampling(inputs: Sequence[RasterInput], resolution: float, progress: ProgressFn | None) -> None:
    """A progress `warning` event when the chips upsample the coarsest input a lot (blocky, mostly empty)."""
    if not progress or not inputs:
        return
    coarse = max(inputs, key=input_resolution_m)
    native = input_resolution_m(coarse)
    if native / resolution >= UPSAMPLE_WARN:
        fits = [d for d in range(1, int(CHIP_SIZE_M) + 1) if CHIP_SIZE_M % d == 0]  # resolutions chips allow
        near = min(fits, key=lambda d: abs(math.log(d / native)))
        progress({"event": "warning", "message": f"{coarse.name} has ~{native:.0f} m pixels but the chips are "
                  f"{resolution:g} m: upsampled {native / resolution:.0f}x; pass --resolution {near} unless you "
                  "mean to"})


def tile(inputs: Sequence[str | Path] | str | Path, store_dir: str | Path, collection: str, *, aoi: Any = None,
         resolution: float | None = None, resampling: str | None = None, period: str = "static",
         bands: Sequence[int | str] | None = None, nodata: float | None = None, min_valid: float = 0.0,
         kind: str | None = None, workers: int | None = None, dask: Any = None,
         shard_chips: int | None = None, progress: ProgressFn | None = None, lock: bool = True,
         spec: CollectionSpec | None = None, gdal_env: Mapping[str, str] | None = None,
         provenance: Mapping[str, Any] | None = None,
         choose: Callable[[Chip, Sequence[RasterInput]], Sequence[int]] | None = None,
         combine: str = "first") -> TileReport:
    """Reproject and cut `inputs` into the chips of `collection` (period `period`) in the store at `store_dir`.

    resolution: chip metres per pixel (default: the collection's, else 10). resampling: nearest, bilinear,
    cubic, average or mode (default nearest for categorical collections, bilinear otherwise). min_valid: chips
    with a smaller valid-pixel fraction are not written. dask: a scheduler address or a distributed Client.
    Unreadable inputs are reported in `TileReport.failures` and the run goes on; RasterError if none is usable.

    Hooks for m3leo_extract.sources: `spec` (the collection's spec, instead of a recipe's or the first input's),
    `gdal_env` (GDAL configuration for reading the inputs), `provenance` (extra fields recorded with the
    period), `choose(chip, inputs) -> indexes` (which of the inputs covering a chip it takes, in mosaic order)
    and `combine` ("first" valid input wins a pixel, or "mean" over the valid inputs).
    """
    from .state import RunLock, StateDB
    from .store import DEFAULT_SHARD_CHIPS

    started = time.monotonic()
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    if resampling is not None and resampling not in RESAMPLINGS:
        raise UsageError(f"resampling {resampling!r} is not known; use one of {', '.join(RESAMPLINGS)}")
    if kind is not None and kind not in ("categorical", "continuous"):
        raise UsageError(f"kind {kind!r} is not known; use categorical or continuous")
    if not 0.0 <= min_valid <= 1.0:
        raise UsageError(f"--min-valid {min_valid} is outside 0..1; give a fraction such as 0.5")
    if combine not in ("first", "mean"):
        raise UsageError(f"combine {combine!r} is not known; use first or mean")
    if not collection or not collection.replace("_", "").isalnum():
        raise CollectionError(f"collection name {collection!r} must be letters, digits and underscores")
    geometry = _load_geometry(aoi)
    store_dir = str(store_dir)
    report = TileReport(collection=collection, period=period, store=store_dir)

    def fail_input(line: str) -> None:
        report.failures.append(line)
        if progress:
            progress({"event": "input_failed", "error": line})

    paths, lines = expand_inputs(inputs)
    for line in lines:
        fail_input(line)
    report.inputs = len(paths) + len(lines)
    probed: list[RasterInput] = []
    for p in paths:
        try:
            probed.append(probe_input(p, bands, nodata, gdal_env))
        except RasterError as exc:
            fail_input(f"{p}: {exc}")
    if not probed:
        raise RasterError(f"none of the {report.inputs} input(s) could be read ({'; '.join(report.failures[:3])}); "
                          "give readable GeoTIFFs (or other GDAL rasters), folders or globs of them")

    run_lock = RunLock(store_dir).acquire() if lock and not _is_url(store_dir) else None
    try:
        store = ChipStore.open(store_dir, create=True)
        if spec is not None:
            version = int(spec.attrs.get("recipe_version", 1))
            res0 = float(resolution or spec.resolution)
            spec = replace(spec, resolution=res0, chip_px=int(round(CHIP_SIZE_M / res0)))
        else:
            spec, version = _collection_spec(collection, probed[0], store, resolution, kind, nodata)
        usable: list[RasterInput] = []
        for inp in probed:
            if bands is None and set(spec.bands) <= set(inp.descriptions) and inp.descriptions != spec.bands:
                # Band descriptions name the collection's bands (Earth Engine exports do): pick them by name.
                pos = [inp.descriptions.index(b) for b in spec.bands]
                inp = replace(inp, bands=tuple(inp.bands[i] for i in pos), descriptions=tuple(spec.bands))
            if len(inp.bands) != len(spec.bands):
                fail_input(f"{inp.path}: has {len(inp.bands)} band(s) selected but {collection} stores "
                           f"{len(spec.bands)} ({', '.join(spec.bands)}); pick them with --bands")
            else:
                usable.append(inp)
        if not usable:
            raise RasterError(f"no input matches collection {collection}'s {len(spec.bands)} band(s); "
                              "pick the bands with --bands or tile into a new collection name")
        report.inputs_ok = len(usable)
        rs = resampling or ("nearest" if spec.kind == "categorical" else "bilinear")
        _warn_upsampling(usable, spec.resolution, progress)

        # Chips: the inputs' footprints (clipped to the AOI), and for each chip the inputs that touch it.
        feet = [footprint_4326(i) for i in usable]
        union = shapely.union_all(feet)
        area = union if geometry is None else shapely.intersection(union, geometry)
        chips = chips_for_geometry(area) if not area.is_empty and area.area > 0 else []
        chip_inputs: list[list[int]] = []
        if chips:
            chip_inputs, covered = _chip_cover(chips, usable, feet)
            if choose is not None:  # a source's rule (e.g. GUNW date pairs) picks each chip's inputs
                chip_inputs = [[lst[j] for j in choose(c, [usable[i] for i in lst])] if lst else []
                               for c, lst in zip(chips, chip_inputs, strict=True)]
                covered = np.where([bool(lst) for lst in chip_inputs], covered, 0.0)
            # Chips the inputs only graze (under half a pixel: lon/lat round-off) are not the inputs' chips.
            keep = covered > 0.5 * spec.resolution ** 2
            chips = [c for c, k in zip(chips, keep, strict=True) if k]
            chip_inputs = [c for c, k in zip(chip_inputs, keep, strict=True) if k]
            covered = covered[keep]
        report.chips = len(chips)
        if chips and min_valid > 0:
            # Chips the inputs cannot cover enough are dropped now: they need not even enter the store.
            enough = covered / CHIP_SIZE_M ** 2 >= min_valid
            chips = [c for c, k in zip(chips, enough, strict=True) if k]
            chip_inputs = [c for c, k in zip(chip_inputs, enough, strict=True) if k]
            report.chips_dropped = report.chips - len(chips)
        if not chips:
            report.seconds = time.monotonic() - started
            if progress:
                progress({"event": "plan", "chips": 0, "units": 0, "inputs": len(usable)})
            return report

        # Planning: metadata changes happen here, once, before any worker writes.
        report.created = collection not in store.collections()
        store.ensure_collection(spec, shard_chips=shard_chips or DEFAULT_SHARD_CHIPS)
        index = store.add_chips(collection, chips)
        t = store.ensure_period(collection, period)
        store.record_period(collection, period, tool="m3leo tile", recipe_version=version, resampling=rs,
                            resolution=spec.resolution, inputs=[i.path for i in usable[:100]],
                            n_inputs=len(usable), **dict(provenance or {}))
        per_shard = store.shard_chips(collection)
        by_shard: dict[int, list[int]] = {}
        for pos, idx in enumerate(index.tolist()):
            by_shard.setdefault(idx // per_shard, []).append(pos)  # store.shard_of, without a lookup per chip
        token = uuid.uuid4().hex
        tasks = []
        for shard, positions in sorted(by_shard.items()):
            used = sorted({k for p in positions for k in chip_inputs[p]})
            remap = {k: j for j, k in enumerate(used)}
            tasks.append(TileTask(
                store_dir=store_dir, token=token, collection=collection, time_index=t, shard=shard,
                chip_ids=tuple(chips[p].chip_id for p in positions),
                chip_inputs=tuple(tuple(remap[k] for k in sorted(chip_inputs[p])) for p in positions),
                inputs=tuple(usable[k] for k in used), resolution=spec.resolution, dtype=spec.dtype,
                nodata=spec.nodata, resampling=rs, min_valid=min_valid,
                gdal_env=tuple(sorted(dict(gdal_env or {}).items())), combine=combine))
        report.units = len(tasks)
        state = StateDB(Path(store_dir) / STATE_FILE) if not _is_url(store_dir) else None
        unit_ids: dict[int, int] = {}
        if state is not None:
            state.upsert_units((collection, period, tk.shard, tk.chip_ids, version, "tile") for tk in tasks)
            for u in state.units(collection=collection, period=period):
                unit_ids[u.shard] = u.id
            run_id = state.start_run("tile")
        if progress:
            progress({"event": "plan", "chips": len(chips), "units": len(tasks), "inputs": len(usable),
                      "collection": collection, "period": period})
        failed_inputs: set[str] = set()

        def done(task: TileTask, res: UnitResult | None, exc: BaseException | None) -> None:
            if exc is not None:
                if not isinstance(exc, (M3leoError, OSError)):
                    raise exc  # a bug, not a bad input: stop loudly
                res = UnitResult(task.shard, failed=list(task.chip_ids),
                                 errors=[("", f"unit {task.shard} failed: {_first_line(exc)}")])
            assert res is not None
            for path, msg in res.errors:
                if path and path not in failed_inputs:
                    failed_inputs.add(path)
                    fail_input(f"{path}: {msg}")
                elif not path:
                    fail_input(msg)
            report.chips_written += len(res.written)
            report.chips_dropped += len(res.dropped)
            report.chips_failed += len(res.failed)
            report.bytes_read += res.bytes_read
            report.bytes_written += res.bytes_written
            if res.failed:
                report.units_failed += 1
            if state is not None and task.shard in unit_ids:
                if res.failed:
                    state.mark(unit_ids[task.shard], "failed", attempt=True, error_kind="permanent",
                               error="; ".join(f"{p}: {m}" if p else m for p, m in res.errors)[:2000])
                else:
                    state.mark(unit_ids[task.shard], "done", attempt=True)
            if progress:
                progress({"event": "unit", "shard": task.shard, "chips": len(task.chip_ids),
                          "written": len(res.written), "dropped": len(res.dropped), "failed": len(res.failed),
                          "ok": not res.failed})

        try:
            if dask is not None:
                _run_dask(tasks, dask, done)
            else:
                from .runner import fan_out

                fan_out(tasks, tile_unit, workers or os.cpu_count() or 1, done)
        finally:
            report.seconds = time.monotonic() - started
            report.inputs_ok = len(usable) - len(failed_inputs)
            if state is not None:
                state.finish_run(run_id, "ok" if report.ok else "failed", report.as_dict())
                state.close()
        if report.chips_written == 0 and usable and len(failed_inputs) >= len(usable):
            raise RasterError(f"every input failed while reading ({'; '.join(report.failures[:3])}); check or "
                              "re-download the files and rerun")
        return report
    finally:
        if run_lock:
            run_lock.release()


def _run_dask(tasks: Sequence[TileTask], scheduler: Any,
              done: Callable[[TileTask, UnitResult | None, BaseException | None], None]) -> None:
    """The same per-shard function on a dask.distributed cluster; results come back to this process."""
    from distributed import Client, as_completed

    own = isinstance(scheduler, str)
    client = Client(scheduler) if own else scheduler
    try:
        slots = max(2 * sum(client.nthreads().values()), 2)
        it = iter(tasks)
        futures = {}
        for task in it:
            futures[client.submit(tile_unit, task, pure=False)] = task
            if len(futures) >= slots:
                break
        ac = as_completed(list(futures))
        for fut in ac:
            task = futures.pop(fut)
            exc = fut.exception()
            done(task, None if exc else fut.result(), exc)
            nxt = next(it, None)
            if nxt is not None:
                f2 = client.submit(tile_unit, nxt, pure=False)
                futures[f2] = nxt
                ac.add(f2)
    finally:
        if own:
            client.close()
