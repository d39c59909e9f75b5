"""`m3leo grid`: the 4 x 4 km chip grid of an AOI, with splits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app

SPLIT_HELP = ("Split scheme: bands:width=50km,angle=30,guard=1 (default; lengths need a unit, km or m), "
              "random:seed=0, m3leo:FILE (from `grid --from-m3leo --keep-split --out FILE`) or "
              "column:FILE[,column=NAME].")


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
    split: Annotated[str | None, typer.Option("--split", help=SPLIT_HELP)] = None,
    store: Annotated[Path | None, typer.Option(
        "--store", help="With --out: add this store's valid fraction and status per collection and period.")]
    = None,
) -> None:
    """Chips (exact 4000 m squares in their UTM zone) overlapping the AOI, with train/val/test splits."""
    from ..aoi import load_aoi
    from ..grid import chip_arrays
    from ..gridio import map_m3leo, summary, write_parquet, write_png
    from ..splits import choose_split, empty_split_warning, resolve

    if from_m3leo is not None:
        table = map_m3leo(from_m3leo, m3leo_splits, keep_split, scheme=resolve(split))
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
    if store is not None:  # the chip index with a store's status (m3leo_extract.chipindex)
        from ..store import ChipStore

        if out is None or out.suffix != ".parquet":
            from . import fail

            raise fail("--store adds status columns to the GeoParquet: give --out FILE.parquet too")
        ChipStore.open(store, mode="r")  # a missing store is an error before anything is written
    scheme, why = choose_split(split, area.name)
    assert scheme is not None  # no store given to keep the scheme of
    chips = chip_arrays(area.geometry)
    if out is not None:
        write_parquet(chips, out, scheme=scheme)
        if store is not None:
            from ..chipindex import add_status_to_parquet

            add_status_to_parquet(out, store)
    if png is not None:
        write_png(chips, png, aoi=area.geometry, title=f"{area.name}: {len(chips)} chips, {scheme}", scheme=scheme)
    info = summary(chips, scheme)
    if why:
        typer.echo(f"grid: {why}", err=True)
    warning = empty_split_warning(str(scheme), info["splits"])
    if warning:
        typer.echo(f"grid: {warning}", err=True)
    if as_json:
        typer.echo(json.dumps({k: info[k] for k in ("chips", "split", "splits", "zones", "per_zone")}))
        return
    typer.echo(f"{area.name}: {info['chips']} chips in zones {', '.join(info['zones'])}; split {scheme}: "
               + ", ".join(f"{k} {v}" for k, v in info["splits"].items()))
    for p in (out, png):
        if p is not None:
            typer.echo(f"wrote {p}")


@app.command("split")
def split_cmd(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + m3leo.toml).")],
    scheme: Annotated[str | None, typer.Option("--scheme", help=SPLIT_HELP + " Omit it to show the current one.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print {before, after, changed, counts} as JSON.")] = False,
) -> None:
    """Show the store's split scheme, or change it (under the run lock): re-labels the chips (nothing is
    refetched) and drops stats. Warns when the scheme leaves train, val or test without chips."""
    from ..errors import NotInStoreError
    from ..shards import STORE_NAME, store_exists
    from ..splits import apply_split

    if not store_exists(store):
        raise NotInStoreError(f"no chip store at {store / STORE_NAME}; run `m3leo extract` or `m3leo tile` with "
                              f"--store {store} first")
    change = apply_split(store, scheme)
    warning = change.warning()
    if warning:
        typer.echo(f"split: {warning}", err=True)
    if as_json:
        typer.echo(json.dumps({"before": change.before, "after": change.after, "changed": change.changed,
                               "counts": change.counts}))
    else:
        typer.echo(change.line())
