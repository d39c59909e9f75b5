"""Pixels mode: each unit's chips by computePixels, in blocks that fit one request, written as the unit's shard.

The sibling of exporting.py (export mode); both stand on units.py. The pixels getter is injected (Xee's
`pixels_getter`): `ee.pixels.EEPixelsGetter` against Earth Engine or the emulator, or a test's wrapper around it.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .catalog import Period, Recipe, parse_label
from .ee.pixels import PixelRequest, PixelsGetter
from .ee.sizing import REQUEST_BYTE_LIMIT, Block, plan_blocks
from .errors import EarthEngineError, M3leoError
from .grid import Chip
from .nodata import valid_fraction
from .quota import workload_tag
from .runner import CallStats, Limiter, call_with_retries, fan_out
from .state import StateDB, Unit
from .store import ChipStore

if TYPE_CHECKING:
    from .cluster import ClusterLimiter, QuotaSpec
from .units import (
    ExtractOptions,
    ExtractReport,
    ProgressFn,
    chip_slots,
    chips_lonlat_bounds,
    cut_block,
    empty_chips,
    finish_chips,
    lonlat_pixels,
    record_unit,
    unit_chips,
)


class UnitFetcher:
    """Fetch the chips of one unit: blocks of neighbouring chips, split smaller when a request is too large."""

    def __init__(self, recipes: Mapping[str, Recipe], getter: PixelsGetter, limiter: Limiter | ClusterLimiter,
                 options: ExtractOptions, store_name: str = "") -> None:
        self.recipes = recipes
        self.store_name = store_name
        self.getter = getter
        self.limiter = limiter
        self.options = options
        self.byte_limit = options.byte_limit or REQUEST_BYTE_LIMIT
        self._rng = random.Random(options.seed)
        # Per collection: the most chip cells a block may hold, learnt from Earth Engine's timeouts / memory
        # errors (and size refusals below our own limit). Later blocks of that collection start at that size.
        self.max_cells: dict[str, int] = {}
        self.adapted = 0
        self._lock = threading.Lock()

    def _learn(self, collection: str, cells: int) -> None:
        with self._lock:
            self.max_cells[collection] = max(1, min(self.max_cells.get(collection, cells), cells))
            self.adapted += 1

    def _cap(self, collection: str, blocks: list[Block]) -> list[Block]:
        """Split blocks above the size that worked for this collection (none learnt yet: as planned)."""
        cap = self.max_cells.get(collection)
        if cap is None:
            return blocks
        out, todo = [], list(blocks)
        while todo:
            b = todo.pop()
            if b.n_cells > cap and b.n_cells > 1:
                todo.extend(b.halves())
            else:
                out.append(b)
        return out

    def __call__(self, unit: Unit) -> tuple[list[str], np.ndarray, np.ndarray, CallStats]:
        recipe = self.recipes[unit.collection]
        chips = unit_chips(unit)
        stats = CallStats()
        if not recipe.remote:  # computed here, no nodata sentinel to restore
            data = np.stack([lonlat_pixels(c, recipe.resolution) for c in chips]).astype(recipe.dtype)
            valid = valid_fraction(data, recipe.nodata)
        else:
            data, valid = finish_chips(self._fetch(recipe, parse_label(unit.period), chips, stats), recipe)
        return [c.chip_id for c in chips], data, valid, stats

    def _fetch(self, recipe: Recipe, period: Period, chips: list[Chip], stats: CallStats) -> np.ndarray:
        # Here, not at the top: ee.expressions imports the earthengine-api client (~1 s at import).
        from .ee import expressions

        px = recipe.chip_px
        image = expressions.build(recipe, period, chips_lonlat_bounds(chips))
        out = empty_chips(recipe, len(chips))
        where = chip_slots(chips)
        todo = self._cap(recipe.name, plan_blocks(where, px, len(recipe.bands), recipe.dtype, self.byte_limit))
        res = recipe.resolution
        tag = workload_tag(self.store_name or "store", recipe.name, period.label)
        while todo:
            block = todo.pop()
            req = PixelRequest(image, f"EPSG:{block.epsg}", block.transform(res), block.shape(px),
                               tuple(recipe.band_names), recipe.dtype, tag)
            try:
                arr = call_with_retries(lambda r=req: self.getter(r), self.limiter, self.options.retry, stats,
                                        self._rng)
            except EarthEngineError as exc:
                if (exc.too_large or exc.too_heavy) and block.n_cells > 1:
                    # The server's size limit is below ours, or the block is too much work for one request
                    # (timeout / memory): ask for halves, and start this collection's later blocks that small.
                    halves = block.halves()
                    self._learn(recipe.name, max(h.n_cells for h in halves))
                    todo = self._cap(recipe.name, todo + halves)  # what is still queued shrinks too
                    continue
                if exc.too_heavy:
                    raise EarthEngineError(f"{exc} (even a single chip is too heavy for Earth Engine: shorten the "
                                           "period or lower the resolution)", too_heavy=True) from exc
                raise
            cut_block(out, where, block, arr, px)
        return out


def run_pixel_units(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                    getter: PixelsGetter, options: ExtractOptions, report: ExtractReport,
                    progress: ProgressFn | None = None, endpoint: tuple[str | None, str | None] = (None, None)) -> None:
    """Fetch and write units concurrently, on this process's threads or (options.dask) on a dask.distributed
    cluster's workers under one cluster-wide quota; outcomes are recorded here, in the state, as they arrive.
    endpoint: (url, project) the workers initialise Earth Engine with."""
    time_index: dict[tuple[str, str], int] = {}
    for u in units:
        key = (u.collection, u.period)
        if key not in time_index:
            time_index[key] = store.ensure_period(u.collection, u.period)
    for u in units:
        state.mark(u.id, "running", attempt=True)

    def done(unit: Unit, result: tuple[int, CallStats, bool] | None, exc: BaseException | None) -> None:
        if exc is None and result is not None:
            n, stats, empty = result
            report.request_seconds += stats.seconds
            report.bytes_fetched += stats.bytes
            record_unit(state, report, unit, progress, chips=n, requests=stats.requests, retries=stats.retries,
                        empty=empty)
            return
        if not isinstance(exc, M3leoError):
            raise exc  # type: ignore[misc]  # a bug, not an Earth Engine failure: stop loudly
        kind = "transient" if getattr(exc, "retryable", False) else "permanent"
        record_unit(state, report, unit, progress, chips=len(unit.chips), error=str(exc), kind=kind)

    if options.dask is not None:
        _run_on_cluster(store, units, recipes, getter, options, report, time_index, endpoint, done)
        return
    limiter = Limiter(options.max_concurrency, options.max_rps)
    fetch = UnitFetcher(recipes, getter, limiter, options, store_name=Path(str(store.root)).name)
    # Up to 40 threads wait on Earth Engine, but encoding and writing shards is CPU work: letting all of them
    # into zarr at once only makes them fight over the GIL and zarr's event loop. One writer per core.
    writers = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    def work(unit: Unit) -> tuple[int, CallStats, bool]:
        ids, data, valid, stats = fetch(unit)
        empty = bool(recipes[unit.collection].remote and valid.size and not valid.any())
        stats.bytes = int(data.nbytes)
        with writers:
            store.write_shard(unit.collection, unit.shard, time_index[(unit.collection, unit.period)], ids, data,
                              valid)
        return len(ids), stats, empty

    fan_out(units, work, options.max_concurrency, done)
    report.peak_in_flight = max(report.peak_in_flight, limiter.peak_in_flight)
    report.adapted_blocks += fetch.adapted


def _run_on_cluster(store: ChipStore, units: Sequence[Unit], recipes: Mapping[str, Recipe], getter: PixelsGetter,
                    options: ExtractOptions, report: ExtractReport, time_index: dict[tuple[str, str], int],
                    endpoint: tuple[str | None, str | None], done: Any) -> None:
    """Each unit is a task on a worker (fetch, cut, write its shard); one quota for the whole cluster."""
    from functools import partial

    from .cluster import QuotaSpec, Throttle, cluster_client, total_threads

    store.consolidate()  # the periods just added, for the workers that open the store
    job = ClusterJob(str(store.root), Path(str(store.root)).name, dict(recipes), replace(options, dask=None),
                     endpoint[0], endpoint[1], QuotaSpec.new(options.max_concurrency, options.max_rps),
                     dict(time_index), getter)
    threads = -(-options.max_concurrency // 2)
    with cluster_client(options.dask, threads_per_worker=threads) as client, \
            Throttle(client, job.quota) as throttle:
        fan_out(units, partial(run_unit, job), total_threads(client), done,
                executor=client.get_executor(pure=False))
    report.throttled += throttle.throttled


@dataclass(frozen=True)
class ClusterJob:
    """What a worker needs to fetch and write any unit of one run (picklable; sent with every task)."""

    store_root: str
    store_name: str
    recipes: Mapping[str, Recipe]
    options: ExtractOptions
    ee_url: str | None
    project: str | None
    quota: QuotaSpec
    time_index: Mapping[tuple[str, str], int]
    getter: Any  # ee.pixels.EEPixelsGetter (stateless), or a test's picklable wrapper around it


# Per worker process: one Earth Engine session, one limiter per run, one open store per run.
_worker_lock = threading.Lock()
_worker_cache: dict[tuple[str, str], Any] = {}


def _cached(kind: str, key: str, make: Any) -> Any:
    with _worker_lock:
        if (kind, key) not in _worker_cache:
            _worker_cache[(kind, key)] = make()
        return _worker_cache[(kind, key)]


def run_unit(job: ClusterJob, unit: Unit) -> tuple[int, CallStats, bool]:
    """Runs on a worker: fetch one unit's chips under the cluster-wide quota and write its shard."""
    from .cluster import ClusterLimiter
    from .ee.session import initialize

    if any(r.remote for r in job.recipes.values()):
        _cached("session", f"{job.ee_url}|{job.project}", lambda: initialize(job.ee_url, job.project))
    limiter = _cached("limiter", job.quota.key, lambda: ClusterLimiter(job.quota))
    store = _cached("store", f"{job.quota.key}|{job.store_root}", lambda: ChipStore.open(job.store_root, mode="r+"))
    fetch = UnitFetcher(job.recipes, job.getter, limiter, job.options, store_name=job.store_name)
    ids, data, valid, stats = fetch(unit)
    empty = bool(job.recipes[unit.collection].remote and valid.size and not valid.any())
    stats.bytes = int(data.nbytes)
    store.write_shard(unit.collection, unit.shard, job.time_index[(unit.collection, unit.period)], ids, data, valid)
    return len(ids), stats, empty


def no_getter(request: PixelRequest) -> np.ndarray:
    raise AssertionError("a local recipe asked for Earth Engine pixels")
