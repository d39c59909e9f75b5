"""`m3leo tile`: parse and validate, then delegate to `m3leo_extract.tile.tile`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..defaults import MAX_SHARD_CHIPS
from ..errors import UsageError
from . import app
from .bars import Bar


class TileProgress(Bar):
    """A tqdm bar of chips on a terminal; failed inputs as one line each on stderr either way."""

    def __init__(self, as_json: bool = False) -> None:
        super().__init__()
        self.as_json = as_json

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "kind" and not self.as_json:  # what was inferred, on stdout before the summary
            typer.echo(f"tile: {ev['message']}")
        elif ev["event"] == "warning":
            typer.echo(f"m3leo: warning: {ev['message']}", err=True)
        elif ev["event"] == "input_failed":
            line = f"m3leo: tile: skipped {ev['error']}"
            if self.bar is not None:
                self.bar.write(line, file=sys.stderr)
            else:
                typer.echo(line, err=True)
        elif ev["event"] == "plan" and ev["chips"]:
            self.open(ev["chips"], "chip", f"tile {ev.get('collection', '')}")
        elif ev["event"] == "unit" and self.bar is not None:
            self.bar.update(ev["chips"])
            if ev["failed"] or ev["dropped"]:
                self.bar.set_postfix(dropped=ev["dropped"], failed=ev["failed"])


@app.command()
def tile(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")],
    inputs: Annotated[list[str] | None, typer.Argument(
        help="Raster files, folders, globs or URLs (s3://, gs://, https://); none with --source.")] = None,
    collection: Annotated[str | None, typer.Option(
        help="A catalog recipe (its bands/dtype/nodata) or a new name (with --source: default per source).")]
    = None,
    aoi: Annotated[str | None, typer.Option(help="Only the chips of this AOI (name or vector file).")] = None,
    resolution: Annotated[float | None, typer.Option(help="Chip metres per pixel (default: the collection's, "
                                                              "else 10).")] = None,
    resampling: Annotated[str | None, typer.Option(help="nearest|bilinear|cubic|average|mode|lanczos "
                                                           "(default: "
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
    kind: Annotated[str | None, typer.Option(help="categorical|continuous, for a new collection (default: inferred "
                                                   "from the first input: a colour table or few distinct "
                                                   "integer values mean classes).")] = None,
    shard_chips: Annotated[int | None, typer.Option(min=1, max=MAX_SHARD_CHIPS,
                                                    help="Chips per shard, new collection.")] = None,
    source: Annotated[str | None, typer.Option(
        help="An external source instead of INPUTS: gssic, gunw or cci_biomass (docs/sources.md).")] = None,
    season: Annotated[str | None, typer.Option(help="gssic: winter|spring|summer|fall.")] = None,
    var: Annotated[str | None, typer.Option(
        "--var", help="gssic: COH06..COH48|AMP|rho|tau|rmse; gunw: coherence|unwrappedPhase|amplitude|"
                      "connectedComponents; cci_biomass: agb|agb_sd|agb,agb_sd.")] = None,
    pol: Annotated[str, typer.Option(help="gssic: vv|vh|hh|hv.")] = "vv",
    root: Annotated[str | None, typer.Option(
        help="gssic/cci_biomass: where the files are: s3://BUCKET/PREFIX, https://HOST/PREFIX or a folder.")]
    = None,
    endpoint_url: Annotated[str | None, typer.Option(
        "--endpoint-url", help="S3-compatible endpoint for an s3:// --root (default $AWS_ENDPOINT_URL_S3, "
                               "$AWS_ENDPOINT_URL, else AWS).")] = None,
    year: Annotated[int | None, typer.Option(help="cci_biomass: the map's year.")] = None,
    products: Annotated[str | None, typer.Option(
        help="gunw: a folder of products, or a comma-separated list of files / https URLs.")] = None,
    pairs: Annotated[str, typer.Option(help="gunw: date-pair rule closest|farthest|mean.")] = "closest",
    min_days: Annotated[int, typer.Option("--min-days", min=0, help="gunw: shortest pair span (days).")] = 0,
    max_days: Annotated[int, typer.Option("--max-days", min=0, help="gunw: longest pair span (days).")] = 9999,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Reproject and cut rasters into 4 x 4 km chips in the store. Exits 1 if some inputs failed."""
    _check_options(resolution, resampling, kind)
    if dask is not None:
        from ..cluster import probe_scheduler

        probe_scheduler(dask)
    if source is not None:
        _tile_source(source, store, inputs, collection, aoi, resolution, period, min_valid, workers, dask,
                     shard_chips, as_json, dict(season=season, var=var, pol=pol, root=root,
                                                endpoint_url=endpoint_url, year=year, products=products,
                                                pairs=pairs, min_days=min_days, max_days=max_days))
        return
    _tile_inputs(inputs, store, collection, aoi, as_json, dict(
        resolution=resolution, resampling=resampling, period=period, bands=bands, nodata=nodata,
        min_valid=min_valid, kind=kind, workers=workers, dask=dask, shard_chips=shard_chips))


def _check_options(resolution: float | None, resampling: str | None, kind: str | None) -> None:
    """The choices checked on the line, before anything is read (the library's constants say what is known)."""
    from ..checks import check_positive
    from ..tile import KINDS, RESAMPLINGS  # ~2 s (rasterio, zarr): only `m3leo tile` pays it, not every command

    check_positive("--resolution", resolution)
    if resampling is not None and resampling not in RESAMPLINGS:
        raise UsageError(f"--resampling {resampling!r} is not known; use one of {', '.join(RESAMPLINGS)}")
    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind {kind!r} is not known; use {' or '.join(KINDS)}")


def _finish(report: Any, as_json: bool) -> None:
    """The report on stdout (one line, or JSON); exit 1 when some input or unit failed."""
    typer.echo(json.dumps(report.as_dict()) if as_json else report.summary_line())
    if not report.ok:
        raise typer.Exit(1)


def _tile_inputs(inputs: list[str] | None, store: Path, collection: str | None, aoi: str | None, as_json: bool,
                 options: dict[str, Any]) -> None:
    """`m3leo tile INPUTS ...`: check what the inputs path needs, then delegate to m3leo_extract.tile.tile."""
    from ..aoi import load_aoi  # shapely: kept off every command's start
    from ..tile import tile  # rasterio, zarr

    if not inputs:
        raise UsageError("give the rasters to tile (files, folders, globs or URLs), or --source gssic|gunw|"
                         "cci_biomass")
    if not collection:
        raise UsageError("--collection is required with INPUTS: a catalog recipe or a new name")
    bands = options.pop("bands")
    band_list = [b.strip() for b in bands.split(",") if b.strip()] if bands else None
    area = load_aoi(aoi) if aoi else None  # validate before anything is written
    progress = TileProgress(as_json)
    try:
        report = tile(inputs, store, collection, aoi=area, bands=band_list, progress=progress, **options)
    finally:
        progress.close()
    _finish(report, as_json)


_SOURCE_FLAGS = {"gssic": {"season", "var", "pol", "root", "endpoint_url"},
                 "cci_biomass": {"year", "var", "root", "endpoint_url"},
                 "gunw": {"products", "var", "pairs", "min_days", "max_days"}}
_FLAG_DEFAULTS = {"pol": "vv", "pairs": "closest", "min_days": 0, "max_days": 9999}


def _tile_source(source: str, store: Path, inputs: list[str] | None, collection: str | None, aoi: str | None,
                 resolution: float | None, period: str, min_valid: float, workers: int | None, dask: str | None,
                 shard_chips: int | None, as_json: bool, flags: dict[str, Any]) -> None:
    """`m3leo tile --source ...`: check the flags that source takes, then delegate to m3leo_extract.sources."""
    from ..aoi import load_aoi  # shapely: kept off every command's start, like the imports below
    from ..sources import get_source, tile_source  # rasterio when tiling

    get_source(source)
    if inputs:
        raise UsageError(f"--source {source} finds its own files; drop the INPUTS ({inputs[0]} ...)")
    wrong = [k for k, v in flags.items() if k not in _SOURCE_FLAGS[source] and v is not None
             and v != _FLAG_DEFAULTS.get(k)]
    if wrong:
        raise UsageError(f"--{wrong[0].replace('_', '-')} does not apply to --source {source}; it takes "
                         f"{', '.join('--' + f.replace('_', '-') for f in sorted(_SOURCE_FLAGS[source]))}")
    opts: dict[str, Any] = {k: v for k, v in flags.items() if k in _SOURCE_FLAGS[source] and v is not None}
    if source == "gssic":
        if not flags["season"] or not flags["var"]:
            raise UsageError("--source gssic needs --season (winter|spring|summer|fall) and --var (e.g. COH12)")
        opts["var"] = flags["var"]
    elif source == "cci_biomass":
        if flags["year"] is None:
            raise UsageError("--source cci_biomass needs --year (e.g. 2020)")
        opts.setdefault("var", "agb")
    else:
        if not flags["products"]:
            raise UsageError("--source gunw needs --products (a folder of GUNW .nc products or a list)")
        opts["rule"] = opts.pop("pairs")
        opts.setdefault("var", "coherence")
    if not aoi:
        raise UsageError(f"--source {source} needs --aoi: the files are worked out from it")
    area = load_aoi(aoi).geometry
    progress = TileProgress()
    try:
        report = tile_source(source, store, area, collection=collection, resolution=resolution or 10.0,
                             period=None if period == "static" else period, min_valid=min_valid,
                             workers=workers, dask=dask, shard_chips=shard_chips, progress=progress, **opts)
    finally:
        progress.close()
    _finish(report, as_json)
