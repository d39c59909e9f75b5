"""`m3leo shift`: distribution shift between splits and regions (parse, validate, delegate to shift.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app


@app.command()
def shift(
    store: Annotated[list[Path], typer.Option("--store", help="Dataset directory; repeat it to compare regions.")],
    collection: Annotated[str | None, typer.Option(help="Collections, comma-separated (default: all shared).")]
    = None,
    period: Annotated[str | None, typer.Option(help="One stored period (default: every period written).")] = None,
    max_pixels: Annotated[int, typer.Option("--max-pixels", help="Pixels per chip set and band; more are sampled.")]
    = 200_000,
    seed: Annotated[int, typer.Option(help="Seed of the pixel sample and the projections.")] = 0,
    checkpoint: Annotated[Path | None, typer.Option(help="A `m3leo train` best.pt: sliced Wasserstein between the "
                                                    "model's embeddings of its train and test chips.")] = None,
    projections: Annotated[int, typer.Option(help="Sliced Wasserstein directions.")] = 128,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    png: Annotated[Path | None, typer.Option(help="Write a bar chart of the distances.")] = None,
) -> None:
    """L1 between class distributions, W1 per continuous band, between splits and between stores."""
    from ..errors import UsageError
    from ..shards import store_exists
    from ..shift import ShiftOptions, as_dicts, table, write_png
    from ..shift import shift as run_shift

    for s in store:
        if not store_exists(s):
            raise UsageError(f"--store {s}: no chip store there; extract into it first")
    names = [c.strip() for c in collection.split(",") if c.strip()] if collection else None
    opts = ShiftOptions(max_pixels=max_pixels, seed=seed, period=period, projections=projections)
    rows = run_shift([str(s) for s in store], names, opts, checkpoint=checkpoint)
    if png is not None:
        write_png(rows, png)
    if as_json:
        typer.echo(json.dumps(as_dicts(rows)))
        return
    for line in table(rows):
        typer.echo(line)
    if png is not None:
        typer.echo(f"wrote {png}")
