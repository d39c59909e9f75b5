"""Input checks the commands run before anything is written or requested (each raises a `UsageError`).

`check_coverage` refuses periods that have not begun, then defers to the catalog's `check_coverage` (each
asset's real dates, `Recipe.covers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .errors import CollectionError, PeriodError, UsageError


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


def check_coverage(recipes: Sequence[Any], periods: Sequence[Any], today: dt.date | None = None) -> None:
    """Refuse periods that have not begun, then periods a recipe has no data for (its asset's catalogue dates)."""
    from .catalog import check_coverage as catalog_check

    today = today or dt.date.today()
    for p in periods:
        if p.start > today:
            raise PeriodError(f"period {p.label} has not begun yet (today is {today}); give a past period")
    catalog_check(recipes, periods, today)


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
