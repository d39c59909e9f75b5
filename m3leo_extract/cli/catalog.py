"""`m3leo catalog list|show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from . import app

catalog_app = typer.Typer(help="List and show collection recipes.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

CatalogOpt = Annotated[list[Path] | None, typer.Option("--catalog", help="Extra recipe TOML file or folder.")]


@catalog_app.command("list")
def list_cmd(catalog: CatalogOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Name, asset, bands, resolution, kind and temporal rule of every recipe."""
    from ..catalog import load_catalog
    from ..checks import check_catalog_paths

    check_catalog_paths(catalog or ())
    recipes = load_catalog(catalog or ())
    if as_json:
        from ..sources import SOURCES

        typer.echo(json.dumps([r.describe() for r in recipes.values()]
                              + [s.describe() for s in SOURCES.values()], indent=2))
        return
    typer.echo(f"{'name':16} {'asset':38} {'kind':11} {'res':>5} {'temporal':9} bands")
    for r in recipes.values():
        typer.echo(f"{r.name:16} {r.asset or '(local)':38} {r.kind:11} {r.resolution:>4g}m {r.temporal:9} "
                   f"{','.join(r.band_names)}")
    from ..sources import SOURCES

    for s in SOURCES.values():  # external sources: `m3leo tile --source NAME` (docs/sources.md)
        typer.echo(f"{s.name:16} {s.default_root[:38]:38} {'source':11} {'':>5} {s.temporal.split()[0]:9} "
                   f"{','.join(v.name for v in s.variables)}")


@catalog_app.command("show")
def show_cmd(
    name: str,
    catalog: CatalogOpt = None,
    period: Annotated[str, typer.Option(help="Example period for the expression.")] = "2020",
    aoi: Annotated[str, typer.Option(help="Example AOI for the expression's region.")] = "demo",
    ee_url: Annotated[str | None, typer.Option("--ee-url", envvar="M3LEO_EE_URL",
                                                  help="Algorithm list endpoint (default: local emulator)")] = None,
) -> None:
    """Everything about one recipe, with the Earth Engine expression it builds for an example chip."""
    from ..sources import SOURCES

    if name in SOURCES:  # an external source: its layout, variables, grid and licence
        typer.echo(json.dumps(SOURCES[name].describe(), indent=2))
        return
    from ..catalog import get_recipe, load_catalog, parse_periods
    from ..checks import check_catalog_paths
    from ..expression_preview import preview

    check_catalog_paths(catalog or ())
    recipe = get_recipe(name, load_catalog(catalog or ()))
    periods = parse_periods(period)
    typer.echo(json.dumps(preview(recipe, periods[0], aoi, ee_url), indent=2))
