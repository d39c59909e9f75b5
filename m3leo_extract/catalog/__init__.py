"""Collection recipes: declarative data (recipes.toml, or the user's TOML files) validated into `Recipe`s.

No Earth Engine here: the expression for a recipe is built by `m3leo_extract.ee.expressions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import tomllib

from ..defaults import CHIP_SIZE_M
from ..errors import CollectionError, PeriodError
from ..nodata import is_nan
from .entry import CatalogEntry
from .period import Period, PeriodKind, expand, parse_label, parse_periods

if TYPE_CHECKING:
    from ..shards import CollectionSpec

__all__ = ["Band", "CatalogEntry", "Recipe", "Period", "PeriodKind", "load_catalog", "get_recipe", "parse_collections",
           "parse_periods", "parse_label", "check_coverage", "BUILTIN_CATALOG"]

BUILTIN_CATALOG = Path(__file__).with_name("recipes.toml")
KINDS = ("categorical", "continuous")
TEMPORAL = ("single", "yearly", "seasonal", "monthly")
DTYPES = ("uint8", "uint16", "int16", "int32", "float32", "float64")
BUILDERS = ("s1", "s2", "single_image_collection", "ghsl_epoch", "yearly_collection", "dem", "lonlat",
            "collection_composite")
EARLIEST_IMAGERY = date(1972, 7, 23)  # Landsat 1: nothing in Earth Engine's catalogue is older
REDUCERS = ("median", "mean", "min", "max", "mosaic", "first", "none")


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    source: str
    units: str = ""
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Recipe(CatalogEntry):
    """An Earth Engine collection recipe (name, title, temporal rule, M3LEO component, options: `CatalogEntry`)."""

    asset: str
    builder: str
    kind: str
    dtype: str
    nodata: float
    resolution: float
    native_resolution: float
    reducer: str
    version: int
    bands: tuple[Band, ...]
    remote: bool = True
    classes: Mapping[int, str] = field(default_factory=dict)
    assets_by_year: Mapping[int, str] = field(default_factory=dict)
    all_bands: tuple[str, ...] = ()
    source_file: str = ""
    coverage_start: date | None = None  # the asset's first date (google/earthengine-catalog's extent)
    coverage_end: date | None = None  # exclusive; None while the asset is ongoing

    def __hash__(self) -> int:  # options/classes are dicts: hash on identity fields
        return hash((self.name, self.asset, self.version, self.bands))

    @property
    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]

    @property
    def chip_px(self) -> int:
        return int(round(CHIP_SIZE_M / self.resolution))

    @property
    def resampling(self) -> str:
        return "nearest" if self.kind == "categorical" else "bilinear"

    def with_options(self, **overrides: Any) -> Recipe:
        """A copy with builder options overridden (e.g. s2 band_set="all", s1 scale="linear")."""
        unknown = set(overrides) - set(self.options)
        if unknown:
            raise CollectionError(f"recipe {self.name!r} has no option(s) {sorted(unknown)}; "
                                  f"options are {sorted(self.options)}")
        opts = {**self.options, **overrides}
        rec = replace(self, options=opts)
        if self.name == "s2" and opts.get("band_set") == "all":
            bands = tuple(Band(b, b, "reflectance", 0.0001) for b in self.all_bands)
            rec = replace(rec, bands=bands)
        if self.name == "s1" and opts.get("scale") == "linear":
            rec = replace(rec, bands=tuple(replace(b, units="linear power") for b in self.bands))
        return rec

    def covers(self, period: Period, today: date | None = None) -> bool:
        """Whether the asset can have data in `period`: it overlaps the asset's coverage and has begun.

        Single-image recipes (a DEM, a land-cover map) serve any period since the first satellite imagery from
        their one image (or the version nearest it), so only time series are judged by their asset's dates.
        Without a recorded coverage, anything since then may hold data.
        """
        if not self.remote:
            return True
        today = today or date.today()
        if period.start > today:
            return False
        if self.temporal == "single":  # served from the version nearest the period, but never before any imagery
            return period.end > EARLIEST_IMAGERY
        if self.coverage_start is not None and period.end <= self.coverage_start:
            return False
        return self.coverage_end is None or period.start < self.coverage_end

    def coverage_text(self) -> str:
        start = self.coverage_start.isoformat() if self.coverage_start else "?"
        return f"{start} to {self.coverage_end.isoformat() if self.coverage_end else 'now'}"

    def periods(self, period: Period) -> list[Period]:
        """The composites this recipe makes for a requested period."""
        return expand(period, self.temporal)

    def asset_for(self, period: Period) -> str:
        """The asset id for a period (WorldCover v100 is 2020, v200 is 2021)."""
        if not self.assets_by_year:
            return self.asset
        years = sorted(self.assets_by_year)
        if period.year in self.assets_by_year:
            return self.assets_by_year[period.year]
        nearest = min(years, key=lambda y: abs(y - period.year))
        return self.assets_by_year[nearest]

    def store_spec(self) -> CollectionSpec:
        """The store's CollectionSpec for this recipe."""
        from ..collection_attrs import CollectionAttrs
        from ..shards import CollectionSpec  # imports zarr (~0.3 s): only the callers that write a store pay it

        return CollectionSpec(
            name=self.name, bands=tuple(self.band_names), dtype=self.dtype, nodata=self.nodata,
            resolution=float(self.resolution), chip_px=self.chip_px, kind=self.kind,
            attrs=CollectionAttrs(
                recipe=self.name, title=self.title, asset=self.asset, recipe_version=self.version,
                temporal=self.temporal, reducer=self.reducer, m3leo=self.m3leo,
                units=tuple(b.units for b in self.bands), scale=tuple(b.scale for b in self.bands),
                offset=tuple(b.offset for b in self.bands), sources=tuple(b.source for b in self.bands),
                classes={str(k): v for k, v in self.classes.items()}, options=dict(self.options)),
        )

    def describe(self) -> dict[str, Any]:
        """Everything about the recipe as plain JSON-able data."""
        return {
            "name": self.name, "title": self.title, "asset": self.asset, "builder": self.builder,
            "kind": self.kind, "dtype": self.dtype,
            "nodata": None if is_nan(self.nodata) else self.nodata,
            "resolution_m": self.resolution, "native_resolution_m": self.native_resolution,
            "chip_px": self.chip_px, "temporal": self.temporal, "reducer": self.reducer, "version": self.version,
            "remote": self.remote, "m3leo": self.m3leo, "options": dict(self.options),
            "bands": [{"name": b.name, "source": b.source, "units": b.units, "scale": b.scale,
                       "offset": b.offset} for b in self.bands],
            "classes": {str(k): v for k, v in self.classes.items()},
            "assets_by_year": {str(k): v for k, v in self.assets_by_year.items()},
            "coverage": {k: v.isoformat() for k, v in (("start", self.coverage_start), ("end", self.coverage_end))
                         if v is not None},
            "source_file": self.source_file,
        }


def _bad(src: str, name: str, fld: str, msg: str) -> CollectionError:
    return CollectionError(f"{src}: recipe [{name}] field '{fld}': {msg}")


_KNOWN_FIELDS = frozenset({"title", "asset", "builder", "kind", "dtype", "nodata", "resolution", "native_resolution",
                           "temporal", "reducer", "version", "bands", "m3leo", "remote", "options", "classes",
                           "assets_by_year", "all_bands", "coverage"})
_BAND_KEYS = ("name", "source", "units", "scale", "offset")


def _recipe_from_table(name: str, t: Mapping[str, Any], src: str, base: Recipe | None) -> Recipe:
    """Validate one TOML table into a Recipe. A table that names an existing recipe overrides its fields."""
    for key in t:
        if key not in _KNOWN_FIELDS:
            raise _bad(src, name, key, f"unknown field; allowed: {', '.join(sorted(_KNOWN_FIELDS))}")
    d = {**_base_fields(base), **t}
    for req in ("asset", "kind", "dtype", "resolution", "bands"):
        if req not in d:
            raise _bad(src, name, req, "is required")
    _check_choices(d, src, name)
    _check_resolutions(d, src, name)
    bands = _bands(d["bands"], src, name)  # checked in this order: the first error met is the one reported
    dt = np.dtype(d["dtype"])
    nodata = _nodata(d.get("nodata", 0), dt, src, name)
    version = d.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _bad(src, name, "version", f"must be a positive integer, got {version!r}")
    classes = _classes(d, src, name)
    options = d.get("options", {}) or {}
    if not isinstance(options, dict):
        raise _bad(src, name, "options", "must be a table")
    cov_start, cov_end = _coverage(d.get("coverage") or {}, src, name)
    return Recipe(
        name=name, title=str(d.get("title", name)), asset=str(d["asset"]), builder=d["builder"],
        kind=d["kind"], dtype=str(dt), nodata=nodata,
        resolution=d["resolution"], native_resolution=d["native_resolution"], temporal=d["temporal"],
        reducer=d["reducer"], version=version, bands=bands, m3leo=str(d.get("m3leo", "")),
        remote=bool(d.get("remote", d["builder"] != "lonlat")), options=options, classes=classes,
        assets_by_year={int(k): str(v) for k, v in (d.get("assets_by_year") or {}).items()},
        all_bands=tuple(d.get("all_bands", ())), source_file=src, coverage_start=cov_start, coverage_end=cov_end,
    )


def _base_fields(base: Recipe | None) -> dict[str, Any]:
    """The TOML-shaped fields of the recipe a table overrides (nothing for a new recipe)."""
    if base is None:
        return {}
    d = base.describe()
    for key in ("source_file", "chip_px"):
        d.pop(key, None)
    d["resolution"] = d.pop("resolution_m")
    d["native_resolution"] = d.pop("native_resolution_m")
    d["nodata"] = base.nodata
    d["bands"] = [{k: getattr(b, k) for k in _BAND_KEYS} for b in base.bands]
    d["all_bands"] = list(base.all_bands)
    return d


def _check_choices(d: dict[str, Any], src: str, name: str) -> None:
    """Fill the defaulted choices (temporal, builder, reducer) and check every choice field."""
    d.setdefault("temporal", "single")
    d.setdefault("builder", "collection_composite")
    d.setdefault("reducer", "median")
    choices = {"kind": KINDS, "temporal": TEMPORAL, "dtype": DTYPES, "builder": BUILDERS, "reducer": REDUCERS}
    for fld, allowed in choices.items():
        if d[fld] not in allowed:
            raise _bad(src, name, fld, f"{d[fld]!r} is not allowed; use one of {', '.join(allowed)}")


def _check_resolutions(d: dict[str, Any], src: str, name: str) -> None:
    """Resolution and native resolution as positive floats (native defaults to the chip resolution)."""
    for fld in ("resolution", "native_resolution"):
        v = d.get(fld, d["resolution"])
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0:
            raise _bad(src, name, fld, f"must be a positive number of metres, got {v!r}")
        d[fld] = float(v)
    if CHIP_SIZE_M % d["resolution"] != 0:
        raise _bad(src, name, "resolution", f"{d['resolution']} m does not divide the {CHIP_SIZE_M} m chip; "
                   "use e.g. 5, 10, 20, 40, 50, 100")


def _bands(bands_raw: Any, src: str, name: str) -> tuple[Band, ...]:
    if not isinstance(bands_raw, list) or not bands_raw:
        raise _bad(src, name, "bands", "must be a non-empty list of {name, source, units, scale, offset}")
    bands = []
    for i, b in enumerate(bands_raw):
        if isinstance(b, str):
            b = {"name": b, "source": b}
        if not isinstance(b, dict) or "name" not in b:
            raise _bad(src, name, f"bands[{i}]", "must be a table with at least 'name' (and 'source')")
        extra = set(b) - set(_BAND_KEYS)
        if extra:
            raise _bad(src, name, f"bands[{i}]", f"unknown keys {sorted(extra)}; allowed: name, source, units, "
                       "scale, offset")
        bands.append(Band(str(b["name"]), str(b.get("source", b["name"])), str(b.get("units", "")),
                          float(b.get("scale", 1.0)), float(b.get("offset", 0.0))))
    return tuple(bands)


def _nodata(nodata: Any, dt: np.dtype, src: str, name: str) -> float | int:
    """The recipe's nodata in its dtype: an integer in range, or a float (TOML has no NaN literal: None)."""
    if nodata is None:
        nodata = float("nan")
    if not isinstance(nodata, (int, float)) or isinstance(nodata, bool):
        raise _bad(src, name, "nodata", f"must be a number (or nan for floats), got {nodata!r}")
    if dt.kind not in "ui":
        return float(nodata)
    info = np.iinfo(dt)
    if is_nan(nodata) or (isinstance(nodata, float) and not nodata.is_integer()) \
            or not info.min <= nodata <= info.max:
        raise _bad(src, name, "nodata", f"{nodata!r} does not fit dtype {dt} ({info.min}..{info.max})")
    return int(nodata)


def _classes(d: Mapping[str, Any], src: str, name: str) -> dict[int, str]:
    classes = d.get("classes", {}) or {}
    try:
        classes = {int(k): str(v) for k, v in classes.items()}
    except (ValueError, AttributeError):
        raise _bad(src, name, "classes", "must map integer class codes to labels") from None
    if d["kind"] == "categorical" and not classes:
        raise _bad(src, name, "classes", "a categorical recipe needs its class codes and labels")
    return classes


def _coverage(t: Any, src: str, name: str) -> tuple[date | None, date | None]:
    if not isinstance(t, dict) or set(t) - {"start", "end"}:
        raise _bad(src, name, "coverage", 'must be a table { start = "YYYY-MM-DD", end = "YYYY-MM-DD" } (end optional)')
    out: list[date | None] = []
    for key in ("start", "end"):
        v = t.get(key)
        if v is None or isinstance(v, date):
            out.append(v)
            continue
        try:
            out.append(date.fromisoformat(str(v)))
        except ValueError:
            raise _bad(src, name, "coverage", f"{key} {v!r} is not a YYYY-MM-DD date") from None
    if out[0] and out[1] and out[1] <= out[0]:
        raise _bad(src, name, "coverage", "end must follow start")
    return out[0], out[1]


def check_coverage(recipes: Sequence[Recipe], periods: Sequence[Period], today: date | None = None) -> None:
    """Refuse, before any request, a period no composite of a recipe can have data in (PeriodError)."""
    for recipe in recipes:
        for period in periods:
            if not any(recipe.covers(comp, today) for comp in recipe.periods(period)):
                raise PeriodError(
                    f"collection {recipe.name!r} has no data in period {period.label} ({period.start} to "
                    f"{period.end}): {recipe.asset} covers {recipe.coverage_text()}; choose a period inside it")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise CollectionError(f"catalog file {path} does not exist; pass an existing .toml file or folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise CollectionError(f"{path}: not valid TOML ({exc}); fix the file or remove it from --catalog") from None


def _catalog_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(p.glob("*.toml")))
        else:
            files.append(p)
    return files


def load_catalog(extra: Iterable[str | Path] = ()) -> dict[str, Recipe]:
    """The built-in recipes plus the user's (files or folders of .toml), later files overriding earlier."""
    recipes: dict[str, Recipe] = {}
    for path in [BUILTIN_CATALOG, *_catalog_files(extra)]:
        doc = _read_toml(path)
        for name, table in doc.items():
            if not isinstance(table, dict):
                raise CollectionError(f"{path}: top-level key {name!r} must be a [table] describing a recipe")
            if not name.replace("_", "").isalnum():
                raise CollectionError(f"{path}: recipe name {name!r} must be letters, digits and underscores")
            recipes[name] = _recipe_from_table(name, table, str(path), recipes.get(name))
    return recipes


def get_recipe(name: str, catalog: Mapping[str, Recipe] | None = None) -> Recipe:
    catalog = catalog if catalog is not None else load_catalog()
    try:
        return catalog[name]
    except KeyError:
        raise CollectionError(f"unknown collection {name!r}; known: {', '.join(sorted(catalog))} "
                              "(add your own with --catalog FILE.toml)") from None


def parse_collections(text: str, catalog: Mapping[str, Recipe] | None = None) -> list[Recipe]:
    """Parse a --collections value ("s1,s2,esa_worldcover") into recipes, in the order given."""
    catalog = catalog if catalog is not None else load_catalog()
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    if not names:
        raise CollectionError(f"no collection given; choose from {', '.join(sorted(catalog))}")
    seen: dict[str, Recipe] = {}
    for n in names:
        seen.setdefault(n, get_recipe(n, catalog))
    return list(seen.values())
