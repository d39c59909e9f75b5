"""Pixels mode: each unit's chips by computePixels, in blocks that fit one request, written as the unit's shard.

The sibling of exporting.py (export mode); both stand on units.py. The pixels getter is injected (Xee's
`pixels_getter`): `ee.pixels.EEPixelsGetter` against Earth Engine or the emulator, or a test's wrapper around it.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .catalog import Period, Recipe, parse_label
from .ee.pixels import PixelRequest, PixelsGetter
from .ee.sizing import REQUEST_BYTE_LIMIT, Block, plan_blocks
from .errors import EarthEngineError
from .grid import Chip
from .nodata import valid_fraction
from .quota import workload_tag
from .runner import CallStats, Limiter, UnitOutcome, call_with_retries, run_units
from .state import ErrorKind, StateDB, Unit, UnitStatus
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
    record_outcome,
    unit_chips,
)


class UnitFetcher:
    """Fetch the chips of one unit: blocks of neighbouring chips, split smaller when a request is too large."""

    def __init__(self, recipes: Mapping[str, Recipe], getter: PixelsGetter, limiter: Limiter | ClusterLimiter,
                 options: ExtractOptions, store_name: str = "") -> None:
        self.recipes = recipes
        self.store_name = store_name  # for the requests' workload tags
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


class PixelsWorker:
    """Pixels mode's worker: one unit -> its `UnitOutcome` (fetch the blocks, cut the chips, write the shard).

    One instance serves every thread of a run (its limiter bounds them all). Picklable: the store handle, the
    limiter and the locks stay behind and are made again where it is unpickled (from the store's root), so a
    cluster's workers run it; it never touches the state database. With `quota` (a cluster run) the limiter is
    the cluster-wide one (cluster.ClusterLimiter), one per worker process, and the worker process initialises
    Earth Engine from `endpoint` (url, project) itself.
    """

    def __init__(self, store: ChipStore, recipes: Mapping[str, Recipe], getter: PixelsGetter,
                 options: ExtractOptions, time_index: Mapping[tuple[str, str], int], quota: QuotaSpec | None = None,
                 endpoint: tuple[str | None, str | None] = (None, None)) -> None:
        self.root, self.recipes, self.getter, self.options = str(store.root), dict(recipes), getter, options
        self.time_index, self.quota, self.endpoint = dict(time_index), quota, endpoint
        self._live(store)

    def _live(self, store: ChipStore | None) -> None:
        if self.quota is None:
            self.store = store if store is not None else ChipStore.open(self.root, mode="r+")
            self.limiter: Limiter | ClusterLimiter = Limiter(self.options.max_concurrency, self.options.max_rps)
        else:  # on a cluster's worker: one session, limiter and store handle per process and run
            from .cluster import ClusterLimiter, worker_cached

            if any(r.remote for r in self.recipes.values()):
                from .ee.session import initialize

                worker_cached("session", repr(self.endpoint), lambda: initialize(*self.endpoint))
            q = self.quota
            self.limiter = worker_cached("limiter", q.key, lambda: ClusterLimiter(q))
            self.store = worker_cached("store", f"{q.key}|{self.root}", lambda: ChipStore.open(self.root, mode="r+"))
        self.fetch = UnitFetcher(self.recipes, self.getter, self.limiter, self.options,
                                 store_name=Path(self.root).name)
        # Up to 40 threads wait on Earth Engine, but encoding and writing shards is CPU work: letting all of them
        # into zarr at once only makes them fight over the GIL and zarr's event loop. One writer per core.
        self.writers = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("root", "recipes", "getter", "options", "time_index", "quota",
                                              "endpoint")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._live(None)

    def __call__(self, unit: Unit) -> UnitOutcome:
        ids, data, valid, stats = self.fetch(unit)
        empty = bool(self.recipes[unit.collection].remote and valid.size and not valid.any())
        t = self.time_index[(unit.collection, unit.period)]
        with self.writers:
            self.store.write_shard(unit.collection, unit.shard, t, ids, data, valid)
        return UnitOutcome(UnitStatus.DONE, len(ids), ErrorKind.EMPTY if empty else None, requests=stats.requests,
                           retries=stats.retries, seconds=stats.seconds, bytes=int(data.nbytes),
                           valid=tuple(float(v) for v in np.ravel(valid)))


def run_pixel_units(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                    getter: PixelsGetter, options: ExtractOptions, report: ExtractReport,
                    progress: ProgressFn | None = None, endpoint: tuple[str | None, str | None] = (None, None)) -> None:
    """Fetch and write units concurrently (runner.run_units over a `PixelsWorker`), on this process's threads or
    (options.dask) on a dask.distributed cluster's workers under one cluster-wide quota (cluster.py); this thread
    alone records every outcome in the state as it arrives. endpoint: (url, project) for the workers."""
    time_index: dict[tuple[str, str], int] = {}
    for u in units:
        key = (u.collection, u.period)
        if key not in time_index:
            time_index[key] = store.ensure_period(u.collection, u.period)
    for u in units:
        state.mark(u.id, UnitStatus.RUNNING, attempt=True)

    def record(unit: Unit, outcome: UnitOutcome) -> None:
        record_outcome(state, report, unit, progress, outcome)

    if options.dask is not None:
        _run_on_cluster(store, units, recipes, getter, options, report, time_index, endpoint, record)
        return
    worker = PixelsWorker(store, recipes, getter, options, time_index)
    try:
        run_units(units, worker, fetch_threads(options.max_concurrency), record, lambda u: len(u.chips))
    finally:
        report.peak_in_flight = max(report.peak_in_flight, worker.limiter.peak_in_flight)
        report.adapted_blocks += worker.fetch.adapted


def fetch_threads(max_concurrency: int) -> int:
    """Threads for `max_concurrency` requests in flight: a quarter more than the limiter's slots, so that while
    a thread cuts, writes and builds its next unit's request (its slot free), a spare one is already waiting
    for that slot instead of leaving it empty. The limiter still bounds the requests; only the units being
    cut and written (their memory) grow by that quarter. Below 4 in flight, none: 1 stays one unit at a time."""
    return max_concurrency + max_concurrency // 4


def _run_on_cluster(store: ChipStore, units: Sequence[Unit], recipes: Mapping[str, Recipe], getter: PixelsGetter,
                    options: ExtractOptions, report: ExtractReport, time_index: dict[tuple[str, str], int],
                    endpoint: tuple[str | None, str | None], record: Any) -> None:
    """Each unit a task on a worker (fetch, cut, write its shard); one quota for the whole cluster."""
    from .cluster import QuotaSpec, Throttle, cluster_client, total_threads

    # Workers open the store by its nodes' own zarr.json (never the consolidated copy): they see the new periods.
    quota = QuotaSpec.new(options.max_concurrency, options.max_rps)
    with cluster_client(options.dask, threads_per_worker=-(-options.max_concurrency // 2)) as client, \
            Throttle(client, quota) as throttle:
        worker = PixelsWorker(store, recipes, getter, replace(options, dask=None), time_index, quota, endpoint)
        run_units(units, worker, total_threads(client), record, lambda u: len(u.chips),
                  executor=client.get_executor(pure=False))
    report.throttled += throttle.throttled


def no_getter(request: PixelRequest) -> np.ndarray:
    raise AssertionError("a local recipe asked for Earth Engine pixels")
