"""`m3leo show`: one chip's metadata, or a PNG of its modalities side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command()
def show(
    chip: Annotated[str, typer.Argument(help="Chip id, e.g. 31N_1266_160.")],
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")] = Path(
        "m3leo-data"),
    png: Annotated[Path | None, typer.Option("--png", help="Write a PNG of the chip's collections here.")] = None,
    period: Annotated[str | None, typer.Option(help="Period label to render (default: each one's latest).")]
    = None,
    collections: Annotated[str | None, typer.Option(help="Comma-separated collections (default: all).")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metadata as JSON.")] = False,
    dpi: Annotated[int, typer.Option(min=20, max=600, help="PNG resolution (dots per inch; 4.6 in per panel).")]
    = 100,
) -> None:
    """Print a chip's metadata (collections, periods, valid fractions, CRS, bounds), or render it with --png."""
    from ..grid import Chip
    from ..render import chip_info, render_chip

    Chip.from_id(chip)  # a bad id is a usage error before the store is opened
    if png is not None:
        names = [c.strip() for c in collections.split(",") if c.strip()] if collections else None
        out = render_chip(store, chip, png, period=period, collections=names, dpi=dpi)
        typer.echo(f"show: wrote {out}")
        return
    info = chip_info(store, chip)
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    b = info["bounds"]
    typer.echo(f"chip {info['chip']}  {info['crs']}  split {info['split']}")
    typer.echo(f"  bounds   x {b[0]:.0f}..{b[2]:.0f}  y {b[1]:.0f}..{b[3]:.0f} (m)")
    typer.echo(f"  lon/lat  {info['bounds_4326']}")
    for name, c in info["collections"].items():
        periods = ", ".join(f"{p}: {'absent' if v is None else f'{v:.0%}'}" for p, v in c["periods"].items())
        typer.echo(f"  {name:16} {c['kind']:11} {len(c['bands'])} band(s) {c['dtype']} {c['resolution']:g} m  "
                   f"valid {periods or 'no period yet'}")
