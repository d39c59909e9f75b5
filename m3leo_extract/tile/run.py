"""Running `tile`: `plan_tile` (validate, probe, derive the spec, plan the chips: reads, never writes) gives a
frozen `TilePlan`; `run_tile(plan)` registers chips, period and units in the store and the state, then runs
the shard units through the one unit runner, `runner.run_units` (threads, or a dask.distributed cluster's
executor: `cluster.cluster_client`, as extract), recording each `UnitOutcome` in this thread, and collects a
`TileReport` (under the store's run lock). `tile(...)` is the two in one call."""

from __future__ import annotations

import os
import time
import uuid
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..defaults import DEFAULT_SHARD_CHIPS, STATE_FILE
from ..errors import CollectionError, M3leoError, RasterError, StoreError, UsageError
from ..grid import Chip
from ..planner import shard_sizes
from ..runner import ProgressFn, UnitOutcome, run_units
from ..shards import store_exists
from ..state import ErrorKind, RunLock, RunOutcome, RunRecord, StateDB, UnitStatus
from ..store import ChipStore, CollectionSpec
from .inputs import RasterInput, expand_inputs, first_line, is_url, probe_input
from .kinds import infer_kind
from .planning import (
    KINDS,
    ChooseFn,
    Coverage,
    collection_spec,
    given_spec,
    is_new_collection,
    load_geometry,
    match_bands,
    plan_coverage,
    upsampling_warning,
)
from .resample import CLASS_RESAMPLINGS, RESAMPLINGS
from .terrain import TERRAIN_BANDS, derives_terrain
from .unit import COMBINES, TileTask, UnitResult, tile_unit


@dataclass(frozen=True)
class TilePlan:
    """Everything `run_tile` needs, decided before any write: what to read, into which chips, how. Made by
    `plan_tile`; plain picklable values, so it can be inspected, compared or handed to another process."""

    store_dir: str
    collection: str
    period: str
    spec: CollectionSpec  # at the run's resolution
    version: int  # the recipe version recorded with the units
    resampling: str
    inputs: tuple[RasterInput, ...]  # the usable inputs, in mosaic priority order
    coverage: Coverage  # the chips and each chip's inputs (indexes into `inputs`)
    n_inputs: int  # inputs given: files found plus the names and patterns that found nothing
    failures: tuple[str, ...] = ()  # one line per input left out, naming it
    min_valid: float = 0.0
    shard_chips: int | None = None  # for a new collection (default DEFAULT_SHARD_CHIPS)
    combine: str = "first"
    gdal_env: tuple[tuple[str, str], ...] = ()
    terrain: bool = False  # one-band DEMs into the dem recipe: slope and aspect derived (tile.terrain)
    provenance: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    started: float = field(default=0.0, compare=False)  # time.monotonic() when planning began

    @property
    def chips(self) -> tuple[Chip, ...]:
        return self.coverage.chips


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


# -- planning -----------------------------------------------------------------------------------------------


def _check_options(collection: str, resampling: str | None, kind: str | None, min_valid: float,
                   combine: str) -> None:
    if resampling is not None and resampling not in RESAMPLINGS:
        raise UsageError(f"resampling {resampling!r} is not known; use one of {', '.join(RESAMPLINGS)}")
    if kind is not None and kind not in KINDS:
        raise UsageError(f"kind {kind!r} is not known; use {' or '.join(KINDS)}")
    if not 0.0 <= min_valid <= 1.0:
        raise UsageError(f"--min-valid {min_valid} is outside 0..1; give a fraction such as 0.5")
    if combine not in COMBINES:
        raise UsageError(f"combine {combine!r} is not known; use {' or '.join(COMBINES)}")
    if not collection or not collection.replace("_", "").isalnum():
        raise CollectionError(f"collection name {collection!r} must be letters, digits and underscores")


def _probe_all(inputs: Sequence[str | Path], bands: Sequence[int | str] | None, nodata: float | None,
               gdal_env: Mapping[str, str] | None, fail: Callable[[str], None]) -> tuple[list[RasterInput], int]:
    """The readable inputs and how many files the inputs name (`fail` gets a line for each name that finds
    nothing and each file that cannot be read)."""
    paths, lines = expand_inputs(inputs)
    for line in lines:
        fail(line)
    probed: list[RasterInput] = []
    for p in paths:
        try:
            probed.append(probe_input(p, bands, nodata, gdal_env))
        except RasterError as exc:
            fail(f"{p}: {exc}")
    return probed, len(paths)


def _existing_store(store_dir: str) -> ChipStore | None:
    """The store if there is one yet (planning only reads it; `run_tile` creates it)."""
    if not is_url(store_dir):
        return ChipStore.open(store_dir) if store_exists(store_dir) else None
    try:
        return ChipStore.open(store_dir)
    except StoreError:  # nothing at that URL yet (a store that cannot be opened fails again in run_tile)
        return None


def plan_tile(inputs: Sequence[str | Path] | str | Path, store_dir: str | Path, collection: str, *,
              aoi: Any = None, resolution: float | None = None, resampling: str | None = None,
              period: str = "static", bands: Sequence[int | str] | None = None, nodata: float | None = None,
              min_valid: float = 0.0, kind: str | None = None, shard_chips: int | None = None,
              progress: ProgressFn | None = None, spec: CollectionSpec | None = None,
              gdal_env: Mapping[str, str] | None = None, provenance: Mapping[str, Any] | None = None,
              choose: ChooseFn | None = None, combine: str = "first") -> TilePlan:
    """Validate the options, probe the inputs and plan the chips (the arguments are `tile`'s). Reads the store
    (an existing collection's spec), writes nothing. RasterError if no input is usable."""
    started = time.monotonic()
    _check_options(collection, resampling, kind, min_valid, combine)
    geometry = load_geometry(aoi)
    store_dir = str(store_dir)
    failures: list[str] = []
    probed, found = _probe_all([inputs] if isinstance(inputs, (str, Path)) else inputs, bands, nodata,
                               gdal_env, failures.append)
    missing = len(failures) - (found - len(probed))  # names and patterns that found no file
    n_inputs = found + missing
    if not probed and not found:  # nothing there at all: a wrong path, bad input (exit 2)
        raise UsageError(f"{'; '.join(failures[:3])}{' ...' if len(failures) > 3 else ''}")
    if not probed:
        raise RasterError(f"none of the {n_inputs} input(s) could be read ({'; '.join(failures[:3])}); "
                          "give readable GeoTIFFs (or other GDAL rasters), folders or globs of them")

    def fail(line: str) -> None:
        failures.append(line)
        if progress:
            progress({"event": "input_failed", "error": line})

    if progress:  # the inputs left out, now that some are usable (when none is, the error above says it all)
        for line in failures:
            progress({"event": "input_failed", "error": line})
    existing = _existing_store(store_dir)
    if existing is not None and collection in existing.collections():  # another --shard-chips: refused, as extract
        shard_sizes({collection: existing.shard_chips(collection)}, [collection], shard_chips, where=store_dir)
    if spec is not None:
        spec, version = given_spec(spec, resolution)
    else:
        guess = infer_kind(probed[0]) if kind is None and is_new_collection(collection, existing) else None
        spec, version = collection_spec(collection, probed[0], existing, resolution, guess.kind if guess else kind,
                                        nodata)
        if guess is not None and progress:
            progress({"event": "kind", "message": f"{collection} is a new {guess.kind} collection ({probed[0].name}: "
                      f"{guess.reason}); pass --kind to say otherwise"})
    resampling = resampling or ("nearest" if spec.kind == "categorical" else "bilinear")
    if spec.kind == "categorical" and resampling not in CLASS_RESAMPLINGS:
        raise UsageError(f"{collection} holds classes: --resampling {resampling} would invent class values; use "
                         f"{' or '.join(CLASS_RESAMPLINGS)}")
    terrain = derives_terrain(spec.bands, len(probed[0].bands))
    wanted = replace(spec, bands=TERRAIN_BANDS[:1]) if terrain else spec  # elevation in, the rest derived
    usable: list[RasterInput] = []
    for inp in probed:
        matched = match_bands(inp, wanted, bands is not None)
        if isinstance(matched, str):
            fail(f"{inp.path}: {matched}")
        else:
            usable.append(matched)
    if not usable:
        raise RasterError(f"no input matches collection {collection}'s {len(spec.bands)} band(s); "
                          "pick the bands with --bands or tile into a new collection name")
    warning = upsampling_warning(usable, spec.resolution)
    if warning and progress:
        progress({"event": "warning", "message": warning})
    return TilePlan(store_dir=store_dir, collection=collection, period=period, spec=spec, version=version,
                    resampling=resampling,
                    inputs=tuple(usable), coverage=plan_coverage(usable, geometry, spec.resolution, min_valid, choose),
                    n_inputs=n_inputs, failures=tuple(failures), min_valid=min_valid, shard_chips=shard_chips,
                    combine=combine, gdal_env=tuple(sorted(dict(gdal_env or {}).items())), terrain=terrain,
                    provenance=dict(provenance or {}), started=started)


# -- running ------------------------------------------------------------------------------------------------
def _register(plan: TilePlan, store: ChipStore, token: str) -> list[TileTask]:
    """Chips, period and provenance into the store (once, before any worker writes) -> one task per shard."""
    store.ensure_collection(plan.spec, shard_chips=plan.shard_chips or DEFAULT_SHARD_CHIPS)
    chips, chip_inputs = plan.coverage.chips, plan.coverage.chip_inputs
    index = store.add_chips(plan.collection, chips)
    t = store.ensure_period(plan.collection, plan.period)
    store.record_period(plan.collection, plan.period, tool="m3leo tile", recipe_version=plan.version,
                        resampling=plan.resampling, resolution=plan.spec.resolution,
                        inputs=[i.path for i in plan.inputs[:100]], n_inputs=len(plan.inputs),
                        **({"derived": "slope, aspect (degrees) from elevation on the chip grid"} if plan.terrain
                           else {}), **dict(plan.provenance))
    per_shard = store.shard_chips(plan.collection)
    by_shard: dict[int, list[int]] = {}
    for pos, idx in enumerate(index.tolist()):
        by_shard.setdefault(idx // per_shard, []).append(pos)  # store.shard_of, without a lookup per chip
    tasks = []
    for shard, positions in sorted(by_shard.items()):
        used = sorted({k for p in positions for k in chip_inputs[p]})
        remap = {k: j for j, k in enumerate(used)}
        tasks.append(TileTask(
            store_dir=plan.store_dir, token=token, collection=plan.collection, time_index=t, shard=shard,
            chip_ids=tuple(chips[p].chip_id for p in positions),
            chip_inputs=tuple(tuple(remap[k] for k in sorted(chip_inputs[p])) for p in positions),
            inputs=tuple(plan.inputs[k] for k in used), resolution=plan.spec.resolution, dtype=plan.spec.dtype,
            nodata=plan.spec.nodata, resampling=plan.resampling, min_valid=plan.min_valid,
            gdal_env=plan.gdal_env, combine=plan.combine, terrain=plan.terrain))
    return tasks


def tile_outcome(task: TileTask) -> UnitOutcome:
    """Tile's unit worker (on a thread or a dask worker): `tile_unit`, its `UnitResult` as the outcome's detail.

    A bad file or a dropped connection (ours, GDAL's through OSError) fails the unit's chips and the run goes on;
    any other exception is a bug: runner.run_units records it, then stops the run (exit 70), as in extract."""
    n = len(task.chip_ids)
    try:
        res = tile_unit(task)
    except (M3leoError, OSError) as exc:
        msg = f"unit {task.shard} failed: {first_line(exc)}"
        return UnitOutcome(UnitStatus.FAILED, n, ErrorKind.PERMANENT, msg,
                           detail=UnitResult(task.shard, failed=list(task.chip_ids), errors=[("", msg)]))
    if res.failed:
        return UnitOutcome(UnitStatus.FAILED, n, ErrorKind.PERMANENT, "; ".join(
            f"{p}: {m}" if p else m for p, m in res.errors)[:2000], bytes=res.bytes_written, detail=res)
    return UnitOutcome(UnitStatus.DONE, n, bytes=res.bytes_written, valid=tuple(res.valid), detail=res)


class _Ledger:
    """The calling process's side of a run: units in the state database (local stores), the report, the
    progress events. `record` is runner.run_units's: it runs in this thread, so it may own SQLite."""

    def __init__(self, plan: TilePlan, report: TileReport, tasks: Sequence[TileTask],
                 progress: ProgressFn | None) -> None:
        self.report, self.progress = report, progress
        self.failed_inputs: set[str] = set()
        self.unit_ids: dict[int, int] = {}
        self.state = StateDB(Path(plan.store_dir) / STATE_FILE) if not is_url(plan.store_dir) else None
        if self.state is not None:
            self.state.upsert_units((plan.collection, plan.period, tk.shard, tk.chip_ids, plan.version, "tile")
                                    for tk in tasks)
            self.unit_ids = {u.shard: u.id for u in self.state.units(collection=plan.collection,
                                                                     period=plan.period)}

    def recording(self) -> Any:
        """The run in the runs table, under the one interruption policy (state.StateDB.recording)."""
        if self.state is None:
            return nullcontext(RunRecord())
        return self.state.recording("tile", self.report.as_dict)

    def fail_input(self, line: str) -> None:
        self.report.failures.append(line)
        if self.progress:
            self.progress({"event": "input_failed", "error": line})

    def record(self, task: TileTask, outcome: UnitOutcome) -> None:
        """One unit's outcome into the state, the report and progress (a bug's: into the state only)."""
        uid = self.unit_ids.get(task.shard) if self.state is not None else None
        res = outcome.detail
        if res is None:  # a bug (runner.run_units re-raises it next): recorded on its unit, the run stops
            if self.state is not None and uid is not None:
                self.state.mark(uid, UnitStatus.FAILED, attempt=True, error_kind=outcome.error_kind,
                                error=outcome.message)
            return
        for path, msg in res.errors:
            if path and path not in self.failed_inputs:
                self.failed_inputs.add(path)
                self.fail_input(f"{path}: {msg}")
            elif not path:
                self.fail_input(msg)
        rep = self.report
        rep.chips_written += len(res.written)
        rep.chips_dropped += len(res.dropped)
        rep.chips_failed += len(res.failed)
        rep.bytes_read += res.bytes_read
        rep.bytes_written += res.bytes_written
        rep.units_failed += bool(res.failed)
        if self.state is not None and uid is not None:
            if outcome.status is UnitStatus.FAILED:
                self.state.mark(uid, UnitStatus.FAILED, attempt=True, error_kind=outcome.error_kind,
                                error=outcome.message)
            else:
                self.state.mark(uid, UnitStatus.DONE, attempt=True)
        if self.progress:
            self.progress({"event": "unit", "shard": task.shard, "chips": len(task.chip_ids),
                           "written": len(res.written), "dropped": len(res.dropped), "failed": len(res.failed),
                           "ok": not res.failed})

    def close(self) -> None:
        if self.state is not None:
            self.state.close()


def _run_units(tasks: Sequence[TileTask], workers: int | None, dask: Any,
               record: Callable[[TileTask, UnitOutcome], None]) -> None:
    """The units through runner.run_units: on this process's threads, or on a dask.distributed cluster (a
    scheduler address, `local:N` or a Client: cluster.cluster_client) through its executor, the outcomes
    coming back to this thread."""
    def chips_of(task: TileTask) -> int:
        return len(task.chip_ids)

    if dask is None:
        run_units(tasks, tile_outcome, workers or os.cpu_count() or 1, record, chips_of)
        return
    from ..cluster import cluster_client, total_threads

    with cluster_client(dask) as client:
        run_units(tasks, tile_outcome, total_threads(client), record, chips_of,
                  executor=client.get_executor(pure=False))


def run_tile(plan: TilePlan, *, workers: int | None = None, dask: Any = None, progress: ProgressFn | None = None,
             lock: bool = True) -> TileReport:
    """Write the plan's chips: register them, fan the shard units out (local threads, or `dask`: a scheduler
    address or a distributed Client) and collect the report. Unreadable inputs are reported in
    `TileReport.failures` and the run goes on; RasterError if every input failed while reading."""
    run_lock = RunLock(plan.store_dir).acquire() if lock and not is_url(plan.store_dir) else None
    try:
        return _run(plan, workers, dask, progress)
    finally:
        if run_lock:
            run_lock.release()


def _run(plan: TilePlan, workers: int | None, dask: Any, progress: ProgressFn | None) -> TileReport:
    report = TileReport(collection=plan.collection, period=plan.period, store=plan.store_dir,
                        inputs=plan.n_inputs, inputs_ok=len(plan.inputs), chips=plan.coverage.found,
                        chips_dropped=plan.coverage.dropped, failures=list(plan.failures))
    store = ChipStore.open(plan.store_dir, create=True)
    if not plan.chips:
        report.seconds = time.monotonic() - plan.started
        if progress:
            progress({"event": "plan", "chips": 0, "units": 0, "inputs": len(plan.inputs)})
        return report
    report.created = plan.collection not in store.collections()
    tasks = _register(plan, store, uuid.uuid4().hex)
    report.units = len(tasks)
    ledger = _Ledger(plan, report, tasks, progress)
    if progress:
        progress({"event": "plan", "chips": len(plan.chips), "units": len(tasks), "inputs": len(plan.inputs),
                  "collection": plan.collection, "period": plan.period})
    try:
        # Interrupted (Ctrl-C) or crashed runs are recorded as such, never as "ok" (the same policy as extract).
        with ledger.recording() as rec, warnings.catch_warnings():
            # Warping from in-memory arrays now and then makes GDAL datasets without a geotransform on the worker
            # threads: rasterio warns, harmlessly. Filtered once around the whole fan-out: the filters are
            # process-wide, so a catch_warnings per warp on several threads would race (and leak filters).
            warnings.filterwarnings("ignore", message="Dataset has no geotransform", module="rasterio")
            try:
                _run_units(tasks, workers, dask, ledger.record)
            finally:
                report.seconds = time.monotonic() - plan.started
                report.inputs_ok = len(plan.inputs) - len(ledger.failed_inputs)
            rec.outcome = RunOutcome.OK if report.ok else RunOutcome.FAILED
    finally:
        ledger.close()
    if report.chips_written == 0 and len(ledger.failed_inputs) >= len(plan.inputs):
        raise RasterError(f"every input failed while reading ({'; '.join(report.failures[:3])}); check or "
                          "re-download the files and rerun")
    return report


def tile(inputs: Sequence[str | Path] | str | Path, store_dir: str | Path, collection: str, *, aoi: Any = None,
         resolution: float | None = None, resampling: str | None = None, period: str = "static",
         bands: Sequence[int | str] | None = None, nodata: float | None = None, min_valid: float = 0.0,
         kind: str | None = None, workers: int | None = None, dask: Any = None,
         shard_chips: int | None = None, progress: ProgressFn | None = None, lock: bool = True,
         spec: CollectionSpec | None = None, gdal_env: Mapping[str, str] | None = None,
         provenance: Mapping[str, Any] | None = None, choose: ChooseFn | None = None,
         combine: str = "first") -> TileReport:
    """Reproject and cut `inputs` into the chips of `collection` (period `period`) in the store at `store_dir`:
    `plan_tile` (reads only) then `run_tile` (under the store's run lock unless `lock` is False).

    resolution: chip metres per pixel (default: the collection's, else 10). resampling: one of RESAMPLINGS
    (default nearest for categorical collections, bilinear otherwise). min_valid: chips with a smaller
    valid-pixel fraction are not written. dask: a scheduler address or a distributed Client.
    Unreadable inputs are reported in `TileReport.failures` and the run goes on; RasterError if none is usable.

    Hooks for m3leo_extract.sources: `spec` (the collection's spec, instead of a recipe's or the first input's),
    `gdal_env` (GDAL configuration for reading the inputs), `provenance` (extra fields recorded with the
    period), `choose(chip, inputs) -> indexes` (which of the inputs covering a chip it takes, in mosaic order)
    and `combine` ("first" valid input wins a pixel, or "mean" over the valid inputs).
    """
    plan = plan_tile(inputs, store_dir, collection, aoi=aoi, resolution=resolution, resampling=resampling,
                     period=period, bands=bands, nodata=nodata, min_valid=min_valid, kind=kind,
                     shard_chips=shard_chips, progress=progress, spec=spec, gdal_env=gdal_env,
                     provenance=provenance, choose=choose, combine=combine)
    return run_tile(plan, workers=workers, dask=dask, progress=progress, lock=lock)
