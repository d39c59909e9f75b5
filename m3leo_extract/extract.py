"""Plan and run extraction: AOI x collections x periods -> work units -> computePixels -> Zarr shards.

A work unit is one Zarr shard of one collection and composite period. Planning records every unit in the
state database; running fetches each unit's chips in as few requests as the request limits allow (blocks
of neighbouring chips, `ee.sizing`), cuts them back into chips and writes the shard in one go. A unit is
idempotent, so an interrupted run is resumed by running it again: only units not `done` are fetched.
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import Transformer

from .catalog import Period, Recipe, check_coverage, parse_label
from .errors import EarthEngineError, M3leoError, UsageError
from .grid import CHIP_SIZE_M, Chip, chips_for_geometry
from .runner import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RPS,
    CallStats,
    Limiter,
    RetryPolicy,
    call_with_retries,
    fan_out,
)
from .state import RunLock, StateDB, Unit
from .store import ChipStore

STATE_FILE = "state.sqlite"
EMPTY = "empty"  # error_kind of a done unit whose composite had no images
DEFAULT_SHARD_CHIPS = 16

ProgressFn = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class ExtractOptions:
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    max_rps: float = DEFAULT_MAX_RPS
    shard_chips: int = DEFAULT_SHARD_CHIPS
    byte_limit: int | None = None  # None: ee.sizing.REQUEST_BYTE_LIMIT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    retry_failed: bool = False
    seed: int | None = None
    # A dask.distributed Client or scheduler address: shard writes run on the cluster's workers (the store
    # must be reachable from them, e.g. on object storage). Fetching stays here, under the one limiter.
    dask: Any = None


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
    units_failed_permanent: int = 0
    units_empty: int = 0  # done, but the composite had no images (nodata chips, valid 0)
    adapted_blocks: int = 0  # blocks split because Earth Engine timed out or ran out of memory
    chips_done: int = 0
    chips_failed: int = 0
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    peak_in_flight: int = 0
    fetch_seconds: float = 0.0  # the fetch/write phase alone (planning excluded): what `plan` calibrates on
    fetch_cpu_seconds: float = 0.0  # this process's CPU time in that phase (all threads)
    request_seconds: float = 0.0  # summed round trips of the requests (inside the limiter's slot)
    bytes_fetched: int = 0  # raw pixel bytes of the units done
    max_concurrency: int = 0
    max_rps: float = 0.0
    # Units of the run's collections and periods still failed when it ended (this run's or older ones).
    left_failed: int = 0
    left_failed_permanent: int = 0

    @property
    def ok(self) -> bool:
        return self.units_failed == 0 and self.left_failed == 0

    @property
    def exit_code(self) -> int:
        """0 all done; 1 units failed permanently (a person must look); 75 only transient failures (rerun)."""
        from .errors import EXIT_FAILED_UNITS, EXIT_OK, EXIT_TEMPFAIL

        if self.ok:
            return EXIT_OK
        return EXIT_FAILED_UNITS if (self.units_failed_permanent or self.left_failed_permanent) else EXIT_TEMPFAIL

    def as_dict(self) -> dict[str, Any]:
        return {"chips": self.plan.chips, "units": self.plan.units, "units_run": self.units_done + self.units_failed,
                "units_done": self.units_done, "units_failed": self.units_failed,
                "units_failed_permanent": self.units_failed_permanent, "units_empty": self.units_empty,
                "adapted_blocks": self.adapted_blocks, "chips_done": self.chips_done,
                "chips_failed": self.chips_failed, "requests": self.requests, "retries": self.retries,
                "seconds": round(self.seconds, 3), "errors": self.errors, "peak_in_flight": self.peak_in_flight,
                "fetch_seconds": round(self.fetch_seconds, 3), "fetch_cpu_seconds": round(self.fetch_cpu_seconds, 3),
                "request_seconds": round(self.request_seconds, 3), "bytes_fetched": self.bytes_fetched,
                "max_concurrency": self.max_concurrency, "max_rps": self.max_rps, "left_failed": self.left_failed,
                "left_failed_permanent": self.left_failed_permanent}


# -- geometry helpers ------------------------------------------------------------------------------------
_transformers: dict[tuple[int, int], Transformer] = {}
_tlock = threading.Lock()


def _to_lonlat(epsg: int) -> Transformer:
    with _tlock:
        t = _transformers.get((epsg, 4326))
        if t is None:
            t = _transformers[(epsg, 4326)] = Transformer.from_crs(epsg, 4326, always_xy=True)
        return t


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
        lon, lat = _to_lonlat(epsg).transform(gx.ravel(), gy.ravel())
        lo_x, hi_x = min(lo_x, float(np.min(lon))), max(hi_x, float(np.max(lon)))
        lo_y, hi_y = min(lo_y, float(np.min(lat))), max(hi_y, float(np.max(lat)))
    return lo_x, lo_y, hi_x, hi_y


def lonlat_pixels(chip: Chip, resolution: float) -> np.ndarray:
    """(2, h, w) float32 lon/lat of the chip's pixel centres: the `lonlat` recipe, computed locally."""
    h, w = chip.shape(resolution)
    xs = chip.x_min + (np.arange(w) + 0.5) * resolution
    ys = chip.y_min + CHIP_SIZE_M - (np.arange(h) + 0.5) * resolution
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = _to_lonlat(chip.epsg).transform(gx, gy)
    return np.stack([lon, lat]).astype(np.float32)


# -- planning ---------------------------------------------------------------------------------------------
def plan(store: ChipStore, state: StateDB, chips: Sequence[Chip], recipes: Sequence[Recipe],
         periods: Sequence[Period], shard_chips: int = DEFAULT_SHARD_CHIPS, mode: str = "pixels") -> PlanSummary:
    """Register chips and periods in the store and one unit per (collection, composite, shard) in the state.

    Metadata changes to the store happen here only, in the planning process, never in workers.
    """
    summary = PlanSummary(chips=len(chips))
    rows = []
    for recipe in recipes:
        store.ensure_collection(recipe.store_spec(), shard_chips=shard_chips)
        index = store.add_chips(recipe.name, chips)
        by_shard: dict[int, list[str]] = {}
        for chip, idx in zip(chips, index, strict=True):
            by_shard.setdefault(store.shard_of(recipe.name, int(idx)), []).append(chip.chip_id)
        composites = sorted({c for p in periods for c in recipe.periods(p)})
        for comp in composites:
            store.ensure_period(recipe.name, comp.label)
            for shard, ids in sorted(by_shard.items()):
                rows.append((recipe.name, comp.label, shard, ids, recipe.version, mode))
        summary.by_collection[recipe.name] = {"periods": [c.label for c in composites],
                                              "shards": len(by_shard)}
    state.upsert_units(rows)
    wanted = {(r[0], r[1], r[2]) for r in rows}
    units = [u for u in state.units() if (u.collection, u.period, u.shard) in wanted]
    summary.units = len(units)
    pending = [u for u in units if u.status != "done"]
    summary.units_pending = len(pending)
    summary.chips_pending = sum(len(u.chips) for u in pending)
    return summary


# -- running ----------------------------------------------------------------------------------------------
class UnitFetcher:
    """Fetch the chips of one unit: blocks of neighbouring chips, split smaller when a request is too large."""

    def __init__(self, recipes: Mapping[str, Recipe], getter: Callable[[Any], np.ndarray], limiter: Limiter,
                 options: ExtractOptions) -> None:
        from .ee import sizing

        self.recipes = recipes
        self.getter = getter
        self.limiter = limiter
        self.options = options
        self.byte_limit = options.byte_limit or sizing.REQUEST_BYTE_LIMIT
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

    def _cap(self, collection: str, blocks: list[Any]) -> list[Any]:
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
        chips = [Chip.from_id(c) for c in unit.chips]
        stats = CallStats()
        if not recipe.remote:
            data = np.stack([lonlat_pixels(c, recipe.resolution) for c in chips]).astype(recipe.dtype)
        else:
            data = self._fetch(recipe, parse_label(unit.period), chips, stats)
        valid = _valid_fraction(data, recipe.nodata)
        return [c.chip_id for c in chips], data, valid, stats

    def _fetch(self, recipe: Recipe, period: Period, chips: list[Chip], stats: CallStats) -> np.ndarray:
        from .ee import expressions, sizing
        from .ee.pixels import PixelRequest

        px = recipe.chip_px
        nb = len(recipe.bands)
        image = expressions.build(recipe, period, chips_lonlat_bounds(chips))
        out = np.empty((len(chips), nb, px, px), dtype=recipe.dtype)
        where = {(c.epsg, c.row, c.col): i for i, c in enumerate(chips)}
        todo = self._cap(recipe.name, sizing.plan_blocks(where, px, nb, recipe.dtype, self.byte_limit))
        res = recipe.resolution
        while todo:
            block = todo.pop()
            req = PixelRequest(image, f"EPSG:{block.epsg}", block.transform(res), block.shape(px),
                               tuple(recipe.band_names), recipe.dtype)
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
        return restore_nodata(out, recipe)


def cut_block(out: np.ndarray, where: Mapping[tuple[int, int, int], int], block: Any, arr: np.ndarray,
              chip_px: int) -> None:
    """Copy each wanted chip of a block's (band, y, x) pixels into `out[chip index]`."""
    for r, c in block.chips:
        top = (block.row0 + block.nrows - 1 - r) * chip_px  # north-up: the top block row is the highest row
        left = (c - block.col0) * chip_px
        out[where[(block.epsg, r, c)]] = arr[:, top:top + chip_px, left:left + chip_px]


def restore_nodata(out: np.ndarray, recipe: Recipe) -> np.ndarray:
    """Float recipes travel with FLOAT_SENTINEL for masked pixels (NPY/GeoTIFF carry no mask): back to NaN."""
    from .ee import expressions

    if np.dtype(recipe.dtype).kind == "f":
        out[out == expressions.FLOAT_SENTINEL] = np.nan
    return out


def record_unit(state: StateDB, report: ExtractReport, unit: Unit, progress: ProgressFn | None, *,
                chips: int, requests: int = 0, retries: int = 0, error: str | None = None,
                kind: str | None = None, empty: bool = False) -> None:
    """Record one finished unit (done, or failed with `error` of `kind`) in the state, the report and progress.

    An empty unit (its composite had no images: nodata chips) is done, with error_kind "empty" and no error.
    """
    if error is None:
        state.mark(unit.id, "done", retries=retries, requests=requests, error_kind=EMPTY if empty else None)
        report.units_done += 1
        report.units_empty += empty
        report.chips_done += chips
        report.requests += requests
        report.retries += retries
    else:
        state.mark(unit.id, "failed", error=error, error_kind=kind)
        report.units_failed += 1
        report.units_failed_permanent += kind == "permanent"
        report.chips_failed += chips
        report.errors[error] = report.errors.get(error, 0) + 1
    if progress:
        progress({"event": "unit", "collection": unit.collection, "period": unit.period, "chips": chips,
                  "ok": error is None, "error": error, "empty": empty})


def _valid_fraction(data: np.ndarray, nodata: float) -> np.ndarray:
    """Per chip: the fraction of pixels where at least one band holds data."""
    if isinstance(nodata, float) and math.isnan(nodata):
        ok = ~np.isnan(data)
    else:
        ok = data != nodata
    return ok.any(axis=1).mean(axis=(1, 2)).astype(np.float32)


def run_units(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
              getter: Callable[[Any], np.ndarray], options: ExtractOptions, report: ExtractReport,
              progress: ProgressFn | None = None) -> None:
    """Fetch and write units concurrently; record every outcome in the state as it happens."""
    limiter = Limiter(options.max_concurrency, options.max_rps)
    fetch = UnitFetcher(recipes, getter, limiter, options)
    time_index: dict[tuple[str, str], int] = {}
    for u in units:
        key = (u.collection, u.period)
        if key not in time_index:
            time_index[key] = store.ensure_period(u.collection, u.period)

    client = _dask_client(options.dask)
    # Up to 40 threads wait on Earth Engine, but encoding and writing shards is CPU work: letting all of them
    # into zarr at once only makes them fight over the GIL and zarr's event loop. One writer per core.
    writers = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    def work(unit: Unit) -> tuple[int, CallStats, bool]:
        ids, data, valid, stats = fetch(unit)
        empty = bool(recipes[unit.collection].remote and valid.size and not valid.any())
        stats.bytes = int(data.nbytes)
        t = time_index[(unit.collection, unit.period)]
        if client is None:
            with writers:
                store.write_shard(unit.collection, unit.shard, t, ids, data, valid)
        else:
            client.submit(write_shard_task, str(store.root), unit.collection, unit.shard, t, ids, data, valid,
                          pure=False).result()
        return len(ids), stats, empty

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

    fan_out(units, work, options.max_concurrency, done)
    report.peak_in_flight = max(report.peak_in_flight, limiter.peak_in_flight)
    report.adapted_blocks += fetch.adapted


def extract(store_dir: str | Path, geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], *,
            getter: Callable[[Any], np.ndarray] | None = None, options: ExtractOptions | None = None,
            ee_url: str | None = None, project: str | None = None, progress: ProgressFn | None = None,
            lock: bool = True, mode: str = "pixels", export_backend: Any = None,
            export_options: Any = None, command: str = "extract") -> ExtractReport:
    """Plan and run an extraction into `store_dir`. Resumable: rerunning fetches only what is not done.

    mode "pixels": computePixels straight into the store. mode "export": Earth Engine export tasks through
    `export_backend` (an `ee.export.ExportBackend`), reattaching to tasks a previous run submitted.
    A rerun also retries units that failed with a transient error; `options.retry_failed` adds permanent ones.
    The run is recorded in the state's run table as `command`, with its true outcome (ok, failed,
    interrupted, crashed).
    """
    from .ee.session import Endpoint, endpoint_for

    if mode not in ("pixels", "export"):
        raise UsageError(f"mode {mode!r} is not known; use pixels or export")
    if mode == "export" and export_backend is None:
        raise UsageError("export mode needs a bucket: pass --bucket NAME")
    options = options or ExtractOptions()
    check_coverage(recipes, periods)  # impossible periods: refused before any request or write
    store_dir = Path(store_dir)
    started = time.monotonic()
    chips = chips_for_geometry(geometry)  # ground the grid cannot cover fails here, before anything is written
    # An injected getter without an endpoint is a test double: where its pixels come from is unknown.
    endpoint = (Endpoint("custom", "", "") if getter is not None and ee_url is None
                else endpoint_for(ee_url, project))
    run_lock = RunLock(store_dir).acquire() if lock else None
    try:
        store = ChipStore.open(store_dir, create=True)
        if endpoint.kind != "custom":
            store.check_source(endpoint.synthetic)  # never synthetic and real chips in one store
        store.remove_partial_files()  # a killed run's half-written shard files
        state = StateDB(store_dir / STATE_FILE)
        try:
            return _run(store, state, chips, recipes, periods, getter=getter, options=options, endpoint=endpoint,
                        progress=progress, mode=mode, export_backend=export_backend,
                        export_options=export_options, command=command, started=started)
        finally:
            state.close()
    finally:
        if run_lock:
            run_lock.release()


def _run(store: ChipStore, state: StateDB, chips: Sequence[Chip], recipes: Sequence[Recipe],
         periods: Sequence[Period], *, getter: Callable[[Any], np.ndarray] | None, options: ExtractOptions,
         endpoint: Any, progress: ProgressFn | None, mode: str, export_backend: Any, export_options: Any,
         command: str, started: float) -> ExtractReport:
    state.reset_running(keep_tasks=mode == "export")
    state.retry_failed(only_retryable=not options.retry_failed)  # transient failures always come back
    summary = plan(store, state, chips, recipes, periods, options.shard_chips, mode)
    if endpoint.kind != "custom":
        for r in recipes:
            store.mark_source(r.name, endpoint.synthetic)
    report = ExtractReport(plan=summary)
    by_name = recipes_by_name(recipes)
    labels = {(r.name, c.label) for r in recipes for p in periods for c in r.periods(p)}
    statuses = ["planned", "running"] if mode == "export" else ["planned"]
    units = [u for u in state.units(status=statuses) if (u.collection, u.period) in labels]
    if progress:
        progress({"event": "plan", "chips": summary.chips, "units": summary.units,
                  "units_pending": len(units), "chips_pending": sum(len(u.chips) for u in units),
                  "periods": len({lab for _, lab in labels})})
    if units and any(by_name[u.collection].remote for u in units) and (getter is None or mode == "export"):
        from .ee.session import initialize

        initialize(endpoint.address or None, endpoint.project or None)
        if getter is None and mode == "pixels":
            from .ee.pixels import EEPixelsGetter

            getter = EEPixelsGetter()
    run_id = state.start_run(command)
    outcome, error = "crashed", ""
    try:
        if mode == "export":
            from .exporting import ExportOptions, run_export_units

            run_export_units(store, state, units, by_name, export_backend, options,
                             export_options or ExportOptions(), report, progress)
        else:
            t_fetch, cpu_fetch = time.monotonic(), time.process_time()
            report.max_concurrency, report.max_rps = options.max_concurrency, options.max_rps
            run_units(store, state, units, by_name, getter or _no_getter, options, report, progress)
            report.fetch_seconds = time.monotonic() - t_fetch
            report.fetch_cpu_seconds = time.process_time() - cpu_fetch
        left = [u for u in state.units(status="failed") if (u.collection, u.period) in labels]
        report.left_failed = len(left)
        report.left_failed_permanent = sum(u.error_kind == "permanent" for u in left)
        outcome = "ok" if report.ok else "failed"
        record_provenance(store, state, units, by_name, endpoint, mode)
        return report
    except KeyboardInterrupt:
        outcome, error = "interrupted", "interrupted (Ctrl-C or SIGTERM)"
        raise
    except BaseException as exc:
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        raise
    finally:
        report.seconds = time.monotonic() - started
        _close_run(state, run_id, outcome, {**report.as_dict(), **({"error": error} if error else {})},
                   keep_tasks=mode == "export")


def _close_run(state: StateDB, run_id: int, outcome: str, summary: dict[str, Any], keep_tasks: bool) -> None:
    """Record the run's outcome; units a failed run left in flight go back to planned. Never masks the cause."""
    import sqlite3

    try:
        if outcome not in ("ok", "failed"):
            state.reset_running(keep_tasks=keep_tasks)
        state.finish_run(run_id, outcome, summary)
    except sqlite3.Error:
        pass  # e.g. the disk is full: the next run finds the units `running` and redoes them


def record_provenance(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                      endpoint: Any, mode: str) -> None:
    """Per collection and period this run completed: endpoint, project, client, assets, recipe version, when."""
    done = {(u.collection, u.period) for u in state.units(status="done")}
    for coll, label in sorted({(u.collection, u.period) for u in units} & done):
        recipe = recipes[coll]
        period = parse_label(label)
        assets = {recipe.asset_for(period)} | {str(v) for k, v in recipe.options.items() if k.endswith("_asset")}
        store.record_period(coll, label, tool="m3leo extract", recipe=recipe.name, recipe_version=recipe.version,
                            assets=sorted(a for a in assets if a), mode=mode,
                            **endpoint.provenance())


def _dask_client(dask: Any) -> Any:
    if dask is None:
        return None
    from distributed import Client

    return dask if isinstance(dask, Client) else Client(dask)


def write_shard_task(store_root: str, collection: str, shard: int, time_index: int, ids: list[str],
                     data: np.ndarray, valid: np.ndarray) -> int:
    """Runs on a Dask worker: open the store there and write one shard."""
    ChipStore.open(store_root).write_shard(collection, shard, time_index, ids, data, valid)
    return len(ids)


def recipes_by_name(recipes: Sequence[Recipe]) -> dict[str, Recipe]:
    return {r.name: r for r in recipes}


def _no_getter(request: Any) -> np.ndarray:
    raise AssertionError("a local recipe asked for Earth Engine pixels")
