"""What pixels mode and export mode share: run options, the report, recording a unit, and cutting blocks into chips.

A work unit is one Zarr shard of one collection and composite period (`state.Unit`). Both modes fetch a unit as
blocks of neighbouring chips on the chips' own grid (`ee.sizing.plan_blocks`), cut each block back into chips
(`cut_block`), restore float nodata, measure each chip's valid fraction (`nodata.valid_fraction`) and write the
shard; then `record_unit` books the outcome in the state, the report and the progress callback. Neither mode
module imports the other: extract.py plans and dispatches to one of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .catalog import Recipe
from .defaults import DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RPS, check_shard_chips
from .ee.sizing import Block
from .errors import EXIT_FAILED_UNITS, EXIT_OK, EXIT_TEMPFAIL, EXIT_USAGE
from .grid import CHIP_SIZE_M, Chip, lonlat_transformer
from .nodata import valid_fraction
from .runner import ProgressFn, RetryPolicy, UnitOutcome
from .state import ErrorKind, StateDB, Unit, UnitStatus

EMPTY = ErrorKind.EMPTY  # error_kind of a done unit whose composite had no images


@dataclass(frozen=True)
class ExtractOptions:
    """How a run talks to Earth Engine. `shard_chips` None: the store's shard size, else DEFAULT_SHARD_CHIPS."""

    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    max_rps: float = DEFAULT_MAX_RPS
    shard_chips: int | None = None
    byte_limit: int | None = None  # None: ee.sizing.REQUEST_BYTE_LIMIT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    retry_failed: bool = False
    seed: int | None = None
    # A dask.distributed Client, scheduler address or `local:N`: units run on the cluster's workers (fetch,
    # cut, write), under one cluster-wide quota (cluster.py); the store must be reachable from every worker.
    dask: Any = None

    def __post_init__(self) -> None:
        if self.shard_chips is not None:  # m3leo.toml or a library caller: the CLI's bounds hold here too
            check_shard_chips(self.shard_chips)

    @classmethod
    def build(cls, *, max_concurrency: int | None = None, max_rps: float | None = None,
              shard_chips: int | None = None, max_attempts: int | None = None, **other: Any) -> ExtractOptions:
        """Options from flags that may be None (not given): each None takes the library's default."""
        given: dict[str, Any] = {"max_concurrency": max_concurrency, "max_rps": max_rps, "shard_chips": shard_chips,
                                 **other}
        if max_attempts is not None:
            given["retry"] = RetryPolicy(max_attempts=max_attempts)
        return cls(**{k: v for k, v in given.items() if v is not None})

    def persisted(self) -> dict[str, Any]:
        """What m3leo.toml's [options] keeps of these, so `refresh` runs the dataset the way it was built."""
        out: dict[str, Any] = {"max_concurrency": self.max_concurrency, "max_rps": self.max_rps,
                               "max_attempts": self.retry.max_attempts}
        if self.shard_chips is not None:
            out["shard_chips"] = self.shard_chips
        return out


@dataclass
class PlanSummary:
    chips: int = 0
    units: int = 0
    units_pending: int = 0
    chips_pending: int = 0
    by_collection: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ExtractReport:
    plan: PlanSummary
    units_done: int = 0
    units_failed: int = 0
    units_failed_permanent: int = 0  # failed in a way a rerun does not mend (invalid included)
    units_failed_invalid: int = 0  # Earth Engine refused the request: the input (recipe, period) is wrong
    units_empty: int = 0  # done, but the composite had no images (nodata chips, valid 0)
    adapted_blocks: int = 0  # blocks split because Earth Engine timed out or ran out of memory
    chips_done: int = 0
    chips_failed: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    peak_in_flight: int = 0
    throttled: int = 0  # 429 answers the cluster backed off from together (cluster.Throttle)
    fetch_seconds: float = 0.0  # the fetch/write phase alone (planning excluded): what `plan` calibrates on
    fetch_cpu_seconds: float = 0.0  # this process's CPU time in that phase (all threads)
    request_seconds: float = 0.0  # summed round trips of the requests (inside the limiter's slot)
    bytes_fetched: int = 0  # raw pixel bytes of the units done
    max_concurrency: int = 0
    max_rps: float = 0.0
    # Units of the run's collections and periods still failed when it ended (this run's or older ones).
    left_failed: int = 0
    left_failed_permanent: int = 0
    left_failed_invalid: int = 0
    left_error: str = ""  # the error of one of them

    @property
    def ok(self) -> bool:
        return self.units_failed == 0 and self.left_failed == 0

    @property
    def exit_code(self) -> int:
        """0 all done; 2 Earth Engine refused requests as invalid (fix the recipe or period); 1 units failed
        permanently otherwise (a person must look); 75 only transient failures (rerun)."""
        if self.ok:
            return EXIT_OK
        if self.units_failed_invalid or self.left_failed_invalid:
            return EXIT_USAGE
        return EXIT_FAILED_UNITS if (self.units_failed_permanent or self.left_failed_permanent) else EXIT_TEMPFAIL

    def as_dict(self) -> dict[str, Any]:
        return {"chips": self.plan.chips, "units": self.plan.units, "units_run": self.units_done + self.units_failed,
                "units_done": self.units_done, "units_failed": self.units_failed,
                "units_failed_permanent": self.units_failed_permanent,
                "units_failed_invalid": self.units_failed_invalid, "units_empty": self.units_empty,
                "adapted_blocks": self.adapted_blocks, "chips_done": self.chips_done,
                "chips_failed": self.chips_failed, "requests": self.requests, "retries": self.retries,
                "seconds": round(self.seconds, 3), "errors": self.errors, "peak_in_flight": self.peak_in_flight,
                "throttled": self.throttled,
                "fetch_seconds": round(self.fetch_seconds, 3), "fetch_cpu_seconds": round(self.fetch_cpu_seconds, 3),
                "request_seconds": round(self.request_seconds, 3), "bytes_fetched": self.bytes_fetched,
                "max_concurrency": self.max_concurrency, "max_rps": self.max_rps, "left_failed": self.left_failed,
                "left_failed_permanent": self.left_failed_permanent, "left_failed_invalid": self.left_failed_invalid}


def record_unit(state: StateDB, report: ExtractReport, unit: Unit, progress: ProgressFn | None, *,
                chips: int, requests: int = 0, retries: int = 0, error: str | None = None,
                kind: ErrorKind | None = None, empty: bool = False) -> None:
    """Record one finished unit (done, or failed with `error` of `kind`) in the state, the report and progress.

    An empty unit (its composite had no images: nodata chips) is done, with error_kind "empty" and no error.
    """
    if error is None:
        state.mark(unit.id, UnitStatus.DONE, retries=retries, requests=requests, error_kind=EMPTY if empty else None)
        report.units_done += 1
        report.units_empty += empty
        report.chips_done += chips
        report.requests += requests
        report.retries += retries
    else:
        state.mark(unit.id, UnitStatus.FAILED, error=error, error_kind=kind)
        report.units_failed += 1
        report.units_failed_permanent += kind is not None and not kind.retried_by_rerun
        report.units_failed_invalid += kind is ErrorKind.INVALID
        report.chips_failed += chips
        report.errors[error] = report.errors.get(error, 0) + 1
    if progress:
        progress({"event": "unit", "collection": unit.collection, "period": unit.period, "chips": chips,
                  "ok": error is None, "error": error, "empty": empty})


def record_outcome(state: StateDB, report: ExtractReport, unit: Unit, progress: ProgressFn | None,
                   outcome: UnitOutcome) -> None:
    """Record a worker's `UnitOutcome` (the coordinator's side of runner.run_units)."""
    if outcome.status is UnitStatus.DONE:
        report.request_seconds += outcome.seconds
        report.bytes_fetched += outcome.bytes
        record_unit(state, report, unit, progress, chips=outcome.chips, requests=outcome.requests,
                    retries=outcome.retries, empty=outcome.error_kind is ErrorKind.EMPTY)
    else:
        record_unit(state, report, unit, progress, chips=outcome.chips, error=outcome.message,
                    kind=outcome.error_kind)


# -- cutting blocks into chips ----------------------------------------------------------------------------
ChipSlots = Mapping[tuple[int, int, int], int]  # (epsg, row, col) -> index of the chip in the unit


def unit_chips(unit: Unit) -> list[Chip]:
    return [Chip.from_id(c) for c in unit.chips]


def chip_slots(chips: Sequence[Chip]) -> dict[tuple[int, int, int], int]:
    """Where each chip of a unit goes in its (chip, band, y, x) array."""
    return {(c.epsg, c.row, c.col): i for i, c in enumerate(chips)}


def empty_chips(recipe: Recipe, n: int) -> np.ndarray:
    """The (chip, band, y, x) array a unit's blocks are cut into."""
    px = recipe.chip_px
    return np.empty((n, len(recipe.bands), px, px), dtype=recipe.dtype)


def cut_block(out: np.ndarray, where: ChipSlots, block: Block, arr: np.ndarray, chip_px: int) -> None:
    """Copy each wanted chip of a block's (band, y, x) pixels into `out[chip index]`."""
    for r, c in block.chips:
        top = (block.row0 + block.nrows - 1 - r) * chip_px  # north-up: the top block row is the highest row
        left = (c - block.col0) * chip_px
        out[where[(block.epsg, r, c)]] = arr[:, top:top + chip_px, left:left + chip_px]


def restore_nodata(out: np.ndarray, recipe: Recipe) -> np.ndarray:
    """Float recipes travel with FLOAT_SENTINEL for masked pixels (NPY/GeoTIFF carry no mask): back to NaN."""
    if np.dtype(recipe.dtype).kind == "f":
        # Here, not at the top: ee.expressions imports the earthengine-api client (~1 s), which runs that never
        # meet a float recipe (and `import m3leo_extract.extract` itself) should not pay for.
        from .ee.expressions import FLOAT_SENTINEL

        out[out == FLOAT_SENTINEL] = np.nan
    return out


def finish_chips(out: np.ndarray, recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
    """(pixels, valid fraction per chip) of a unit whose blocks are all cut in."""
    restore_nodata(out, recipe)
    return out, valid_fraction(out, recipe.nodata)


# -- bounds -------------------------------------------------------------------------------------------------
def chips_lonlat_bounds(chips: Sequence[Chip]) -> tuple[float, float, float, float]:
    """Lon/lat bounding box of chips (corners and edge midpoints, so UTM curvature is covered)."""
    by_epsg: dict[int, list[Chip]] = {}
    for c in chips:
        by_epsg.setdefault(c.epsg, []).append(c)
    lo_x, lo_y, hi_x, hi_y = np.inf, np.inf, -np.inf, -np.inf
    off = np.array([0.0, 0.5, 1.0]) * CHIP_SIZE_M
    for epsg, cs in by_epsg.items():
        x0 = np.array([c.x_min for c in cs])[:, None, None] + off[None, None, :]
        y0 = np.array([c.y_min for c in cs])[:, None, None] + off[None, :, None]
        gx, gy = np.broadcast_arrays(x0, y0)
        lon, lat = lonlat_transformer(epsg).transform(gx.ravel(), gy.ravel())
        lo_x, hi_x = min(lo_x, float(np.min(lon))), max(hi_x, float(np.max(lon)))
        lo_y, hi_y = min(lo_y, float(np.min(lat))), max(hi_y, float(np.max(lat)))
    return lo_x, lo_y, hi_x, hi_y


def lonlat_pixels(chip: Chip, resolution: float) -> np.ndarray:
    """(2, h, w) float32 lon/lat of the chip's pixel centres: the `lonlat` recipe, computed locally."""
    h, w = chip.shape(resolution)
    xs = chip.x_min + (np.arange(w) + 0.5) * resolution
    ys = chip.y_min + CHIP_SIZE_M - (np.arange(h) + 0.5) * resolution
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = lonlat_transformer(chip.epsg).transform(gx, gy)
    return np.stack([lon, lat]).astype(np.float32)
