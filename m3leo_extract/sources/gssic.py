"""GSSIC: Global Seasonal Sentinel-1 Interferometric Coherence and Backscatter (Kellndorfer et al., 2022).

Real layout (AWS open data, bucket `sentinel-1-global-coherence-earthbigdata`, us-west-2, anonymous):

    data/tiles/<TILE>/<TILE>_<season>_<pol>_<metric>.tif      e.g. data/tiles/N48W090/N48W090_summer_vv_COH12.tif

1 x 1 degree GeoTIFF tiles, EPSG:4326, 3 arcsec pixels (1200 x 1200), the origin of the upper-left pixel on a
full degree. TILE names the tile's upper-left corner: N48W090 covers 47-48 N, 90-89 W. Seasons are northern
hemisphere names for Dec 2019 - Nov 2020: winter (DJF), spring (MAM), summer (JJA), fall (SON). No data is
the digital number 0 in every file. Coherence is stored as uint8 DN = 100 x coherence.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import shapely

from ..errors import RasterError, UsageError
from .base import SourceInfo, Variable, VrtBand, VrtSource, parse_root, probe_file, source_spec, vrt_dir, write_vrt

DEFAULT_ROOT = "s3://sentinel-1-global-coherence-earthbigdata/data/tiles"
SEASONS = {"winter": "2020-DJF", "spring": "2020-MAM", "summer": "2020-JJA", "fall": "2020-SON"}
POLS = ("vv", "vh", "hh", "hv")
COHERENCE = ("COH06", "COH12", "COH18", "COH24", "COH36", "COH48")

_COH = [Variable(c, "coherence (0-1)", "uint8", 0, scale=0.01,
                 description=f"median seasonal {int(c[3:])}-day repeat-pass coherence (VV or HH)")
        for c in COHERENCE]
INFO = SourceInfo(
    name="gssic",
    title="Global Seasonal Sentinel-1 Interferometric Coherence and Backscatter (Dec 2019 - Nov 2020)",
    default_root=DEFAULT_ROOT,
    layout="<root>/<TILE>/<TILE>_<season>_<pol>_<metric>.tif; TILE = upper-left corner, e.g. N48W090",
    native_grid="EPSG:4326, 3 arcsec (1/1200 deg, ~90 m), 1 x 1 degree tiles of 1200 x 1200 pixels",
    temporal="seasonal (winter=2020-DJF, spring=2020-MAM, summer=2020-JJA, fall=2020-SON)",
    licence="CC BY 4.0 (contains modified Copernicus Sentinel data)",
    citation="Kellndorfer, J. et al. Global seasonal Sentinel-1 interferometric coherence and backscatter data "
             "set. Sci Data 9, 73 (2022). doi:10.1038/s41597-022-01189-6",
    m3leo="GSSIC (seasonal coherence, backscatter and decay model)",
    variables=(
        *_COH,
        Variable("AMP", "DN (uint16 backscatter amplitude, as stored)", "uint16", 0,
                 description="mean seasonal backscatter amplitude per polarisation (vv, vh, hh, hv)"),
        Variable("rho", "DN (as stored)", "uint16", 0, description="coherence decay model: long-term coherence"),
        Variable("tau", "DN (as stored)", "uint16", 0, description="coherence decay model: decay rate"),
        Variable("rmse", "DN (as stored)", "uint16", 0, description="coherence decay model: fit error"),
    ),
    options={"seasons": list(SEASONS), "pols": list(POLS)},
)


def tile_id(lon_west: int, lat_north: int) -> str:
    """The name of the 1 x 1 degree tile whose upper-left corner is (lon_west, lat_north)."""
    return f"{'N' if lat_north >= 0 else 'S'}{abs(lat_north):02d}{'E' if lon_west >= 0 else 'W'}{abs(lon_west):03d}"


def tiles_for(geometry: Any, size: int = 1) -> list[tuple[str, tuple[int, int, int, int]]]:
    """(name, (west, south, east, north)) of the `size`-degree tiles (upper-left named) that the geometry
    overlaps with positive area, north to south, west to east."""
    x0, y0, x1, y1 = geometry.bounds
    out = []
    for south in range(int(math.floor(y1 / size)) * size, int(math.floor(y0 / size)) * size - 1, -size):
        for west in range(int(math.floor(x0 / size)) * size, int(math.ceil(x1 / size)) * size, size):
            box = shapely.box(west, south, west + size, south + size)
            if shapely.intersection(box, geometry).area > 0:
                out.append((tile_id(west, south + size), (west, south, west + size, south + size)))
    return out


def file_name(tile: str, season: str, pol: str, var: str) -> str:
    return f"{tile}_{season}_{pol}_{var}.tif"


def validate(season: str, var: str, pol: str) -> Variable:
    if season not in SEASONS:
        raise UsageError(f"--season {season!r} is not a GSSIC season; use one of {', '.join(SEASONS)}")
    v = INFO.variable(var)
    if pol not in POLS:
        raise UsageError(f"--pol {pol!r} is not known; use one of {', '.join(POLS)}")
    if v.name in COHERENCE and pol not in ("vv", "hh"):
        raise UsageError(f"GSSIC coherence is published for vv and hh only, not {pol}; use --pol vv or hh")
    return v


def build_vrt(geometry: Any, season: str, var: str, pol: str, root_text: str, out_dir: str | Path,
              endpoint_url: str | None = None) -> tuple[Path, list[str], list[str], dict[str, str]]:
    """Probe the tiles covering `geometry` where they are and write a VRT mosaic of them (physical values).

    Returns (vrt path, the tiles' paths, failure lines, the GDAL options to read them)."""
    v = validate(season, var, pol)
    root = parse_root(root_text, endpoint_url)
    wanted = tiles_for(geometry)
    if not wanted:
        raise UsageError("the AOI has no area; give a polygon AOI")
    sources, paths, failures = [], [], []
    for tile, _ in wanted:
        path = root.path(f"{tile}/{file_name(tile, season, pol, v.name)}")
        try:
            raster = probe_file(path, root.env)
        except RasterError as exc:
            failures.append(str(exc))
            continue
        if raster is None:
            continue  # GSSIC has no tile over open water: not an error
        sources.append(VrtSource(raster, scale=v.scale, offset=v.offset, nodata=v.nodata))
        paths.append(path)
    if not sources:
        more = f" ({'; '.join(failures[:2])})" if failures else ""
        raise RasterError(f"no GSSIC {season} {pol} {v.name} tile covers the AOI under {root_text} (looked for "
                          f"{', '.join(t for t, _ in wanted[:4])}{'...' if len(wanted) > 4 else ''}){more}; "
                          "check --root, --season, --var and --pol")
    band = f"{pol}_{v.name}"
    vrt = write_vrt(Path(out_dir) / f"{season}_{band}.vrt", [VrtBand(band, tuple(sources))])
    return vrt, paths, failures, root.env


def tile_gssic(store_dir: str | Path, aoi: Any, *, season: str, var: str, pol: str = "vv",
               root: str | None = None, endpoint_url: str | None = None, collection: str | None = None,
               resolution: float = 10.0, period: str | None = None, **tile_kw: Any) -> Any:
    """Tile one GSSIC variable for one season into `collection` (default gssic_<pol>_<var>), period the season."""
    from ..tile import tile  # ~2 s (rasterio, zarr): `m3leo catalog` imports sources for SOURCES only

    if aoi is None:
        raise UsageError("--source gssic needs --aoi (the tiles are worked out from it)")
    v = validate(season, var, pol)
    name = collection or f"gssic_{pol}_{v.name.lower()}"
    band = f"{pol}_{v.name}"
    vrt, paths, failures, env = build_vrt(aoi, season, v.name, pol, root or DEFAULT_ROOT,
                                          vrt_dir(store_dir, "gssic"), endpoint_url)
    spec = source_spec(name, INFO, [v], resolution, band_names=[band], season=season, pol=pol, variable=v.name)
    label = period or SEASONS[season]
    prov = {"source": "gssic", "variable": v.name, "season": season, "pol": pol, "root": root or DEFAULT_ROOT,
            "files": paths[:200], "vrt": str(vrt)}
    report = tile([str(vrt)], store_dir, name, aoi=aoi, resolution=resolution, resampling=v.resampling,
                  period=label, spec=spec, gdal_env=env, provenance=prov, **tile_kw)
    report.failures[:0] = failures
    return report

