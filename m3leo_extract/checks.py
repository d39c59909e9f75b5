"""Input checks the commands run before anything is written or requested (each raises a `UsageError`).

`check_coverage` refuses periods that have not begun, then defers to the catalog's own `check_coverage`
(each asset's real dates) when the catalog has one. Without it, `recipe_coverage` reads `coverage_start` /
`coverage_end` (or `start` / `end`) from the recipe or its options, and falls back to the satellite era (no
recipe here has imagery before Landsat 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import CollectionError, PeriodError, UsageError

SATELLITE_ERA_START = dt.date(1972, 7, 23)  # Landsat 1: the oldest imagery in Earth Engine's catalog


def check_collection_list(text: str) -> None:
    """A comma-separated collection list with no empty or repeated names."""
    names = [n.strip() for n in text.split(",")]
    if not any(names):
        raise CollectionError("--collections is empty; give e.g. s1,s2,esa_worldcover (`m3leo catalog list`)")
    seen: set[str] = set()
    for n in names:
        if not n:
            raise CollectionError(f"--collections {text!r} has an empty name; separate names by single commas")
        if n in seen:
            raise CollectionError(f"--collections names {n!r} twice; give each collection once")
        seen.add(n)


def check_catalog_paths(paths: Iterable[Path]) -> None:
    """Every --catalog is a TOML file, or a folder holding at least one."""
    for p in paths:
        if p.is_dir() and not any(p.glob("*.toml")):
            raise CollectionError(f"--catalog {p} is a folder without any .toml recipe file; give a TOML file or a "
                                  "folder of them")
        if not p.exists():
            raise CollectionError(f"--catalog {p} does not exist; give a recipe TOML file or a folder of them")


def _as_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text if len(text) > 4 else f"{text}-01-01")
    except ValueError:
        return None


def recipe_coverage(recipe: Any) -> tuple[dt.date | None, dt.date | None]:
    """(first, last) day a recipe has data for, when its catalog entry says (None: not recorded)."""
    opts = getattr(recipe, "options", None) or {}
    coverage = getattr(recipe, "coverage", None)
    if isinstance(coverage, (tuple, list)) and len(coverage) == 2:
        return _as_date(coverage[0]), _as_date(coverage[1])
    start = (getattr(recipe, "coverage_start", None) or getattr(recipe, "start", None) or opts.get("coverage_start")
             or opts.get("start"))
    end = getattr(recipe, "coverage_end", None) or getattr(recipe, "end", None) or opts.get("coverage_end") or \
        opts.get("end")
    return _as_date(start), _as_date(end)


def check_coverage(recipes: Sequence[Any], periods: Sequence[Any], today: dt.date | None = None) -> None:
    """Refuse periods a recipe has no data for, before any request is sent."""
    today = today or dt.date.today()
    for p in periods:
        if p.start > today:
            raise PeriodError(f"period {p.label} has not begun yet (today is {today}); give a past period")
    from . import catalog

    catalog_check = getattr(catalog, "check_coverage", None)  # the catalog's own, with each asset's real dates
    if catalog_check is not None:
        catalog_check(recipes, periods, today)
        return
    for r in recipes:
        if not getattr(r, "remote", True):
            continue
        first, last = recipe_coverage(r)
        first = first or SATELLITE_ERA_START
        for p in periods:
            if p.end <= first or (last is not None and p.start > last):
                span = f"{first}..{last or 'today'}"
                raise PeriodError(f"{r.name} has no data for period {p.label} (it covers {span}); give a period "
                                  "inside that range (`m3leo catalog show " + r.name + "`)")


def check_positive(name: str, value: float | None) -> None:
    if value is not None and not value > 0:
        raise UsageError(f"{name} {value:g} must be greater than 0")


def check_output_file(flag: str, path: Path | None) -> None:
    """An output file can be made: its folder exists and is a folder, and the path is not a folder."""
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{flag} {path}: the folder {parent} does not exist (or is a file); create it first")
    if path.is_dir():
        raise UsageError(f"{flag} {path} is a folder; give a file name")
