"""`m3leo grid`: the 4 x 4 km chip grid of an AOI, with splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import app


@app.command()
def grid(
    aoi: Annotated[str, typer.Option(help="AOI name from aois/ or a vector file path.")],
    out: Annotated[Optional[Path], typer.Option(help="GeoParquet with one row per chip.")] = None,
    png: Annotated[Optional[Path], typer.Option(help="PNG map of the chips by split.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {chips, splits, zones} as JSON.")] = False,
) -> None:
    """Chips (exact 4000 m squares in their UTM zone) overlapping the AOI, with train/val/test splits."""
    from ..aoi import load_aoi
    from ..grid import chip_arrays
    from ..gridio import summary, write_parquet, write_png

    area = load_aoi(aoi)
    chips = chip_arrays(area.geometry)
    if out is not None:
        write_parquet(chips, out)
    if png is not None:
        write_png(chips, png, aoi=area.geometry, title=f"{area.name}: {len(chips)} chips")
    info = summary(chips)
    if as_json:
        typer.echo(json.dumps({k: info[k] for k in ("chips", "splits", "zones", "per_zone")}))
        return
    typer.echo(f"{area.name}: {info['chips']} chips in zones {', '.join(info['zones'])}; "
               + ", ".join(f"{k} {v}" for k, v in info["splits"].items()))
    for p in (out, png):
        if p is not None:
            typer.echo(f"wrote {p}")
