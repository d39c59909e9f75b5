"""`m3leo extract`, `m3leo status`, `m3leo retry`: parse, validate everything first, then delegate."""

from __future__ import annotations

import json
import sys
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


def _ee_url(value: str | None) -> tuple[str | None, Any]:
    """`--ee-url local` starts an in-process emulator for this run."""
    if value == "local":
        from ..emulator import start_emulator

        emu = start_emulator()
        return emu.url, emu
    return value, None


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
    retry_failed: Annotated[bool, typer.Option(help="Also retry units that failed before.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before a large run.")] = False,
    mode: Annotated[str, typer.Option(help="pixels (computePixels) or export (Export.image tasks).")] = "pixels",
    bucket: Annotated[str | None, typer.Option(help="Export mode: Cloud Storage bucket (or Drive folder).")] = None,
    bucket_url: Annotated[str | None, typer.Option(
        help="Where the bucket's files are read back (default gs://BUCKET; a local folder for the emulator).")] = None,
    destination: Annotated[str, typer.Option(help="Export mode: gcs or drive.")] = "gcs",
    max_queued: Annotated[int, typer.Option(min=1, max=3000, help="Export tasks queued at most.")] = 3000,
    dask: Annotated[str | None, typer.Option(help="dask.distributed scheduler (tcp://HOST:PORT) for writes.")] = None,
) -> None:
    """Plan and run Earth Engine extraction into the Zarr store. Rerun the same command to resume."""
    from ..aoi import load_aoi
    from ..catalog import load_catalog, parse_collections, parse_periods
    from ..config import DatasetConfig
    from ..extract import ExtractOptions
    from ..extract import extract as run_extract

    # Validate every input before anything is written.
    area = load_aoi(aoi)
    cat = load_catalog(catalog or ())
    recipes = parse_collections(collections, cat)
    periods = parse_periods(period)
    if sys.stderr.isatty() and not as_json:
        from ..plan import estimate, human

        est = estimate(area.geometry, recipes, periods, max_concurrency=max_concurrency, max_rps=max_rps,
                       shard_chips=shard_chips)
        for line in human(est):
            typer.echo(line, err=True)
        if est["chips"] > CONFIRM_CHIPS and not yes and not typer.confirm("go ahead?", err=True):
            raise typer.Exit(1)
    if mode not in ("pixels", "export"):
        from . import fail

        raise fail(f"--mode {mode!r} is not known; use pixels or export")
    if mode == "export" and not bucket:
        from . import fail

        raise fail("--mode export needs --bucket NAME (a Cloud Storage bucket, or a Drive folder with "
                   "--destination drive)")
    url, emu = _ee_url(ee_url)
    progress = Progress()
    backend = export_opts = None
    if mode == "export":
        from ..ee.export import EEExportBackend
        from ..exporting import ExportOptions

        if bucket_url is None and emu is not None:
            bucket_url = str(Path(emu.knobs.export_root) / str(bucket))
        backend = EEExportBackend(str(bucket), destination, bucket_url)
        export_opts = ExportOptions(max_queued=max_queued)
    try:
        report = run_extract(store, area.geometry, recipes, periods, ee_url=url, project=project,
                             progress=progress, mode=mode, export_backend=backend, export_options=export_opts,
                             options=ExtractOptions(max_concurrency=max_concurrency, max_rps=max_rps,
                                                    shard_chips=shard_chips, retry_failed=retry_failed,
                                                    dask=dask))
    finally:
        progress.close()
        if emu is not None:
            emu.stop()
    cfg_path = store / "m3leo.toml"
    if not cfg_path.exists():
        # A file AOI is stored as an absolute path so cron can run refresh from any directory.
        aoi_ref = str(Path(aoi).resolve()) if Path(aoi).exists() else aoi
        DatasetConfig(aoi=aoi_ref, collections=[r.name for r in recipes], periods=[p.label for p in periods],
                      catalog=[str(c) for c in catalog or ()], ee_url="" if ee_url == "local" else (url or ""),
                      project=project or "").save(store)
    summary = report.as_dict()
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(f"extract: {summary['chips_done']} chips written, {summary['chips_failed']} failed, "
                   f"{summary['requests']} requests ({summary['retries']} retried) in {summary['seconds']:.1f}s "
                   f"-> {store}")
        for msg, n in sorted(report.errors.items(), key=lambda kv: -kv[1])[:5]:
            typer.echo(f"  failed x{n}: {msg}", err=True)
    if not report.ok:
        raise typer.Exit(1)


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
           as_json: Annotated[bool, typer.Option("--json", help="Stable JSON for monitoring.")] = False) -> None:
    """What is done, pending, running and failed, per collection and period."""
    from ..status import dataset_status

    st = dataset_status(store)
    if as_json:
        typer.echo(json.dumps(st, indent=2))
        return
    typer.echo(f"{'collection':16} {'period':24} {'done':>6} {'pending':>8} {'running':>8} {'failed':>7} "
               f"{'empty':>6}")  # empty: done, but no images in the period (nodata chips)
    for row in st["collections"]:
        typer.echo(f"{row['collection']:16} {row['period']:24} {row['done']:>6} {row['pending']:>8} "
                   f"{row['running']:>8} {row['failed']:>7} {row.get('empty', 0):>6}")
        for err in row["top_errors"]:
            typer.echo(f"    {err['units']} unit(s): {err['error']}")
    typer.echo(f"last run: {st['last_run'] or 'never'}")


@app.command()
def retry(store: StoreOpt = Path("m3leo-data"),
          failed: Annotated[bool, typer.Option("--failed", help="Retry failed units, permanent ones too.")] = True,
          ee_url: Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL")] = None,
          project: Annotated[str | None, typer.Option(envvar="M3LEO_EE_PROJECT")] = None) -> None:
    """Mark failed units for another try and run them."""
    from ..refresh import refresh as run_refresh

    url, emu = _ee_url(ee_url)
    try:
        result = run_refresh(store, ee_url=url, project=project, retry_permanent=failed, new_periods=False)
    finally:
        if emu is not None:
            emu.stop()
    typer.echo(result.summary_line())
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
    initialize(ee_url, project)
    db = StateDB(store / STATE_FILE)
    try:
        n = cancel_tasks(db, EEExportBackend(bucket or "unused"))
    finally:
        db.close()
    typer.echo(f"cancel: {n} export task(s) cancelled")
