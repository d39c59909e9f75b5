"""`m3leo refresh` (cron), `m3leo init` and `m3leo quickstart`.

Library modules that pull in zarr, shapely, pyproj or torch are imported inside the commands: every `m3leo`
invocation imports this module, and those cost seconds that `m3leo --help` should not pay.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ..config import CONFIG_FILE, DatasetConfig
from ..errors import EXIT_TEMPFAIL, LockedError
from . import app, fail
from .extract import EeUrlOpt, Progress, ProjectOpt, failed_units_line


@app.command()
def refresh(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory.")] = Path("m3leo-data"),
    ee_url: EeUrlOpt = None,
    project: ProjectOpt = None,
    today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD (testing).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Cron-safe incremental run: only new periods, retryable failures and recipe-version bumps.

    Exit codes: 0 done, 1 permanent failures that need a person, 75 another run holds the lock or only
    transient failures are left (the next run retries them), 2 bad configuration, 69 endpoint unreachable,
    74 local disk / permission (docs/operations.md).
    """
    from ..refresh import refresh as run_refresh

    day = None
    if today:
        try:
            day = date.fromisoformat(today)
        except ValueError:
            raise fail(f"--today {today!r} is not a date; use YYYY-MM-DD") from None
    progress = Progress(command="refresh")
    try:
        result = run_refresh(store, today=day, ee_url=ee_url, project=project, progress=progress)
    except LockedError as exc:
        typer.echo(f"m3leo: {exc}", err=True)
        raise typer.Exit(EXIT_TEMPFAIL) from None  # another refresh holds the lock: not an error for cron
    finally:
        progress.close()
    typer.echo(json.dumps(result.report.as_dict()) if as_json and result.report else result.summary_line())
    if result.report is not None and not result.report.ok:
        typer.echo(failed_units_line(result.report), err=True)
    raise typer.Exit(result.exit_code)


@app.command()
def init(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory to create.")],
    aoi: Annotated[str, typer.Option(help="AOI name from aois/ or a vector file path.")],
    collections: Annotated[str, typer.Option(help="Comma-separated recipes.")],
    period: Annotated[str, typer.Option(help="Fixed periods, e.g. 2020 or 2019:2021 (may be empty).")] = "",
    rolling: Annotated[str, typer.Option(help="monthly, seasonal or yearly: every complete period.")] = "",
    rolling_start: Annotated[str, typer.Option(help="First rolling period, e.g. 2024-01.")] = "",
    ee_url: EeUrlOpt = None,
    project: ProjectOpt = None,
    split: Annotated[str | None, typer.Option("--split", help="Split scheme (see `m3leo grid --help`).")] = None,
) -> None:
    """Write DIR/m3leo.toml (what the dataset is) without fetching anything; `refresh` then fills it."""
    from ..aoi import load_aoi
    from ..catalog import parse_collections, parse_periods
    from ..checks import check_collection_list, check_coverage
    from ..request import due_periods
    from ..splits import choose_split

    area = load_aoi(aoi)
    check_collection_list(collections)
    recipes = parse_collections(collections)
    parsed = parse_periods(period) if period else []
    check_coverage(recipes, parsed)
    periods = [p.label for p in parsed]
    scheme = str(choose_split(split, area.name)[0])
    cfg = DatasetConfig(aoi=str(Path(aoi).resolve()) if Path(aoi).exists() else aoi,
                        collections=[r.name for r in recipes], periods=periods, rolling=rolling,
                        rolling_start=rolling_start, ee_url=ee_url or "", project=project or "", split=scheme)
    due_periods(cfg, date.today())  # validates the period rule before anything is written
    if (store / CONFIG_FILE).exists():
        raise fail(f"{store / CONFIG_FILE} exists already; edit it by hand")
    typer.echo(f"wrote {cfg.save(store)}")


@app.command()
def quickstart(
    out: Annotated[Path, typer.Option("--out", help="Where the demo dataset and run go.")] = Path("m3leo-quickstart"),
    epochs: Annotated[int, typer.Option(min=1)] = 6,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
) -> None:
    """Emulator -> extract the demo AOI (s1, s2, esa_worldcover) -> Zarr -> train S1 -> WorldCover."""
    from ..quickstart import run_quickstart

    def say(msg: str) -> None:
        typer.echo(msg)

    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file; give a folder")
    progress = Progress(command="quickstart")
    try:
        result = run_quickstart(out, epochs=epochs, device=device, log=say, progress=progress)
    finally:
        progress.close()
    typer.echo(json.dumps(result, indent=2))
