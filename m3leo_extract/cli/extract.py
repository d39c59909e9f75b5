"""`m3leo extract`, `m3leo status`, `m3leo retry`: parse, validate everything first, then delegate."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app

CONFIRM_CHIPS = 20_000  # above this many chips, an interactive extract asks first (skip with --yes)
StoreOpt = Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")]


class Progress:
    """A tqdm bar of chips when on a terminal; one summary line otherwise (cron/log friendly)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None
        self.failed = 0

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "plan":
            if self.enabled:
                from tqdm import tqdm

                self.bar = tqdm(total=ev["chips_pending"], unit="chip", desc="extract", dynamic_ncols=True)
        elif ev["event"] == "unit" and self.bar is not None:
            if not ev["ok"]:
                self.failed += ev["chips"]
                self.bar.set_postfix(failed=self.failed)
            self.bar.update(ev["chips"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _ee_url(value: str | None, stack: ExitStack) -> tuple[str | None, Any]:
    """(url, emulator or None): `--ee-url local` starts an in-process emulator until `stack` closes."""
    from ..ee.session import local_endpoint

    return stack.enter_context(local_endpoint(value))


def validate_request(collections: str, catalog: list[Path] | None, period: str) -> tuple[Any, Any]:
    """Recipes and periods from the command line, every check done before anything is written."""
    from ..catalog import load_catalog, parse_collections, parse_periods
    from ..checks import check_catalog_paths, check_collection_list, check_coverage

    check_collection_list(collections)
    check_catalog_paths(catalog or ())
    recipes = parse_collections(collections, load_catalog(catalog or ()))
    periods = parse_periods(period)
    check_coverage(recipes, periods)
    return recipes, periods


def _export_backend(bucket: str, destination: str, bucket_url: str | None, emu: Any) -> Any:
    from ..ee.export import EEExportBackend

    if bucket_url is None and emu is not None:
        bucket_url = str(Path(emu.knobs.export_root) / bucket)
    backend = EEExportBackend(bucket, destination, bucket_url)
    if backend.bucket_url.startswith("gs://"):
        import importlib.util

        if importlib.util.find_spec("gcsfs") is None:
            from ..errors import DependencyError

            raise DependencyError(f"reading exports back from {backend.bucket_url} needs gcsfs: pip install "
                                  "'m3leo-extract[gcs]' (or give --bucket-url a folder the bucket is synced to)")
    return backend


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
    top = max(report.errors.items(), key=lambda kv: kv[1])[0] if report.errors else ""
    eg = f" (e.g. {top[:160]})" if top else ""
    if perm:
        what = (f"{n} unit(s) left failed, {perm} permanently{eg}: fix the cause, then `m3leo retry --store DIR` "
                "or rerun with --retry-failed")
    else:
        what = f"{n} unit(s) left failed with transient errors{eg}: rerun the same command to retry them"
    return f"m3leo: {what}; `m3leo status` lists them"


@app.command()
def extract(
    aoi: Annotated[str, typer.Option(help="AOI name from aois/ or a vector file path.")],
    collections: Annotated[str, typer.Option(help="Comma-separated recipes, e.g. s1,s2,esa_worldcover.")],
    period: Annotated[str, typer.Option(help="e.g. 2020, 2019:2021, 2020-06, 2020-JJA.")],
    store: StoreOpt = Path("m3leo-data"),
    ee_url: Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL",
                                                  help="Earth Engine endpoint (an emulator url, or 'local')")] = None,
    project: Annotated[str | None, typer.Option(envvar="M3LEO_EE_PROJECT", help="GEE project id.")] = None,
    catalog: Annotated[list[Path] | None, typer.Option("--catalog", help="Extra recipe TOML.")] = None,
    max_concurrency: Annotated[int, typer.Option(min=1, max=1000)] = 40,
    max_rps: Annotated[float, typer.Option(min=0.01)] = 100.0,
    shard_chips: Annotated[int, typer.Option(min=1, max=4096, help="Chips per Zarr shard (a work unit).")] = 16,
    retry_failed: Annotated[bool, typer.Option(
        help="Also retry units that failed permanently (transient failures are always retried).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a large run.")] = False,
    mode: Annotated[str, typer.Option(help="pixels (computePixels) or export (Export.image tasks).")] = "pixels",
    bucket: Annotated[str | None, typer.Option(help="Export mode: Cloud Storage bucket (or Drive folder).")] = None,
    bucket_url: Annotated[str | None, typer.Option(
        help="Where the bucket's files are read back (default gs://BUCKET; a local folder for the emulator).")] = None,
    destination: Annotated[str, typer.Option(help="Export mode: gcs or drive.")] = "gcs",
    max_queued: Annotated[int, typer.Option(min=1, max=3000, help="Export tasks queued at most.")] = 3000,
    dask: Annotated[str | None, typer.Option(help="dask.distributed scheduler (tcp://HOST:PORT) for writes.")] = None,
    split: Annotated[str | None, typer.Option("--split", help="Split scheme (see `m3leo grid --help`); "
                                              "default: the store's, else bands:width=50km,angle=30,guard=1.")]
    = None,
    max_attempts: Annotated[int, typer.Option(min=1, max=100, help="Tries per request before its unit fails "
                                                                   "(429 / 5xx / dropped, with back-off).")] = 8,
) -> None:
    """Plan and run Earth Engine extraction into the Zarr store. Rerun the same command to resume.

    Exit status: 0 done; 1 units failed permanently; 75 only transient failures left (rerun); 2 bad input;
    3 credentials; 69 endpoint unreachable; 74 local disk / permission; 130 interrupted (docs/operations.md).
    """
    from ..aoi import load_aoi
    from ..config import DatasetConfig
    from ..extract import ExtractOptions
    from ..extract import extract as run_extract
    from ..grid import check_latitudes
    from ..runner import RetryPolicy

    # Validate every input before anything is written.
    from . import fail

    if mode not in ("pixels", "export"):
        raise fail(f"--mode {mode!r} is not known; use pixels or export")
    if destination not in ("gcs", "drive"):
        raise fail(f"--destination {destination!r} is not known; use gcs or drive")
    if mode == "export" and not bucket:
        raise fail("--mode export needs --bucket NAME (a Cloud Storage bucket, or a Drive folder with "
                   "--destination drive)")
    if store.exists() and not store.is_dir():
        raise fail(f"--store {store} is a file; give a folder (it is created if missing)")
    area = load_aoi(aoi)
    check_latitudes(area.geometry)
    recipes, periods = validate_request(collections, catalog, period)
    from ..splits import apply_split, default_for_aoi, resolve

    why = ""
    if split is None and not (store / "chips.zarr").exists():
        split, why = default_for_aoi(area.name)
    if split is not None:
        resolve(split)  # a bad scheme fails before anything is written
    if sys.stderr.isatty() and not as_json:
        from ..plan import estimate, human

        est = estimate(area.geometry, recipes, periods, max_concurrency=max_concurrency, max_rps=max_rps,
                       shard_chips=shard_chips)
        for line in human(est):
            typer.echo(line, err=True)
        if est["chips"] > CONFIRM_CHIPS and not yes and not typer.confirm("go ahead?", err=True):
            raise typer.Exit(1)
    progress = Progress()
    with ExitStack() as stack:
        stack.callback(progress.close)
        url, emu = _ee_url(ee_url, stack)
        backend = export_opts = None
        if mode == "export":
            from ..exporting import ExportOptions

            backend = _export_backend(str(bucket), destination, bucket_url, emu)
            export_opts = ExportOptions(max_queued=max_queued)
        scheme = apply_split(store, split)
        if why or scheme.changed:
            typer.echo(f"extract: {why or scheme.line()}", err=True)
        if not (store / "m3leo.toml").exists():
            # Written before fetching, so `refresh` / `retry` work even after a first run that failed.
            # A file AOI is stored as an absolute path so cron can run refresh from any directory.
            aoi_ref = str(Path(aoi).resolve()) if Path(aoi).exists() else aoi
            DatasetConfig(aoi=aoi_ref, collections=[r.name for r in recipes], periods=[p.label for p in periods],
                          catalog=[str(Path(c).resolve()) for c in catalog or ()],
                          ee_url="local" if ee_url == "local" else (url or ""), project=project or "",
                          split=scheme.after).save(store)
        report = run_extract(store, area.geometry, recipes, periods, ee_url=url, project=project,
                             progress=progress, mode=mode, export_backend=backend, export_options=export_opts,
                             options=ExtractOptions(max_concurrency=max_concurrency, max_rps=max_rps,
                                                    shard_chips=shard_chips, retry_failed=retry_failed,
                                                    dask=dask, retry=RetryPolicy(max_attempts=max_attempts)))
    typer.echo(json.dumps(report.as_dict()) if as_json else summary_line("extract", report, store))
    if not report.ok:
        typer.echo(failed_units_line(report), err=True)
    raise typer.Exit(report.exit_code)


@app.command()
def plan(
    aoi: Annotated[str, typer.Option(help="AOI name from aois/ or a vector file path.")],
    collections: Annotated[str, typer.Option(help="Comma-separated recipes, e.g. s1,s2,esa_worldcover.")],
    period: Annotated[str, typer.Option(help="e.g. 2020, 2019:2021, 2020-06, 2020-JJA.")],
    mode: Annotated[str, typer.Option(help="pixels (computePixels) or export (export tasks).")] = "pixels",
    store: Annotated[Path | None, typer.Option(
        "--store", help="Calibrate on this store: codec ratio, latency, CPU of its last runs.")] = None,
    catalog: Annotated[list[Path] | None, typer.Option("--catalog", help="Extra recipe TOML.")] = None,
    max_concurrency: Annotated[int, typer.Option(min=1, max=1000)] = 40,
    max_rps: Annotated[float, typer.Option(min=0.01)] = 100.0,
    latency: Annotated[float | None, typer.Option(
        min=0.001, help="Earth Engine seconds per request (default: fitted to --store's last runs, else 0.4).")] = None,
    shard_chips: Annotated[int, typer.Option(min=1, max=4096)] = 16,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What a run would cost (chips, units, requests, bytes, wall time, warnings). Sends no request."""
    from ..aoi import load_aoi
    from ..catalog import load_catalog, parse_collections, parse_periods
    from ..plan import estimate, human

    if mode not in ("pixels", "export"):
        from . import fail

        raise fail(f"--mode {mode!r} is not known; use pixels or export")
    area = load_aoi(aoi)
    recipes = parse_collections(collections, load_catalog(catalog or ()))
    est = estimate(area.geometry, recipes, parse_periods(period), mode=mode, shard_chips=shard_chips,
                   max_concurrency=max_concurrency, max_rps=max_rps, latency_s=latency, store_dir=store)
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


@app.command()
def retry(store: StoreOpt = Path("m3leo-data"),
          failed: Annotated[bool, typer.Option(
              "--failed/--transient-only", help="Retry permanent failures too, or only transient ones.")] = True,
          ee_url: Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL")] = None,
          project: Annotated[str | None, typer.Option(envvar="M3LEO_EE_PROJECT")] = None) -> None:
    """Mark failed units for another try and run them (exit codes as for extract)."""
    from ..refresh import refresh as run_refresh

    progress = Progress()
    try:
        result = run_refresh(store, ee_url=ee_url, project=project, retry_permanent=failed, new_periods=False,
                             progress=progress, command="retry")
    finally:
        progress.close()
    typer.echo(result.summary_line().replace("refresh:", "retry:", 1))
    if result.report is not None and not result.report.ok:
        typer.echo(failed_units_line(result.report), err=True)
    raise typer.Exit(result.exit_code)


@app.command()
def cancel(store: StoreOpt = Path("m3leo-data"),
           bucket: Annotated[str, typer.Option(help="The bucket the run exported to.")] = "",
           ee_url: Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL")] = None,
           project: Annotated[str | None, typer.Option(envvar="M3LEO_EE_PROJECT")] = None) -> None:
    """Cancel the export tasks a run submitted; their units are marked failed (retry with `m3leo retry`)."""
    from ..ee.export import EEExportBackend
    from ..ee.session import initialize
    from ..exporting import cancel_tasks
    from ..extract import STATE_FILE
    from ..state import StateDB

    if not (store / STATE_FILE).exists():
        from . import fail

        raise fail(f"{store} has no state database; nothing to cancel")
    with ExitStack() as stack:
        url, _ = _ee_url(ee_url, stack)
        db = StateDB(store / STATE_FILE)
        stack.callback(db.close)
        if any(u.task_id for u in db.units(status="running")):
            initialize(url, project)
        n = cancel_tasks(db, EEExportBackend(bucket or "unused"))
    typer.echo(f"cancel: {n} export task(s) cancelled")
