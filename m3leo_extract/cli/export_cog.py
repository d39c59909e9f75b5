"""`m3leo export`: chips of a collection as Cloud-Optimised GeoTIFFs (per chip, or one mosaic per UTM zone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .bars import Bar


class ExportProgress(Bar):
    """A tqdm bar of chips on a terminal; nothing otherwise (the summary line says what was done)."""

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "plan":
            self.open(ev["total"], "chip", "export")
        elif ev["event"] == "chip" and self.bar is not None:
            self.bar.update(ev.get("n", 1))


@app.command()
def export(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")],
    collection: Annotated[str, typer.Option(help="The collection to export, e.g. s2.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the files (OUT/<collection>/<period>/).")],
    period: Annotated[str | None, typer.Option(help="Period label (default: the collection's latest).")] = None,
    aoi: Annotated[str | None, typer.Option(help="Only the chips of this AOI (name or vector file).")] = None,
    chips: Annotated[Path | None, typer.Option(
        "--chips", help="Only these chips: a text file of ids, or a CSV/GeoParquet with a chip_id column.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format: cog (Cloud-Optimised GeoTIFF).")] = "cog",
    mosaic: Annotated[bool, typer.Option(help="One COG per UTM zone (and a VRT over them), not one per chip.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write COGs (band names, nodata, scale/offset, class colours and names) that GDAL and QGIS open as they
    are, with a VRT mosaic per UTM zone. Rerun the same command to resume: finished files are kept."""
    from ..cogs import FORMATS, export_cogs, read_chip_keys
    from . import fail

    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r} is not known; use {', '.join(FORMATS)}")
    if aoi is not None and chips is not None:
        raise fail("give --aoi or --chips, not both")
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out} is a file; give a folder")
    keys = read_chip_keys(chips) if chips is not None else None  # int64 keys: 8 B a chip listed
    area = None
    if aoi is not None:
        from ..aoi import load_aoi

        area = load_aoi(aoi).geometry
    progress = ExportProgress()
    try:
        report = export_cogs(store, collection, out, period=period, chip_ids=keys, aoi=area, mosaic=mosaic,
                             progress=progress)
    finally:
        progress.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        typer.echo(f"export: {report.written} file(s) written, {report.skipped} already there"
                   + (f", {report.unwritten} chip(s) never written for this period left out" if report.unwritten
                      else "") + f" -> {report.out}")
