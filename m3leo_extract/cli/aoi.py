"""`m3leo aoi list|show|validate`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from . import app

aoi_app = typer.Typer(help="Areas of interest: the aois/ folder or any vector file.", no_args_is_help=True)
app.add_typer(aoi_app, name="aoi")


@aoi_app.command("list")
def list_() -> None:
    """Named AOIs (aois/ or $M3LEO_AOI_DIR)."""
    from ..aoi import aoi_dir, list_aois, load_aoi

    names = list_aois()
    if not names:
        typer.echo(f"no AOIs in {aoi_dir()}")
        return
    for name in names:
        a = load_aoi(name)
        x0, y0, x1, y1 = a.bounds
        typer.echo(f"{name:14} {a.area_km2():>14,.0f} km2   lon {x0:8.3f}..{x1:8.3f}  lat {y0:7.3f}..{y1:7.3f}")


@aoi_app.command()
def show(aoi: Annotated[str, typer.Argument(help="AOI name or vector file path.")],
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Bounds, area and chip count of an AOI."""
    from ..aoi import load_aoi
    from ..grid import chip_arrays

    a = load_aoi(aoi)
    info = {**a.describe(), "chips": len(chip_arrays(a.geometry))}
    if as_json:
        typer.echo(json.dumps(info))
    else:
        for k, v in info.items():
            typer.echo(f"{k:9} {v}")


@aoi_app.command()
def validate(aoi: Annotated[str, typer.Argument(help="AOI name or vector file path.")]) -> None:
    """Check that an AOI can be used (exit 2 with the reason if not)."""
    from ..aoi import load_aoi
    from ..grid import check_latitudes

    a = load_aoi(aoi)
    check_latitudes(a.geometry)
    typer.echo(f"ok: {a.name} ({a.source}), {a.area_km2():,.1f} km2")
