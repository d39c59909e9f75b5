"""`tile`: reproject and cut local or remote rasters into 4 x 4 km chips in the Zarr store.

Planning happens once, in the calling process (`plan_tile` -> a frozen `TilePlan`): inputs are probed
(metadata only), their footprints give the chips, and each chip's inputs are listed. `run_tile(plan)`
registers chips, period and collection in the store, then fans out one unit per shard of the collection
(`unit.tile_unit`, on threads or dask workers), each reading only the source windows its chips need, warping
them onto each chip's UTM grid (or taking a window copy / resampled read where that is the same answer:
`resample.py`), mosaicking the inputs and writing the shard in one call.

    inputs.py    find (files, folders, globs, fsspec URLs), probe, footprints (antimeridian), pixel sizes
    resample.py  pure arithmetic: which chips may skip the warp, the numpy bilinear kernel
    warp.py      reading one run of chips from one input: window copy, resampled read, GDAL warp
    unit.py      the per-shard work unit and its per-process handle caches
    planning.py  the collection's spec, matching inputs to it, the chips and each chip's inputs
    run.py       TilePlan / plan_tile, run_tile (store, state, progress, fan-out), TileReport, tile()
"""

from .inputs import (
    GDAL_CACHE_MB,
    RASTER_SUFFIXES,
    RasterInput,
    expand_inputs,
    footprint_4326,
    input_resolution_m,
    probe_input,
)
from .planning import KINDS, UPSAMPLE_WARN, Coverage
from .resample import READ_RESAMPLINGS, RESAMPLINGS
from .run import TilePlan, TileReport, plan_tile, run_tile, tile
from .unit import COMBINES, TileTask, UnitResult, tile_unit

__all__ = [
    "COMBINES", "GDAL_CACHE_MB", "KINDS", "RASTER_SUFFIXES", "READ_RESAMPLINGS", "RESAMPLINGS", "UPSAMPLE_WARN",
    "Coverage", "RasterInput", "TilePlan", "TileReport", "TileTask", "UnitResult", "expand_inputs",
    "footprint_4326", "input_resolution_m", "plan_tile", "probe_input", "run_tile", "tile", "tile_unit",
]
