"""ARIA Sentinel-1 GUNW interferograms (NASA JPL ARIA, distributed by ASF as NetCDF-4 products).

Real layout: one product per date pair and frame,

    S1-GUNW-<A|D>-<R|L>-<track>-tops-<reference>_<secondary>-<HHMMSS>-<lon>_<lat>-<pol>-<hash>-v<version>.nc
    e.g. S1-GUNW-A-R-064-tops-20200630_20200606-015142-00119W_00034N-PP-8f2a-v2_0_4.nc

with the layers under /science/grids/data (unwrappedPhase in radians, coherence 0-1, amplitude,
connectedComponents) on 1-D longitude/latitude grids (EPSG:4326, 3 arcsec), 0 as the fill value of the float
layers. They are read as GDAL subdatasets, `NETCDF:"<file>":/science/grids/data/<layer>`, with their own
georeferencing. Date pairs are labelled REFERENCE_SECONDARY (later date first), as M3LEO labels them.

Date-pair rules (M3LEO's `load_gunw_extended`): the pairs whose span (reference - secondary, days) lies in
[min_days, max_days] are kept, in ascending order of their label; `closest` (M3LEO "close") takes the last of
them, `farthest` ("far") the first, `mean` averages all of them per pixel (NaN-skipping). Each chip applies
the rule to the pairs whose products cover it, so neighbouring chips may take different pairs; the pair
each chip took is recorded with the period.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import RasterError, UsageError
from .base import SourceInfo, Variable, VrtBand, VrtSource, probe_file, source_spec, vrt_dir, write_vrt

GROUP = "/science/grids/data"
RULES = ("closest", "farthest", "mean")
_ALIASES = {"close": "closest", "far": "farthest"}
_NAME = re.compile(r"S1-GUNW-(?P<direction>[AD])-(?P<look>[RL])-(?P<track>\d{3})-tops-(?P<reference>\d{8})_"
                   r"(?P<secondary>\d{8})-(?P<time>\d{6})-(?P<lon>\d{5}[EW])_(?P<lat>\d{5}[NS])-(?P<pol>[A-Z]{2})-"
                   r"(?P<hash>[0-9a-f]{4})-v(?P<version>\d+_\d+_\d+)\.nc$")

INFO = SourceInfo(
    name="gunw",
    title="ARIA Sentinel-1 Geocoded Unwrapped Interferograms (GUNW), one product per date pair and frame",
    default_root="https://grfn.asf.alaska.edu/door/download/",
    layout="S1-GUNW-<A|D>-<R|L>-<track>-tops-<reference>_<secondary>-<HHMMSS>-<lon>_<lat>-<pol>-<hash>-"
           "v<version>.nc; layers under /science/grids/data",
    native_grid="EPSG:4326, 3 arcsec (~90 m), 1-D longitude/latitude grids per product",
    temporal="date pairs (reference, secondary); periods are a rule over a window of days",
    licence="NASA Earth science data: open, no restriction (EOSDIS data use policy); contains modified "
            "Copernicus Sentinel data. Downloads need a free Earthdata login",
    citation="ARIA Sentinel-1 Geocoded Unwrapped Interferograms, NASA JPL, distributed by ASF DAAC",
    m3leo="interferometric GUNW (unwrapped phase, coherence, amplitude)",
    variables=(
        Variable("unwrappedPhase", "rad", "float32", 0.0, resampling="nearest",
                 description="unwrapped interferometric phase; nearest, so no value is averaged across a 2 pi "
                             "jump or a connected-component boundary"),
        Variable("coherence", "coherence (0-1)", "float32", 0.0, description="interferometric coherence"),
        Variable("amplitude", "amplitude (as stored)", "float32", 0.0, description="radar amplitude"),
        Variable("connectedComponents", "component id", "int16", -1, resampling="nearest", kind="categorical",
                 description="unwrapping connected components"),
    ),
    options={"rules": list(RULES), "group": GROUP},
)


@dataclass(frozen=True, order=True)
class Product:
    """A GUNW product file and what its name says."""

    label: str  # REFERENCE_SECONDARY, M3LEO's date-pair label
    path: str
    direction: str
    track: int
    reference: date
    secondary: date

    @property
    def days(self) -> int:
        return (self.reference - self.secondary).days

    def subdataset(self, variable: str) -> str:
        return f'NETCDF:"{self.path}":{GROUP}/{variable}'


def parse_name(path: str) -> Product:
    name = path.rsplit("/", 1)[-1]
    m = _NAME.match(name)
    if not m:
        raise UsageError(f"{name} is not an ARIA GUNW product name (S1-GUNW-A-R-064-tops-20200630_20200606-"
                         "015142-00119W_00034N-PP-8f2a-v2_0_4.nc); give GUNW .nc products")
    ref, sec = (datetime.strptime(m[k], "%Y%m%d").date() for k in ("reference", "secondary"))
    return Product(f"{m['reference']}_{m['secondary']}", path, m["direction"], int(m["track"]), ref, sec)


def normalise_rule(rule: str) -> str:
    r = _ALIASES.get(rule, rule)
    if r not in RULES:
        raise UsageError(f"--pairs {rule!r} is not a date-pair rule; use one of {', '.join(RULES)}")
    return r


def pick_pairs(labels: Iterable[str], rule: str, min_days: int = 0, max_days: int = 9999) -> list[str]:
    """The date-pair labels (REFERENCE_SECONDARY) `rule` takes out of `labels`, as M3LEO's loader does."""
    rule = normalise_rule(rule)
    inside = []
    for label in sorted(set(labels)):
        ref, sec = (datetime.strptime(p, "%Y%m%d") for p in label.split("_"))
        if min_days <= (ref - sec).days <= max_days:
            inside.append(label)
    if not inside:
        return []
    if rule == "closest":
        return inside[-1:]
    if rule == "farthest":
        return inside[:1]
    return inside


def find_products(products: str | Sequence[str], download_dir: str | Path | None = None) -> list[Product]:
    """A folder of products, or a comma-separated list (or sequence) of files / https URLs (downloaded with
    the Earthdata login)."""
    items = [p.strip() for p in products.split(",")] if isinstance(products, str) else list(products)
    items = [p for p in items if p]
    if not items:
        raise UsageError("--products is empty; give a folder of GUNW .nc products or a comma-separated list")
    out: list[Product] = []
    urls = [i for i in items if i.startswith(("http://", "https://"))]
    login = None
    if urls:
        from .earthdata import require_login

        login = require_login()
    for item in items:
        if item in urls:
            from .earthdata import download

            parse_name(item)  # a bad name fails before any download
            assert login is not None and download_dir is not None
            out.append(parse_name(str(download(item, download_dir, login))))
            continue
        p = Path(item).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.rglob("S1-GUNW-*.nc") if f.is_file())
            if not found:
                raise UsageError(f"{item}: the folder holds no S1-GUNW-*.nc product; check --products")
            out.extend(parse_name(str(f.resolve())) for f in found)
        elif p.is_file():
            out.append(parse_name(str(p.resolve())))
        else:
            raise UsageError(f"{item}: no such product file or folder; check --products")
    return sorted(set(out))


def pair_vrts(products: Sequence[Product], variable: str, out_dir: Path) -> dict[str, tuple[Path, list[str]]]:
    """One VRT per date pair mosaicking its frames' `variable`: {label: (vrt, subdatasets)}."""
    by_pair: dict[str, list[Product]] = {}
    for p in products:
        by_pair.setdefault(p.label, []).append(p)
    v = INFO.variable(variable)
    out = {}
    for label, prods in sorted(by_pair.items()):
        sources, subs = [], []
        for p in prods:
            r = probe_file(p.subdataset(v.name))
            if r is None:
                raise RasterError(f"{p.path} has no {GROUP}/{v.name}; is it a GUNW product?")
            sources.append(VrtSource(r, nodata=v.nodata))
            subs.append(p.subdataset(v.name))
        out[label] = (write_vrt(out_dir / f"{v.name}_{label}.vrt", [VrtBand(v.name, tuple(sources))]), subs)
    return out


def tile_gunw(store_dir: str | Path, aoi: Any, *, products: str | Sequence[str], var: str = "coherence",
              rule: str = "closest", min_days: int = 0, max_days: int = 9999, collection: str | None = None,
              resolution: float = 10.0, period: str | None = None, **tile_kw: Any) -> Any:
    """Pick a date pair (or the mean of the pairs) per chip by `rule` within [min_days, max_days] and tile
    `var` into `collection` (default gunw_<var>), period `<rule>_<min>-<max>d`."""
    from ..store import ChipStore
    from ..tile import tile  # ~2 s (rasterio, zarr): `m3leo catalog` imports sources for SOURCES only

    rule = normalise_rule(rule)
    if not 0 <= min_days <= max_days:
        raise UsageError(f"--min-days {min_days} / --max-days {max_days}: need 0 <= min-days <= max-days")
    v = INFO.variable(var)
    found = find_products(products, vrt_dir(store_dir, "gunw") / "downloads")
    if not pick_pairs([p.label for p in found], rule, min_days, max_days):
        raise UsageError(f"no date pair of the {len(found)} product(s) spans {min_days}-{max_days} days "
                         f"(pairs: {', '.join(sorted({p.label for p in found})[:6])}); widen the window")
    vrts = pair_vrts(found, v.name, vrt_dir(store_dir, "gunw"))
    label_of = {str(path): label for label, (path, _) in vrts.items()}
    chosen: dict[str, list[str]] = {}

    def choose(chip: Any, inputs: Sequence[Any]) -> list[int]:
        labels = [label_of[i.path] for i in inputs]
        keep = set(pick_pairs(labels, rule, min_days, max_days))
        idx = [k for k, lab in enumerate(labels) if lab in keep]
        if idx:
            chosen[chip.chip_id] = sorted(keep)
        return idx

    name = collection or f"gunw_{v.name}"
    label = period or f"{rule}_{min_days}-{max_days}d"
    spec = source_spec(name, INFO, [v], resolution, variable=v.name)
    prov = {"source": "gunw", "variable": f"{GROUP}/{v.name}", "rule": rule, "min_days": min_days,
            "max_days": max_days,
            "pairs": {lab: subs for lab, (_, subs) in vrts.items()
                      if lab in pick_pairs(list(vrts), "mean", min_days, max_days)}}
    report = tile([str(p) for p, _ in vrts.values()], store_dir, name, aoi=aoi, resolution=resolution,
                  resampling=v.resampling, period=label, spec=spec, provenance=prov, choose=choose,
                  combine="mean" if rule == "mean" else "first", **tile_kw)
    if report.chips_written:
        ChipStore.open(store_dir, mode="r+").record_period(name, label, chip_pairs=chosen)
    return report
