"""`m3leo grid`: the 4 x 4 km chip grid of an AOI, with splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command()
def grid(
    aoi: Annotated[str | None, typer.Option(help="AOI name from aois/ or a vector file path.")] = None,
    out: Annotated[Path | None, typer.Option(help="GeoParquet with one row per chip.")] = None,
    png: Annotated[Path | None, typer.Option(help="PNG map of the chips by split.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {chips, splits, zones} as JSON.")] = False,
    from_m3leo: Annotated[Path | None, typer.Option(
        "--from-m3leo", help="M3LEO chip GeoJSON: map each of their chips to ours (with --out).")] = None,
    m3leo_splits: Annotated[Path | None, typer.Option(help="M3LEO splits CSV (with --from-m3leo).")] = None,
    keep_split: Annotated[bool, typer.Option(help="Keep M3LEO's split instead of ours.")] = False,
) -> None:
    """Chips (exact 4000 m squares in their UTM zone) overlapping the AOI, with train/val/test splits."""
    from ..aoi import load_aoi
    from ..grid import chip_arrays
    from ..gridio import map_m3leo, summary, write_parquet, write_png

    if from_m3leo is not None:
        table = map_m3leo(from_m3leo, m3leo_splits, keep_split)
        if out is not None:
            table.to_parquet(out) if out.suffix == ".parquet" else table.to_csv(out, index=False)
        n_src = table["m3leo_id"].nunique()
        typer.echo(json.dumps({"m3leo_chips": int(n_src), "our_chips": int(table["chip_id"].nunique()),
                               "pairs": len(table)}) if as_json else
                   f"{n_src} M3LEO chips map onto {table['chip_id'].nunique()} of ours ({len(table)} pairs)"
                   + (f"; wrote {out}" if out else ""))
        return
    if aoi is None:
        from . import fail

        raise fail("give --aoi NAME|FILE (or --from-m3leo FILE)")

    from ..checks import check_output_file

    check_output_file("--out", out)
    check_output_file("--png", png)
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
