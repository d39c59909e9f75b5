"""`m3leo verify`: parse, delegate to m3leo_extract.verify, render. Exit 0 clean, 1 errors found, 2 bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..defaults import STATE_FILE
from . import app

_SHOW_CHIPS = 4  # chip ids printed per problem line (all of them are in --json)


class _Bar:
    """A tqdm bar of shards on a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, ev: dict[str, Any]) -> None:
        if ev["event"] == "start" and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=ev["shards"], unit="shard", desc="verify", dynamic_ncols=True)
        elif ev["event"] == "shard" and self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _line(p: Any) -> str:
    chips = ", ".join(p.chips[:_SHOW_CHIPS]) + (f" (+{len(p.chips) - _SHOW_CHIPS} more)"
                                                if len(p.chips) > _SHOW_CHIPS else "")
    return (f"{p.severity}: {p.collection} {p.period} shard {p.shard}: {p.kind.replace('_', ' ')}: {p.detail}; "
            f"file {p.file}; chips {chips or '-'}")


@app.command()
def verify(
    store: Annotated[Path, typer.Option("--store", help="Dataset directory (Zarr store + state).")] = Path(
        "m3leo-data"),
    repair: Annotated[bool, typer.Option("--repair", help="Send the units of damaged or missing chunks back to "
                                         "planned and delete their shard data; then rerun extract.")] = False,
    rebuild_state: Annotated[bool, typer.Option("--rebuild-state", help="Set a damaged or missing state.sqlite "
                                                "aside and rebuild it from the chips in the store.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read every chunk and shard index (checksums, decode), cross-check the state; exit 1 if anything is wrong."""
    from ..verify import verify_store

    bar = _Bar()
    try:
        report = verify_store(store, repair=repair, rebuild_state=rebuild_state, progress=bar)
    finally:
        bar.close()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for p in report.problems:
            typer.echo(_line(p))
        state = "" if report.state_checked else " (no state database: chunks checked only)"
        typer.echo(f"verify: {len(report.collections)} collection(s), {report.shards} shard file(s), "
                   f"{report.chunks} chunk(s) read; {len(report.errors)} error(s), {len(report.warnings)} "
                   f"warning(s){state} -> {store}")
        if rebuild_state:
            typer.echo(f"verify: state database rebuilt from the store ({store / STATE_FILE}); the damaged one, "
                       f"if any, was kept beside it as {STATE_FILE}.damaged-*")
        if report.repaired:
            typer.echo(f"verify: {len(report.repaired)} unit(s) sent back to planned and their shard data deleted; "
                       "rerun the same `m3leo extract` (or `m3leo tile`) to refetch exactly those")
        elif report.errors:
            typer.echo(f"verify: run `m3leo verify --store {store} --repair`, then rerun the same `m3leo extract`")
    raise typer.Exit(0 if report.ok else 1)
