"""Plan and dispatch extraction: an `ExtractRequest` -> work units -> a mode's runner -> Zarr shards.

`run(request, store_dir)` is the one walk of every extract (the CLI's, refresh's, retry's, quickstart's and the
library's `extract(...)`): grid once, cost, lock, the store opened once, source / split / m3leo.toml recorded,
units planned (planner.plan_units) into the state, pixels mode (fetching.py: computePixels through an injected
`PixelsGetter`) or export mode (exporting.py: export tasks through an `ExportBackend`), the run recorded, the
store's metadata consolidated once. A unit is idempotent, so an interrupted run is resumed by running it again:
only units not `done` are fetched.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import Period, Recipe, parse_label
from .config import CONFIG_FILE, DatasetConfig
from .defaults import STATE_FILE, Mode
from .ee.export import ExportBackend, make_export_backend
from .ee.pixels import EEPixelsGetter, PixelsGetter
from .ee.session import LOCAL, Endpoint, endpoint_for, initialize, local_endpoint
from .errors import UsageError
from .exporting import ExportOptions, run_export_units
from .fetching import no_getter, run_pixel_units
from .grid import Chip, ChipArrays, chip_arrays
from .plan import estimate
from .planner import composites, plan_chip_units
from .planner import shard_sizes as resolve_shard_sizes
from .request import ExportSettings, ExtractRequest, parse_mode
from .shards import store_exists
from .splits import apply_split, choose_split
from .state import RunLock, RunOutcome, StateDB, Unit, UnitStatus
from .store import ChipStore
from .units import ExtractOptions, ExtractReport, PlanSummary, ProgressFn


# -- planning ---------------------------------------------------------------------------------------------
def shard_sizes(store: ChipStore, recipes: Sequence[Recipe], asked: int | None) -> dict[str, int]:
    """Chips per shard of each collection: the store's where it exists, else `asked` (None: the default).

    A collection that exists with another shard size than the one asked is an error, never silently kept.
    """
    have = set(store.collections())
    existing = {r.name: store.shard_chips(r.name) for r in recipes if r.name in have}
    return resolve_shard_sizes(existing, recipes, asked, where=store.root)


def plan(store: ChipStore, state: StateDB, chips: ChipArrays | Sequence[Chip], recipes: Sequence[Recipe],
         periods: Sequence[Period], sizes: Mapping[str, int], mode: Mode | str = Mode.PIXELS) -> PlanSummary:
    """Register chips and periods in the store and upsert the planner's units into the state.

    Metadata changes to the store happen here only, in the planning process, never in workers. Streams: the
    chips stay arrays (a few int64 each), the units are generated and upserted a batch at a time, and the
    summary is counted in SQL, so a continent plans in bounded memory.
    """
    if not isinstance(chips, ChipArrays):
        chips = ChipArrays.of(chips)
    summary = PlanSummary(chips=len(chips))
    index = {}
    for recipe in recipes:
        store.ensure_collection(recipe.store_spec(), shard_chips=sizes[recipe.name])
        index[recipe.name] = store.add_chip_arrays(recipe.name, chips)
    for recipe in recipes:
        comps = [c.label for c in composites(recipe, periods)]
        for label in comps if len(chips) else ():
            store.ensure_period(recipe.name, label)
        shards = np.unique(index[recipe.name] // sizes[recipe.name])
        summary.by_collection[recipe.name] = {"periods": comps, "shards": len(shards) if comps else 0}
    state.upsert_units(u.row() for u in plan_chip_units(chips, recipes, periods, sizes, mode=str(mode), index=index))
    for recipe in recipes:
        shards = np.unique(index[recipe.name] // sizes[recipe.name])
        for comp in composites(recipe, periods) if len(chips) else ():
            units, pending, chips_pending = state.shard_totals(recipe.name, comp.label, shards)
            summary.units += units
            summary.units_pending += pending
            summary.chips_pending += chips_pending
    return summary


# -- running ----------------------------------------------------------------------------------------------
def run(request: ExtractRequest, store_dir: str | Path, *, getter: PixelsGetter | None = None,
        progress: ProgressFn | None = None, confirm: Callable[[dict[str, Any]], None] | None = None,
        export_backend: ExportBackend | None = None, export_options: ExportOptions | None = None,
        lock: bool = True) -> ExtractReport:
    """Run `request` into the dataset at `store_dir`: the one walk of every extract, refresh and retry.

    The grid is computed once and the plan's cost reported (progress event "cost") and passed to `confirm`,
    which may refuse (raise) before anything is written. A new store is only created once Earth Engine accepted
    the credentials (exit 3 leaves nothing behind; an unreachable endpoint, exit 69, keeps the plan and
    m3leo.toml so that the rerun resumes, but fixes no source). Then, under the run lock, the store is
    opened once: shard sizes and the store's source checked, the split and m3leo.toml recorded, units planned
    in the state, dispatched to pixels or export mode, and the store's metadata consolidated once at the end.
    Resumable: rerunning fetches only what is not done.
    """
    store_dir = Path(store_dir)
    if store_dir.exists() and not store_dir.is_dir():
        raise UsageError(f"--store {store_dir} is a file; give a folder (it is created if missing)")
    started = time.monotonic()
    opts = request.options
    with ExitStack() as stack:
        store = None
        if store_exists(store_dir):  # an existing store: locked first, opened once, its shard sizes kept
            if lock:
                stack.enter_context(RunLock(store_dir))
            store = ChipStore.open(store_dir, mode="r+", consolidate=False)
            sizes = shard_sizes(store, request.recipes, opts.shard_chips)
        else:
            sizes = resolve_shard_sizes({}, request.recipes, opts.shard_chips)
        grid = chip_arrays(request.aoi.geometry)  # ground the grid cannot cover fails here, before any write
        cost = estimate(request.aoi.geometry, request.recipes, request.periods, mode=request.mode, chips=grid,
                        sizes=sizes, max_concurrency=opts.max_concurrency, max_rps=opts.max_rps)
        if progress:
            progress({"event": "cost", "estimate": cost})
        if confirm:
            confirm(cost)
        url, emu = stack.enter_context(local_endpoint(request.ee_url))
        # An injected getter without an endpoint is a test double: where its pixels come from is unknown.
        endpoint = (Endpoint("custom", "", "") if getter is not None and url is None
                    else endpoint_for(url, request.project))
        backend = export_backend
        if request.mode is Mode.EXPORT and backend is None:
            ex = request.export
            backend = make_export_backend(ex.bucket, ex.destination, ex.bucket_url, emu)
        scheme, why = choose_split(request.split, request.aoi.name, store_dir)
        if store is None:
            if getter is None and not endpoint.synthetic and any(r.remote for r in request.recipes):
                initialize(None, endpoint.project or None)  # Earth Engine's credentials: before anything is written
            if lock:
                stack.enter_context(RunLock(store_dir))
            store = ChipStore.open(store_dir, create=True, consolidate=False)
        stack.enter_context(store.deferred_consolidation())  # the run's metadata: consolidated once, at its end
        if _check_source(store, endpoint) and progress:
            to = "synthetic (emulator)" if endpoint.synthetic else "real Earth Engine"
            progress({"event": "note", "message": f"{store_dir} holds no chip yet: it takes {to} chips now"})
        store.remove_partial_files()  # a killed run's half-written shard files
        change = apply_split(store_dir, scheme, store=store)
        if progress and (why or change.changed):
            progress({"event": "note", "message": why or change.line()})
        _record_config(request, store_dir, LOCAL if request.ee_url == LOCAL else (url or ""), change.after, store,
                       progress)
        for line in repeated_maps(request.recipes, request.periods) if progress else ():
            progress({"event": "note", "message": line})
        state = StateDB(store_dir / STATE_FILE)
        stack.callback(state.close)
        return _Run(store, state, request, sizes, endpoint, progress, started)(
            grid, getter, backend, export_options or ExportOptions.build(max_queued=request.export.max_queued))


def extract(store_dir: str | Path, geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], *,
            getter: PixelsGetter | None = None, options: ExtractOptions | None = None,
            ee_url: str | None = None, project: str | None = None, progress: ProgressFn | None = None,
            lock: bool = True, mode: Mode | str = Mode.PIXELS, export_backend: ExportBackend | None = None,
            export_options: ExportOptions | None = None, command: str = "extract") -> ExtractReport:
    """Plan and run an extraction into `store_dir` (the library's call: `run` of an `ExtractRequest.of`).

    mode "pixels": computePixels straight into the store, through `getter` (default: `EEPixelsGetter` on the
    endpoint of `ee_url` / `project`). mode "export": Earth Engine export tasks through `export_backend`,
    reattaching to tasks a previous run submitted. Earth Engine is initialised only when a unit needs it.
    A rerun also retries units that failed with a transient error; `options.retry_failed` adds permanent ones.
    The run is recorded in the state's run table as `command`, with its true outcome (ok, failed,
    interrupted, crashed).
    """
    mode = parse_mode(mode)
    if mode is Mode.EXPORT and export_backend is None:
        raise UsageError("export mode needs a bucket: pass --bucket NAME")
    export = ExportSettings()
    if export_backend is not None:
        export = ExportSettings(getattr(export_backend, "bucket", None), getattr(export_backend, "bucket_url", None))
    request = ExtractRequest.of(geometry, recipes, periods, options=options or ExtractOptions(), mode=mode,
                                ee_url=ee_url, project=project, command=command, export=export)
    return run(request, store_dir, getter=getter, progress=progress, export_backend=export_backend,
               export_options=export_options, lock=lock)


def repeated_maps(recipes: Sequence[Recipe], periods: Sequence[Period]) -> list[str]:
    """One line per single-image recipe (a map such as WorldCover) that several periods would store again,
    pixel for pixel: each period is stored under its own label, so the user hears that they repeat the map."""
    out = []
    for r in recipes:
        if r.temporal != "single" or not r.remote:
            continue
        by_asset: dict[str, list[str]] = {}
        for c in composites(r, periods):
            by_asset.setdefault(r.asset_for(c), []).append(c.label)
        for asset, labels in sorted(by_asset.items()):
            if len(labels) > 1:
                out.append(f"{r.name} is one map ({asset}): its {len(labels)} periods {labels[0]}..{labels[-1]} "
                           "store the same pixels each; ask for it with one period (e.g. --period "
                           f"{labels[0][:4]}) to store it once")
    return out


def _holds_chips(store: ChipStore, name: str) -> bool:
    return bool(np.isfinite(store.read_valid(name)).any())


def _check_source(store: ChipStore, endpoint: Endpoint) -> bool:
    """Never synthetic and real chips in one store. A store's source is fixed by its first written chips: a
    collection marked with the other source but holding no chip (a first run that failed) takes this one.
    Returns whether the store switched source."""
    if endpoint.kind == "custom":
        return False
    clash = [n for n, flag in store.synthetic_flags().items() if flag != endpoint.synthetic]
    if any(_holds_chips(store, n) for n in clash):
        store.check_source(endpoint.synthetic)  # raises MixedSourcesError, one line
    for name in clash:
        store.update_attrs(name, synthetic=None)  # marked again when this run writes its first chips
    return bool(clash)


def _record_config(request: ExtractRequest, store_dir: Path, ee_url: str, split: str, store: ChipStore,
                   progress: ProgressFn | None) -> None:
    """The dataset's m3leo.toml: written by the first run (so `refresh` / `retry` work even after a first run that
    failed), then kept; a store holding no chip yet follows the endpoint of the run that writes its first ones."""
    if not request.aoi_ref:
        return  # a request from values (the library's `extract`): no AOI that cron could load again
    if not (store_dir / CONFIG_FILE).exists():
        request.dataset_config(ee_url, split).save(store_dir)
        return
    cfg = DatasetConfig.load(store_dir)
    if cfg.ee_url == ee_url or any(_holds_chips(store, n) for n in store.collections()):
        return
    was = cfg.ee_url or "real Earth Engine"
    cfg.ee_url, cfg.project = ee_url, request.project or ""
    cfg.save(store_dir)
    if progress:
        progress({"event": "note", "message": f"{store_dir} holds no chip yet: it switched from {was} to "
                                              f"{ee_url or 'real Earth Engine'} (m3leo.toml updated)"})


class _Run:
    """One recorded run: plan the units, connect if any needs Earth Engine, dispatch to a mode, close the run."""

    def __init__(self, store: ChipStore, state: StateDB, request: ExtractRequest, sizes: Mapping[str, int],
                 endpoint: Endpoint, progress: ProgressFn | None, started: float) -> None:
        self.store, self.state, self.request, self.sizes = store, state, request, sizes
        self.options, self.mode, self.endpoint = request.options, request.mode, endpoint
        self.progress, self.started = progress, started
        self.by_name = recipes_by_name(request.recipes)
        self.labels = request.labels

    def plan(self, chips: ChipArrays) -> tuple[ExtractReport, Sequence[Unit]]:
        export = self.mode is Mode.EXPORT
        self.state.reset_running(keep_tasks=export)
        self.state.retry_failed(only_retryable=not self.options.retry_failed,  # transient failures always back
                                labels=self.labels)
        summary = plan(self.store, self.state, chips, self.request.recipes, self.request.periods, self.sizes,
                       self.mode)
        statuses = [UnitStatus.PLANNED, UnitStatus.RUNNING] if export else [UnitStatus.PLANNED]
        units, chips_pending = self.state.pending(statuses, self.labels)  # ids only: rows read a page at a time
        if self.progress:
            self.progress({"event": "plan", "chips": summary.chips, "units": summary.units,
                           "units_pending": len(units), "chips_pending": chips_pending,
                           "periods": len({lab for _, lab in self.labels})})
        return ExtractReport(plan=summary), units

    def connect(self, units: Sequence[Unit], getter: PixelsGetter | None) -> PixelsGetter | None:
        """Initialise Earth Engine only when a unit needs it and no injected getter stands in for it."""
        if not any(self.by_name[u.collection].remote for u in units):
            return getter
        if getter is None or self.mode is Mode.EXPORT:
            initialize(self.endpoint.address or None, self.endpoint.project or None)
            if getter is None and self.mode is Mode.PIXELS:
                getter = EEPixelsGetter()
        return getter

    def __call__(self, chips: ChipArrays, getter: PixelsGetter | None, backend: ExportBackend | None,
                 export_options: ExportOptions) -> ExtractReport:
        report, units = self.plan(chips)
        getter = self.connect(units, getter) if units else getter

        def summary() -> dict[str, Any]:
            report.seconds = time.monotonic() - self.started
            return report.as_dict()

        rec = None
        try:
            with self.state.recording(self.request.command, summary, keep_tasks=self.mode is Mode.EXPORT) as rec:
                self.dispatch(units, getter, backend, export_options, report)
                self.count_left(report)
                rec.outcome = RunOutcome.OK if report.ok else RunOutcome.FAILED
            return report
        finally:
            # Whatever ended the run, what it wrote is recorded: where the chips came from fixes the store's source.
            try:
                record_provenance(self.store, self.state, units, self.by_name, self.endpoint, self.mode)
            except Exception:
                if rec is not None and rec.outcome in (RunOutcome.OK, RunOutcome.FAILED):
                    raise
                # else the run's own error is the one to report

    def count_left(self, report: ExtractReport) -> None:
        """Units of this run's collections and periods still failed at its end (this run's or older ones)."""
        (report.left_failed, report.left_failed_permanent, report.left_failed_invalid,
         report.left_error) = self.state.failed_totals(self.labels)

    def dispatch(self, units: Sequence[Unit], getter: PixelsGetter | None, backend: ExportBackend | None,
                 export_options: ExportOptions, report: ExtractReport) -> None:
        if self.mode is Mode.EXPORT:
            assert backend is not None  # run() makes one for export mode
            run_export_units(self.store, self.state, units, self.by_name, backend, self.options, export_options,
                             report, self.progress)
            return
        t_fetch, cpu_fetch = time.monotonic(), time.process_time()
        report.max_concurrency, report.max_rps = self.options.max_concurrency, self.options.max_rps
        run_pixel_units(self.store, self.state, units, self.by_name, getter or no_getter, self.options, report,
                        self.progress, endpoint=(self.endpoint.address or None, self.endpoint.project or None))
        report.fetch_seconds = time.monotonic() - t_fetch
        report.fetch_cpu_seconds = time.process_time() - cpu_fetch


def record_provenance(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                      endpoint: Endpoint, mode: Mode | str) -> None:
    """Per collection and period this run completed: endpoint, project, client, assets, recipe version, when;
    and the source (synthetic or real) of each collection whose first chips it wrote. Never masks the cause."""
    try:
        done = {(u.collection, u.period) for u in state.units(status=UnitStatus.DONE)}
    except sqlite3.Error:
        return
    mine = sorted({(u.collection, u.period) for u in units} & done)
    if endpoint.kind != "custom":
        for coll in sorted({c for c, _ in mine}):
            store.mark_source(coll, endpoint.synthetic)
    for coll, label in mine:
        recipe = recipes[coll]
        period = parse_label(label)
        assets = {recipe.asset_for(period)} | {str(v) for k, v in recipe.options.items() if k.endswith("_asset")}
        store.record_period(coll, label, tool="m3leo extract", recipe=recipe.name, recipe_version=recipe.version,
                            assets=sorted(a for a in assets if a), mode=str(mode),
                            **endpoint.provenance())


def recipes_by_name(recipes: Sequence[Recipe]) -> dict[str, Recipe]:
    return {r.name: r for r in recipes}
