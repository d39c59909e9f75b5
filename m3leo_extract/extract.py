"""Plan and dispatch extraction: AOI x collections x periods -> work units -> a mode's runner -> Zarr shards.

A work unit is one Zarr shard of one collection and composite period (units.py). Planning records every unit
in the state database; the run then hands the pending units to pixels mode (fetching.py: computePixels
through an injected `PixelsGetter`) or export mode (exporting.py: export tasks through an `ExportBackend`),
and records the run. A unit is idempotent, so an interrupted run is resumed by running it again: only units
not `done` are fetched.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .aoi import AOI
from .catalog import Period, Recipe, check_coverage, load_catalog, parse_collections, parse_label, parse_periods
from .checks import check_catalog_paths, check_collection_list
from .checks import check_coverage as check_periods
from .defaults import DEFAULT_SHARD_CHIPS, STATE_FILE, Mode
from .ee.export import ExportBackend
from .ee.pixels import EEPixelsGetter, PixelsGetter
from .ee.session import Endpoint, endpoint_for, initialize
from .errors import UsageError
from .exporting import ExportOptions, run_export_units
from .fetching import no_getter, run_pixel_units
from .grid import Chip, check_latitudes, chips_for_geometry
from .state import ErrorKind, RunLock, StateDB, Unit
from .store import ChipStore
from .units import ExtractOptions, ExtractReport, PlanSummary, ProgressFn


def validate_request(area: AOI, collections: str, catalog: Sequence[str | Path],
                     period: str) -> tuple[list[Recipe], list[Period]]:
    """Recipes and periods of a request, every check done before anything is written (UsageError otherwise)."""
    check_latitudes(area.geometry)
    check_collection_list(collections)
    check_catalog_paths([Path(c) for c in catalog])
    recipes = parse_collections(collections, load_catalog(catalog))
    periods = parse_periods(period)
    check_periods(recipes, periods)
    return list(recipes), list(periods)


# -- planning ---------------------------------------------------------------------------------------------
def shard_sizes(store: ChipStore, recipes: Sequence[Recipe], asked: int | None) -> dict[str, int]:
    """Chips per shard of each collection: the store's where it exists, else `asked` (None: the default).

    A collection that exists with another shard size than the one asked is an error, never silently kept.
    """
    have = set(store.collections())
    out = {}
    for r in recipes:
        if r.name in have:
            size = store.shard_chips(r.name)
            if asked is not None and asked != size:
                raise UsageError(f"collection {r.name!r} in {store.root} has {size} chips per shard, but "
                                 f"{asked} were asked (--shard-chips, or options.shard_chips in m3leo.toml); "
                                 "drop the flag (the store's size is kept) or use a new --store")
            out[r.name] = size
        else:
            out[r.name] = asked or DEFAULT_SHARD_CHIPS
    return out


def check_shard_chips(store_dir: str | Path, recipes: Sequence[Recipe], asked: int | None) -> None:
    """`shard_sizes`'s check, for a command to run before it writes anything (no store yet: nothing to check)."""
    if asked is not None and (Path(store_dir) / "chips.zarr").exists():
        shard_sizes(ChipStore.open(store_dir, mode="r"), recipes, asked)


def plan(store: ChipStore, state: StateDB, chips: Sequence[Chip], recipes: Sequence[Recipe],
         periods: Sequence[Period], shard_chips: int | None = None, mode: Mode | str = Mode.PIXELS) -> PlanSummary:
    """Register chips and periods in the store and one unit per (collection, composite, shard) in the state.

    Metadata changes to the store happen here only, in the planning process, never in workers.
    """
    summary = PlanSummary(chips=len(chips))
    sizes = shard_sizes(store, recipes, shard_chips)
    rows = []
    for recipe in recipes:
        store.ensure_collection(recipe.store_spec(), shard_chips=sizes[recipe.name])
        index = store.add_chips(recipe.name, chips)
        by_shard: dict[int, list[str]] = {}
        for chip, idx in zip(chips, index, strict=True):
            by_shard.setdefault(store.shard_of(recipe.name, int(idx)), []).append(chip.chip_id)
        composites = sorted({c for p in periods for c in recipe.periods(p)})
        for comp in composites:
            store.ensure_period(recipe.name, comp.label)
            for shard, ids in sorted(by_shard.items()):
                rows.append((recipe.name, comp.label, shard, ids, recipe.version, str(mode)))
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
def extract(store_dir: str | Path, geometry: Any, recipes: Sequence[Recipe], periods: Sequence[Period], *,
            getter: PixelsGetter | None = None, options: ExtractOptions | None = None,
            ee_url: str | None = None, project: str | None = None, progress: ProgressFn | None = None,
            lock: bool = True, mode: Mode | str = Mode.PIXELS, export_backend: ExportBackend | None = None,
            export_options: ExportOptions | None = None, command: str = "extract") -> ExtractReport:
    """Plan and run an extraction into `store_dir`. Resumable: rerunning fetches only what is not done.

    mode "pixels": computePixels straight into the store, through `getter` (default: `EEPixelsGetter` on the
    endpoint of `ee_url` / `project`). mode "export": Earth Engine export tasks through `export_backend`,
    reattaching to tasks a previous run submitted. Earth Engine is initialised only when a unit needs it.
    A rerun also retries units that failed with a transient error; `options.retry_failed` adds permanent ones.
    The run is recorded in the state's run table as `command`, with its true outcome (ok, failed,
    interrupted, crashed).
    """
    mode = _mode(mode)
    if mode is Mode.EXPORT and export_backend is None:
        raise UsageError("export mode needs a bucket: pass --bucket NAME")
    options = options or ExtractOptions()
    check_coverage(recipes, periods)  # impossible periods: refused before any request or write
    store_dir = Path(store_dir)
    started = time.monotonic()
    chips = chips_for_geometry(geometry)  # ground the grid cannot cover fails here, before anything is written
    check_shard_chips(store_dir, recipes, options.shard_chips)
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
            run = _Run(store, state, recipes, periods, options, endpoint, progress, mode, command, started)
            return run(chips, getter, export_backend, export_options or ExportOptions())
        finally:
            state.close()
    finally:
        if run_lock:
            run_lock.release()


def _mode(mode: Mode | str) -> Mode:
    try:
        return Mode(mode)
    except ValueError:
        raise UsageError(f"mode {mode!r} is not known; use {' or '.join(m.value for m in Mode)}") from None


class _Run:
    """One recorded run: plan the units, connect if any needs Earth Engine, dispatch to a mode, close the run."""

    def __init__(self, store: ChipStore, state: StateDB, recipes: Sequence[Recipe], periods: Sequence[Period],
                 options: ExtractOptions, endpoint: Endpoint, progress: ProgressFn | None, mode: Mode,
                 command: str, started: float) -> None:
        self.store, self.state, self.options, self.endpoint = store, state, options, endpoint
        self.recipes, self.periods, self.progress, self.mode = recipes, periods, progress, mode
        self.command, self.started = command, started
        self.by_name = recipes_by_name(recipes)
        self.labels = {(r.name, c.label) for r in recipes for p in periods for c in r.periods(p)}

    def plan(self, chips: Sequence[Chip]) -> tuple[ExtractReport, list[Unit]]:
        export = self.mode is Mode.EXPORT
        self.state.reset_running(keep_tasks=export)
        self.state.retry_failed(only_retryable=not self.options.retry_failed,  # transient failures always back
                                labels=self.labels)
        summary = plan(self.store, self.state, chips, self.recipes, self.periods, self.options.shard_chips,
                       self.mode)
        if self.endpoint.kind != "custom":
            for r in self.recipes:
                self.store.mark_source(r.name, self.endpoint.synthetic)
        statuses = ["planned", "running"] if export else ["planned"]
        units = [u for u in self.state.units(status=statuses) if (u.collection, u.period) in self.labels]
        if self.progress:
            self.progress({"event": "plan", "chips": summary.chips, "units": summary.units,
                           "units_pending": len(units), "chips_pending": sum(len(u.chips) for u in units),
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

    def __call__(self, chips: Sequence[Chip], getter: PixelsGetter | None, backend: ExportBackend | None,
                 export_options: ExportOptions) -> ExtractReport:
        report, units = self.plan(chips)
        getter = self.connect(units, getter) if units else getter
        run_id = self.state.start_run(self.command)
        outcome, error = "crashed", ""
        try:
            self.dispatch(units, getter, backend, export_options, report)
            left = [u for u in self.state.units(status="failed") if (u.collection, u.period) in self.labels]
            report.left_failed = len(left)
            report.left_failed_permanent = sum(bool(u.error_kind and not u.error_kind.retried_by_rerun) for u in left)
            report.left_failed_invalid = sum(u.error_kind is ErrorKind.INVALID for u in left)
            report.left_error = next((u.error for u in left if u.error), "")
            outcome = "ok" if report.ok else "failed"
            record_provenance(self.store, self.state, units, self.by_name, self.endpoint, self.mode)
            return report
        except KeyboardInterrupt:
            outcome, error = "interrupted", "interrupted (Ctrl-C or SIGTERM)"
            raise
        except BaseException as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            raise
        finally:
            report.seconds = time.monotonic() - self.started
            _close_run(self.state, run_id, outcome, {**report.as_dict(), **({"error": error} if error else {})},
                       keep_tasks=self.mode is Mode.EXPORT)

    def dispatch(self, units: Sequence[Unit], getter: PixelsGetter | None, backend: ExportBackend | None,
                 export_options: ExportOptions, report: ExtractReport) -> None:
        if self.mode is Mode.EXPORT:
            assert backend is not None  # extract() refuses export mode without one
            run_export_units(self.store, self.state, units, self.by_name, backend, self.options, export_options,
                             report, self.progress)
            return
        t_fetch, cpu_fetch = time.monotonic(), time.process_time()
        report.max_concurrency, report.max_rps = self.options.max_concurrency, self.options.max_rps
        run_pixel_units(self.store, self.state, units, self.by_name, getter or no_getter, self.options, report,
                        self.progress)
        report.fetch_seconds = time.monotonic() - t_fetch
        report.fetch_cpu_seconds = time.process_time() - cpu_fetch


def _close_run(state: StateDB, run_id: int, outcome: str, summary: dict[str, Any], keep_tasks: bool) -> None:
    """Record the run's outcome; units a failed run left in flight go back to planned. Never masks the cause."""
    try:
        if outcome not in ("ok", "failed"):
            state.reset_running(keep_tasks=keep_tasks)
        state.finish_run(run_id, outcome, summary)
    except sqlite3.Error:
        pass  # e.g. the disk is full: the next run finds the units `running` and redoes them


def record_provenance(store: ChipStore, state: StateDB, units: Sequence[Unit], recipes: Mapping[str, Recipe],
                      endpoint: Endpoint, mode: Mode | str) -> None:
    """Per collection and period this run completed: endpoint, project, client, assets, recipe version, when."""
    done = {(u.collection, u.period) for u in state.units(status="done")}
    for coll, label in sorted({(u.collection, u.period) for u in units} & done):
        recipe = recipes[coll]
        period = parse_label(label)
        assets = {recipe.asset_for(period)} | {str(v) for k, v in recipe.options.items() if k.endswith("_asset")}
        store.record_period(coll, label, tool="m3leo extract", recipe=recipe.name, recipe_version=recipe.version,
                            assets=sorted(a for a in assets if a), mode=str(mode),
                            **endpoint.provenance())


def recipes_by_name(recipes: Sequence[Recipe]) -> dict[str, Recipe]:
    return {r.name: r for r in recipes}
