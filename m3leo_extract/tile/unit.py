"""The work unit of `tile`: one shard of a collection. `tile_unit` reads only the source windows its chips
need (one read per row of neighbouring chips and input), mosaics the inputs (the first valid input wins a
pixel, or the per-pixel mean) and writes the shard with one `write_shard` call. Memory per unit is bounded by
the shard, never by the input, so a unit runs the same on a local thread or a dask worker (which opens the
store from its path, once per process and run)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rasterio
from rasterio._err import CPLE_BaseError
from rasterio.errors import RasterioError

from ..errors import M3leoError
from ..grid import Chip
from ..nodata import nodata_mask
from ..store import ChipStore
from .inputs import GDAL_ENV, RasterInput, first_line
from .resample import aligned, runs
from .terrain import add_slope_aspect
from .warp import read_aligned, warp_run

# What reading a raster may raise for a bad file or a dropped connection (GDAL's errors, the OS's, ours): those
# fail the chips they touch and the run goes on. Anything else is a bug, and stops the run (exit 70).
READ_ERRORS = (RasterioError, CPLE_BaseError, OSError, M3leoError)

COMBINES = ("first", "mean")


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
    terrain: bool = False  # a one-band DEM into the dem recipe: slope and aspect derived on the chip grid


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


# -- per-process handle caches ------------------------------------------------------------------------------
_STORES: dict[tuple[str, str], ChipStore] = {}
_STORES_LOCK = threading.Lock()
_LOCAL = threading.local()


def _open_store(directory: str, token: str) -> ChipStore:
    """One opened store per process and run (the chip index is read once, not once per unit)."""
    with _STORES_LOCK:
        key = (directory, token)
        if key not in _STORES:
            if len(_STORES) > 4:
                _STORES.clear()
            _STORES[key] = ChipStore.open(directory, mode="r+")
        return _STORES[key]


def _dataset(path: str, token: str) -> Any:
    """This thread's open handle on `path` for this run. Kept open across units so GDAL's block cache keeps
    the decoded tiles that neighbouring shards share (a handle per unit would decode them again)."""
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


# -- mosaicking ---------------------------------------------------------------------------------------------
def _read_run(src: Any, inp: RasterInput, chips: list[Chip], task: TileTask, px: int,
              out: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(n, band, px, px) of one run of neighbouring chips from one input: a window copy when the input is on
    the chips' pixel grid (same dtype, no mask), else the warp (with its resampled-read shortcut), which
    writes straight into `out` where given."""
    if (inp.dtype == task.dtype and not inp.use_mask
            and all(aligned(inp.affine, inp.epsg, c, task.resolution) for c in chips)):
        return read_aligned(src, inp, chips, task.resolution, px, task.dtype, task.nodata)
    return warp_run(src, inp, chips, task.resolution, task.resampling, task.dtype, task.nodata, px, out)


def _direct_target(run: list[int], dst: np.ndarray, filled: np.ndarray) -> np.ndarray | None:
    """`dst`'s chips of `run` as one view where the run is a slice of them and none has a pixel yet: the
    warp may write there itself (what the first input writes is what the copy would have put there)."""
    k0, k1 = run[0], run[-1] + 1
    if run != list(range(k0, k1)) or filled[k0:k1].any():
        return None
    return dst[k0:k1]


def _mosaic_input(src: Any, inp: RasterInput, chips: list[Chip], idxs: list[int], task: TileTask, px: int,
                  dst: np.ndarray, filled: np.ndarray, failed: np.ndarray, result: UnitResult) -> None:
    """Add one input to the unit's chips `idxs`: pixels still empty take its valid pixels (first valid wins)."""
    for run in runs(chips, idxs):
        try:
            direct = _direct_target(run, dst, filled)
            block, nread = _read_run(src, inp, [chips[i] for i in run], task, px, direct)
        except READ_ERRORS as exc:  # a corrupt block, a dropped connection: these chips fail, the rest go on
            msg = f"read failed ({first_line(exc)}); check or re-download the file"
            if (inp.path, msg) not in result.errors:
                result.errors.append((inp.path, msg))
            failed[run] = True
            continue
        result.bytes_read += nread
        for j, i in enumerate(run):
            ok = ~nodata_mask(block[j], task.nodata).all(axis=0)  # a pixel is valid if any band is
            new = ok & ~filled[i]
            if block is direct:  # written in place
                pass
            elif new.all():
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
        ok = filled[i] & ~nodata_mask(dst[i], task.nodata).any(axis=0)
        sums[i][:, ok] += dst[i][:, ok]
        counts[i][ok] += 1


def _combine_inputs(task: TileTask, chips: list[Chip], px: int, result: UnitResult) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """(data (n, band, px, px), filled (n, px, px), failed (n,)): every input of the unit added in the
    caller's order (the first valid input wins a pixel), or averaged with combine="mean"."""
    n = len(chips)
    nb = len(task.inputs[0].bands) if task.inputs else 0
    dst = np.full((n, nb, px, px), task.nodata, dtype=task.dtype)
    filled = np.zeros((n, px, px), bool)
    failed = np.zeros(n, bool)
    mean = task.combine == "mean"
    sums = np.zeros((n, nb, px, px), "float64") if mean else None
    counts = np.zeros((n, px, px), "int32") if mean else None
    with rasterio.Env(**GDAL_ENV, **dict(task.gdal_env)):
        for k, inp in enumerate(task.inputs):
            idxs = [i for i in range(n) if k in task.chip_inputs[i] and not failed[i]]
            if not idxs:
                continue
            try:
                src = _dataset(inp.path, task.token)
            except READ_ERRORS as exc:
                result.errors.append((inp.path, f"cannot be opened ({first_line(exc)})"))
                failed[idxs] = True
                continue
            if sums is not None and counts is not None:
                _sum_input(src, inp, chips, idxs, task, px, sums, counts, failed, result)
            else:
                _mosaic_input(src, inp, chips, idxs, task, px, dst, filled, failed, result)
    if sums is not None and counts is not None:
        filled = counts > 0
        dst = np.where(filled[:, None], sums / np.maximum(counts, 1)[:, None], dst).astype(task.dtype)
    return dst, filled, failed


def tile_unit(task: TileTask) -> UnitResult:
    """Read, warp, mosaic and write the chips of one shard. Runs on a thread or a dask worker."""
    store = _open_store(task.store_dir, task.token)
    chips = [Chip.from_id(c) for c in task.chip_ids]
    n = len(chips)
    px = chips[0].shape(task.resolution)[0] if chips else 0
    result = UnitResult(task.shard)
    dst, filled, failed = _combine_inputs(task, chips, px, result)
    if task.terrain:
        dst = add_slope_aspect(dst, task.resolution)
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
