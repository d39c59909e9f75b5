"""`m3leo tile`: parse and validate, then delegate to `m3leo_extract.tile.tile`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app


class TileProgress:
    """A tqdm bar of chips on a terminal; failed inputs as one line each on stderr either way."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.bar: Any = None

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "warning":
            typer.echo(f"m3leo: warning: {ev['message']}", err=True)
        elif ev["event"] == "input_failed":
            line = f"m3leo: tile: skipped {ev['error']}"
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                typer.echo(line, err=True)
        elif ev["event"] == "plan" and self.enabled and ev["chips"]:
            from tqdm import tqdm

            self.bar = tqdm(total=ev["chips"], unit="chip", desc=f"tile {ev.get('collection', '')}",
                            dynamic_ncols=True, file=sys.stderr)
        elif ev["event"] == "unit" and self.bar is not None:
            self.bar.update(ev["chips"])
            if ev["failed"] or ev["dropped"]:
                self.bar.set_postfix(dropped=ev["dropped"], failed=ev["failed"])

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@app.command()
def tile(
    inputs: Annotated[list[str], typer.Argument(help="Raster files, folders, globs or URLs (s3://, gs://, https://).")],
    collection: Annotated[str, typer.Option(help="A catalog recipe (its bands/dtype/nodata) or a new name.")],
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")],
    aoi: Annotated[str | None, typer.Option(help="Only the chips of this AOI (name or vector file).")] = None,
    resolution: Annotated[float | None, typer.Option(help="Chip metres per pixel (default: the collection's, "
                                                              "else 10).")] = None,
    resampling: Annotated[str | None, typer.Option(help="nearest|bilinear|cubic|average|mode (default: "
                                                           "nearest for categorical, else bilinear).")] = None,
    period: Annotated[str, typer.Option(help="Period label the chips are stored under.")] = "static",
    bands: Annotated[str | None, typer.Option(help="Comma-separated input bands (1-based numbers or names).")]
    = None,
    nodata: Annotated[float | None, typer.Option(help="Nodata of inputs whose files do not say.")] = None,
    min_valid: Annotated[float, typer.Option("--min-valid", min=0.0, max=1.0,
                                             help="Drop chips with a smaller valid-pixel fraction.")] = 0.0,
    workers: Annotated[int | None, typer.Option(min=1, help="Local threads (default: CPU count).")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="dask.distributed scheduler address, "
                                                               "e.g. tcp://host:8786.")] = None,
    kind: Annotated[str | None, typer.Option(help="categorical|continuous, for a new collection.")] = None,
    shard_chips: Annotated[int | None, typer.Option(min=1, max=4096, help="Chips per shard, new collection.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Reproject and cut rasters into 4 x 4 km chips in the store. Exits 1 if some inputs failed."""
    from ..checks import check_positive
    from ..errors import UsageError
    from ..tile import RESAMPLINGS
    from ..tile import tile as run_tile

    check_positive("--resolution", resolution)
    if resampling is not None and resampling not in RESAMPLINGS:
        raise UsageError(f"--resampling {resampling!r} is not known; use one of {', '.join(RESAMPLINGS)}")
    if kind is not None and kind not in ("categorical", "continuous"):
        raise UsageError(f"--kind {kind!r} is not known; use categorical or continuous")
    band_list = [b.strip() for b in bands.split(",") if b.strip()] if bands else None
    area: Any = None
    if aoi:
        from ..aoi import load_aoi

        area = load_aoi(aoi)  # validate before anything is written
    progress = TileProgress()
    try:
        report = run_tile(inputs, store, collection, aoi=area, resolution=resolution, resampling=resampling,
                          period=period, bands=band_list, nodata=nodata, min_valid=min_valid, kind=kind,
                          workers=workers, dask=dask, shard_chips=shard_chips, progress=progress)
    finally:
        progress.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        typer.echo(report.summary_line())
    if not report.ok:
        raise typer.Exit(1)
