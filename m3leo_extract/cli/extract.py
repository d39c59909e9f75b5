"""`m3leo extract`, `plan`, `status`, `retry`, `cancel`: parse, delegate to the library, render.

Options a user does not give arrive as None and the library fills in its default (defaults.py); the help shows
those same values. Library modules are imported inside the commands on purpose: every `m3leo` invocation
imports this module (cli/__init__ registers all commands), and the extract stack pulls in zarr, shapely,
pyproj and earthengine-api (seconds), which `m3leo --help` or `m3leo version` should not pay for.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from ..defaults import (
    DEFAULT_DESTINATION,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MAX_RPS,
    DEFAULT_MODE,
    DEFAULT_SHARD_CHIPS,
    MAX_QUEUED_TASKS,
    MAX_SHARD_CHIPS,
    STATE_FILE,
    Destination,
    Mode,
)
from ..ee.session import initialize, local_endpoint
from ..state import StateDB
from . import app, fail

CONFIRM_CHIPS = 20_000  # above this many chips, an interactive extract asks first (skip with --yes)
StoreOpt = Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")]
AoiOpt = Annotated[str, typer.Option(help="AOI name from aois/ or a vector file path.")]
CollectionsOpt = Annotated[str, typer.Option(help="Comma-separated recipes, e.g. s1,s2,esa_worldcover.")]
PeriodOpt = Annotated[str, typer.Option(help="e.g. 2020, 2019:2021, 2020-06, 2020-JJA.")]
CatalogOpt = Annotated[list[Path] | None, typer.Option("--catalog", help="Extra recipe TOML.")]
EeUrlOpt = Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL",
                                              help="Earth Engine endpoint (an emulator url, or 'local').")]
ProjectOpt = Annotated[str | None, typer.Option(envvar="M3LEO_EE_PROJECT", help="GEE project id.")]
# None = not given: the library's default (shown in the help), or for --shard-chips the store's own size.
MaxConcurrencyOpt = Annotated[int | None, typer.Option(min=1, max=1000, show_default=str(DEFAULT_MAX_CONCURRENCY),
                                                       help="Requests in flight at most.")]
MaxRpsOpt = Annotated[float | None, typer.Option(min=0.01, show_default=str(DEFAULT_MAX_RPS),
                                                 help="Requests started per second at most.")]
ShardChipsOpt = Annotated[int | None, typer.Option(
    min=1, max=MAX_SHARD_CHIPS, show_default=f"{DEFAULT_SHARD_CHIPS}, or the store's",
    help="Chips per Zarr shard (a work unit); an existing collection keeps its own.")]
ModeOpt = Annotated[Mode | None, typer.Option(show_default=str(DEFAULT_MODE),
                                              help="pixels (computePixels) or export (Export.image tasks).")]


class Progress:
    """A tqdm bar of chips when on a terminal; one summary line otherwise (cron/log friendly). Notes of the run
    (a split chosen, a store that switched endpoint) are one line each on stderr."""

    def __init__(self, enabled: bool | None = None, command: str = "extract") -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.command = command
        self.bar: Any = None
        self.failed = 0

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "note":
            typer.echo(f"{self.command}: {ev['message']}", err=True)
        elif ev["event"] == "plan":
            if self.enabled:
                from tqdm import tqdm

                self.bar = tqdm(total=ev["chips_pending"], unit="chip", desc=self.command, dynamic_ncols=True)
        elif ev["event"] == "unit" and self.bar is not None:
            if not ev["ok"]:
                self.failed += ev["chips"]
                self.bar.set_postfix(failed=self.failed)
            self.bar.update(ev["chips"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Confirm:
    """extract's first word: the plan's one-line cost on stderr, always (a terminal also gets the per-collection
    lines). Above CONFIRM_CHIPS chips a terminal is asked; a run without one (a script, CI) is refused unless
    --yes, before anything is written."""

    def __init__(self, yes: bool, interactive: bool | None = None) -> None:
        self.yes = yes
        self.interactive = sys.stdin.isatty() and sys.stderr.isatty() if interactive is None else interactive

    def __call__(self, est: dict[str, Any]) -> None:
        from ..errors import UsageError
        from ..plan import human

        lines = human(est)
        for line in lines if self.interactive else lines[:1]:
            typer.echo(line, err=True)
        if est["chips"] <= CONFIRM_CHIPS or self.yes:
            return
        if not self.interactive:
            raise UsageError(f"{est['chips']:,} chips is more than {CONFIRM_CHIPS:,}, and there is no terminal to "
                             "ask: check the plan above, then rerun with --yes to start it unattended")
        if not typer.confirm("go ahead?", err=True):
            raise typer.Exit(1)


def summary_line(command: str, report: Any, where: Path) -> str:
    """`36 chips x 6 collection-periods (s1 4, s2 1, esa_worldcover 1): 216 written`: one line, true arithmetic."""
    r = report.as_dict()
    per = {name: len(c["periods"]) for name, c in report.plan.by_collection.items()}
    detail = ", ".join(f"{n} {k}" for n, k in per.items())
    return (f"{command}: {r['chips']} chips x {sum(per.values())} collection-periods ({detail}): "
            f"{r['chips_done']} written, {r['chips_failed']} failed; {r['requests']} requests ({r['retries']} "
            f"retried) in {r['seconds']:.1f}s -> {where}")


def failed_units_line(report: Any) -> str:
    """What a run that left failed units tells stderr (one line), with what to do."""
    perm = max(report.units_failed_permanent, report.left_failed_permanent)
    n = max(report.units_failed, report.left_failed)
    top = max(report.errors.items(), key=lambda kv: kv[1])[0] if report.errors else report.left_error
    eg = f" (e.g. {top[:160]})" if top else ""
    if report.units_failed_invalid or report.left_failed_invalid:
        what = (f"{n} unit(s) left failed: Earth Engine refused their requests as invalid{eg}: fix the recipe "
                "(its asset, band names) or the period, then rerun with --retry-failed")
    elif perm:
        what = (f"{n} unit(s) left failed, {perm} permanently{eg}: fix the cause, then `m3leo retry --store DIR` "
                "or rerun with --retry-failed")
    else:
        what = f"{n} unit(s) left failed with transient errors{eg}: rerun the same command to retry them"
    return f"m3leo: {what}; `m3leo status` lists them"


def _run_options(max_concurrency: int | None, max_rps: float | None, shard_chips: int | None,
                 max_attempts: int | None, retry_failed: bool, dask: str | None) -> Any:
    from ..units import ExtractOptions

    if dask is not None:  # a scheduler that does not answer: one line before anything is written
        from ..cluster import probe_scheduler

        probe_scheduler(dask)
    return ExtractOptions.build(max_concurrency=max_concurrency, max_rps=max_rps, shard_chips=shard_chips,
                                max_attempts=max_attempts, retry_failed=retry_failed, dask=dask)


@app.command()
def extract(
    aoi: AoiOpt,
    collections: CollectionsOpt,
    period: PeriodOpt,
    store: StoreOpt = Path("m3leo-data"),
    ee_url: EeUrlOpt = None,
    project: ProjectOpt = None,
    catalog: CatalogOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    max_rps: MaxRpsOpt = None,
    shard_chips: ShardChipsOpt = None,
    retry_failed: Annotated[bool, typer.Option(
        help="Also retry units that failed permanently (transient failures are always retried).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a large run.")] = False,
    mode: ModeOpt = None,
    bucket: Annotated[str | None, typer.Option(help="Export mode: Cloud Storage bucket (or Drive folder).")] = None,
    bucket_url: Annotated[str | None, typer.Option(
        help="Where the bucket's files are read back (default gs://BUCKET; a local folder for the emulator).")] = None,
    destination: Annotated[Destination | None, typer.Option(show_default=str(DEFAULT_DESTINATION),
                                                            help="Export mode: gcs or drive.")] = None,
    max_queued: Annotated[int | None, typer.Option(min=1, max=MAX_QUEUED_TASKS, show_default=str(MAX_QUEUED_TASKS),
                                                   help="Export tasks queued at most.")] = None,
    dask: Annotated[str | None, typer.Option(
        help="Run the units on a dask.distributed cluster (tcp://HOST:8786, or local:N worker processes here), "
             "under one cluster-wide quota.")] = None,
    split: Annotated[str | None, typer.Option("--split", help="Split scheme (see `m3leo grid --help`); "
                                              "default: the store's, else bands:width=50km,angle=30,guard=1.")]
    = None,
    max_attempts: Annotated[int | None, typer.Option(min=1, max=100, show_default=str(DEFAULT_MAX_ATTEMPTS),
                                                     help="Tries per request before its unit fails (429 / 5xx / "
                                                          "dropped, with back-off).")] = None,
) -> None:
    """Plan and run Earth Engine extraction into the Zarr store. Rerun the same command to resume.

    Exit status: 0 done; 1 units failed permanently; 75 only transient failures left (rerun); 2 bad input;
    3 credentials; 69 endpoint unreachable; 74 local disk / permission (docs/operations.md).
    """
    from ..extract import run
    from ..request import ExportSettings, build_request

    options = _run_options(max_concurrency, max_rps, shard_chips, max_attempts, retry_failed, dask)
    request = build_request(aoi, collections, period, catalog=catalog or (), split=split, options=options,
                            mode=mode, ee_url=ee_url, project=project,
                            export=ExportSettings(bucket, bucket_url, destination or DEFAULT_DESTINATION, max_queued))
    progress = Progress()
    try:
        report = run(request, store, progress=progress, confirm=Confirm(yes))
    finally:
        progress.close()
    typer.echo(json.dumps(report.as_dict()) if as_json else summary_line("extract", report, store))
    if not report.ok:
        typer.echo(failed_units_line(report), err=True)
    raise typer.Exit(report.exit_code)


@app.command()
def plan(
    aoi: AoiOpt,
    collections: CollectionsOpt,
    period: PeriodOpt,
    mode: ModeOpt = None,
    store: Annotated[Path | None, typer.Option(
        "--store", help="Calibrate on this store: codec ratio, latency, CPU of its last runs.")] = None,
    catalog: CatalogOpt = None,
    max_concurrency: MaxConcurrencyOpt = None,
    max_rps: MaxRpsOpt = None,
    latency: Annotated[float | None, typer.Option(
        min=0.001, help="Earth Engine seconds per request (default: fitted to --store's last runs, else 0.4).")] = None,
    shard_chips: ShardChipsOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What a run would cost (chips, units, requests, bytes, wall time, warnings). Sends no request."""
    from ..aoi import load_aoi
    from ..catalog import load_catalog, parse_collections, parse_periods
    from ..plan import estimate, human

    area = load_aoi(aoi)
    recipes = parse_collections(collections, load_catalog(catalog or ()))
    est = estimate(area.geometry, recipes, parse_periods(period), mode=mode or DEFAULT_MODE,
                   shard_chips=shard_chips, max_concurrency=max_concurrency, max_rps=max_rps, latency_s=latency,
                   store_dir=store)
    if as_json:
        typer.echo(json.dumps(est))
    else:
        for line in human(est):
            typer.echo(line)


@app.command()
def status(store: StoreOpt = Path("m3leo-data"),
           as_json: Annotated[bool, typer.Option("--json", help="Stable JSON for monitoring.")] = False,
           out: Annotated[Path | None, typer.Option(
               "--out", help="Write the chip index as GeoParquet: per collection and period, each chip's valid "
                             "fraction and status.")] = None,
           png: Annotated[Path | None, typer.Option(
               "--png", help="Write a map of the chips by status (done/empty/failed/pending).")] = None) -> None:
    """What is done, pending, running and failed, per collection and period."""
    from ..status import dataset_status, status_lines

    st = dataset_status(store)
    if out is not None or png is not None:  # the chip index and its map (m3leo_extract.chipindex)
        from ..chipindex import write_chip_index, write_status_png

        for path, write in ((out, write_chip_index), (png, write_status_png)):
            if path is not None:
                typer.echo(f"status: wrote {write(store, path)}", err=True)
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    for line in status_lines(st):
        typer.echo(line)


BucketOpt = Annotated[str | None, typer.Option(help="Export mode: Cloud Storage bucket (or Drive folder); "
                                                   "default: the one m3leo.toml records.")]
BucketUrlOpt = Annotated[str | None, typer.Option(
    help="Where the bucket's files are read back (default gs://BUCKET; a local folder for the emulator).")]


@app.command()
def retry(store: StoreOpt = Path("m3leo-data"),
          failed: Annotated[bool, typer.Option(
              "--failed/--transient-only", help="Retry permanent failures too, or only transient ones.")] = True,
          ee_url: EeUrlOpt = None,
          project: ProjectOpt = None,
          bucket: BucketOpt = None,
          bucket_url: BucketUrlOpt = None) -> None:
    """Mark failed units for another try and run them (exit codes as for extract). The options extract took
    default to what m3leo.toml records; given here, they override it for this run."""
    from ..refresh import refresh as run_refresh

    progress = Progress(command="retry")
    try:
        result = run_refresh(store, ee_url=ee_url, project=project, retry_permanent=failed, new_periods=False,
                             progress=progress, command="retry", bucket=bucket, bucket_url=bucket_url)
    finally:
        progress.close()
    typer.echo(result.summary_line().replace("refresh:", "retry:", 1))
    if result.report is not None and not result.report.ok:
        typer.echo(failed_units_line(result.report), err=True)
    raise typer.Exit(result.exit_code)


@app.command()
def cancel(store: StoreOpt = Path("m3leo-data"),
           bucket: BucketOpt = None,
           ee_url: EeUrlOpt = None,
           project: ProjectOpt = None) -> None:
    """Cancel the export tasks a run submitted; their units are marked failed (retry with `m3leo retry`).

    The endpoint, project and bucket default to the ones m3leo.toml records (the emulator's, for its store)."""
    from ..config import CONFIG_FILE, DatasetConfig
    from ..ee.export import EEExportBackend
    from ..exporting import cancel_tasks

    if not (store / STATE_FILE).exists():
        raise fail(f"{store} has no state database; nothing to cancel")
    cfg = DatasetConfig.load(store) if (store / CONFIG_FILE).is_file() else None
    if cfg is not None:
        ee_url = ee_url or cfg.ee_url or None
        project = project or cfg.project or None
        bucket = bucket or cfg.run_options().get("bucket")
    with ExitStack() as stack:
        url, _ = stack.enter_context(local_endpoint(ee_url))
        db = StateDB(store / STATE_FILE)
        stack.callback(db.close)
        if any(u.task_id for u in db.units(status="running")):
            initialize(url, project)
        n = cancel_tasks(db, EEExportBackend(bucket or "unused"))
    typer.echo(f"cancel: {n} export task(s) cancelled")
