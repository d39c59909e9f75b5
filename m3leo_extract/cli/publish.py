"""`m3leo publish`: a store as a dataset others download, cite and load (STAC, Parquet, Croissant, HF card)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from . import app
from .bars import Bar


class PublishProgress(Bar):
    """A tqdm bar of units (one STAC item per shard, one Parquet block) on a terminal."""

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "plan":
            self.open(ev["total"], "unit", "publish")
        elif ev["event"] == "unit" and self.bar is not None:
            self.bar.update(ev.get("n", 1))


@app.command()
def publish(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the publication (new, or one publish made).")],
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: stac, parquet, croissant, hf "
                                     "(croissant and hf include parquet).")] = "stac,parquet,croissant,hf",
    base_url: Annotated[str | None, typer.Option("--base-url", help="URL the store's folder will be served at "
                                                 "(asset links); default: relative paths.")] = None,
    allow_incomplete: Annotated[bool, typer.Option("--allow-incomplete", help="Publish a store with failed or "
                                                   "pending units (the cards say so).")] = False,
    cogs: Annotated[Path | None, typer.Option("--cogs", help="The --out of `m3leo export`: its COGs become "
                                              "item assets.")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="A `m3leo train` run (folder or "
                                                    "best.pt) to publish as a STAC MLM item.")] = None,
    title: Annotated[str | None, typer.Option(help="The dataset's title (default: from the store's name).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write a STAC catalogue, the GeoParquet chip index, Parquet chips, a Croissant card and a Hugging Face
    README from the store alone. Rerun after `m3leo refresh`: only what changed is made again."""
    from ..publish import parse_formats
    from ..publish import publish as run_publish

    formats = parse_formats(fmt)
    bar = PublishProgress()
    try:
        report = run_publish(store, out, formats=formats, base_url=base_url, allow_incomplete=allow_incomplete,
                             cogs=cogs, checkpoint=checkpoint, title=title, progress=bar)
    finally:
        bar.close()
    d = report.as_dict()
    if as_json:
        typer.echo(json.dumps(d))
        return
    flags = (" SYNTHETIC (emulator data, flagged everywhere)." if report.synthetic else "") + (
        f" INCOMPLETE: {report.incomplete}." if report.incomplete else "")
    typer.echo(f"published {d['chips']} chips as {', '.join(report.formats)} in {report.out}: {d['written']} "
               f"unit(s) written, {d['reused']} unchanged, {d['seconds']}s.{flags}")
