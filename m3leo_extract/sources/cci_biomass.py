"""ESA CCI Biomass: global above-ground biomass (AGB, Mg/ha) and its standard deviation, 100 m, per year.

Real layout (CEDA archive, /neodc/esacci/biomass/data/agb/maps/v<version>/):

    netcdf:  ESACCI-BIOMASS-L4-AGB-MERGED-100m-<year>-fv<version>.nc           variables agb, agb_sd
    geotiff: <TILE>_ESACCI-BIOMASS-L4-AGB-MERGED-100m-<year>-fv<version>.tif     (AGB)
             <TILE>_ESACCI-BIOMASS-L4-AGB_SD-MERGED-100m-<year>-fv<version>.tif  (its standard deviation)

EPSG:4326, 1/1125 degree pixels (~100 m); the GeoTIFFs are 10 x 10 degree tiles named by their upper-left
corner (N50E010 covers 40-50 N, 10-20 E). When the root holds the year's NetCDF it is read as GDAL
subdatasets (`NETCDF:"file.nc":agb`); otherwise the tiles covering the AOI are mosaicked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RasterError, UsageError
from .base import SourceInfo, Variable, VrtBand, VrtSource, parse_root, probe_file, source_spec, vrt_dir, write_vrt
from .gssic import tiles_for

DEFAULT_ROOT = "https://dap.ceda.ac.uk/neodc/esacci/biomass/data/agb/maps/v4.0/geotiff/2020"
DEFAULT_VERSION = "4.0"
YEARS = (2010, 2015, 2016, 2017, 2018, 2019, 2020, 2021)
TILE_DEG = 10

INFO = SourceInfo(
    name="cci_biomass",
    title="ESA CCI Biomass: above-ground biomass (AGB) and its standard deviation, 100 m",
    default_root=DEFAULT_ROOT,
    layout=("<root>/ESACCI-BIOMASS-L4-AGB-MERGED-100m-<year>-fv<version>.nc (variables agb, agb_sd), or "
            "<root>/<TILE>_ESACCI-BIOMASS-L4-AGB[_SD]-MERGED-100m-<year>-fv<version>.tif, TILE = upper-left "
            "corner of a 10 x 10 degree tile, e.g. N50E010"),
    native_grid="EPSG:4326, 1/1125 deg (~100 m); GeoTIFF tiles of 10 x 10 degrees",
    temporal="yearly (2010, 2015-2021 depending on the version)",
    licence="ESA CCI data policy: free and open use with attribution (cite the dataset and version)",
    citation="Santoro, M.; Cartus, O. ESA Biomass Climate Change Initiative (Biomass_cci): Global datasets of "
             "forest above-ground biomass, NERC EDS Centre for Environmental Data Analysis (CEDA)",
    m3leo="above-ground biomass (ESA CCI)",
    variables=(
        Variable("agb", "Mg/ha", "uint16", None, description="above-ground biomass"),
        Variable("agb_sd", "Mg/ha", "uint16", None, description="standard deviation of the AGB estimate"),
    ),
    options={"years": list(YEARS), "version": DEFAULT_VERSION},
)


def nc_name(year: int, version: str = DEFAULT_VERSION) -> str:
    return f"ESACCI-BIOMASS-L4-AGB-MERGED-100m-{year}-fv{version}.nc"


def tif_name(tile: str, var: str, year: int, version: str = DEFAULT_VERSION) -> str:
    kind = "AGB_SD" if var == "agb_sd" else "AGB"
    return f"{tile}_ESACCI-BIOMASS-L4-{kind}-MERGED-100m-{year}-fv{version}.tif"


def _variables(var: str) -> list[Variable]:
    names = [v.strip() for v in var.split(",") if v.strip()]
    if not names:
        raise UsageError("--var is empty; use agb, agb_sd or agb,agb_sd")
    return [INFO.variable(n) for n in names]


def build_vrt(geometry: Any, year: int, var: str, root_text: str, out_dir: str | Path,
              endpoint_url: str | None = None, version: str = DEFAULT_VERSION) -> tuple[Path, list[str], dict]:
    """The year's NetCDF subdatasets, else the GeoTIFF tiles covering `geometry`, as one VRT (a band per var)."""
    if year not in YEARS:
        raise UsageError(f"--year {year}: ESA CCI Biomass maps exist for {', '.join(map(str, YEARS))}")
    variables = _variables(var)
    root = parse_root(root_text, endpoint_url)
    nc = root.path(nc_name(year, version))
    nc_ok = root.kind == "local" and Path(nc).is_file()
    bands, paths = [], []
    for v in variables:
        sources = []
        if nc_ok:
            sub = f'NETCDF:"{nc}":{v.name}'
            r = probe_file(sub, root.env)
            if r is None:
                raise RasterError(f"{nc} has no variable {v.name}; is it an ESA CCI Biomass map?")
            sources.append(VrtSource(r, nodata=v.nodata))
            paths.append(sub)
        else:
            for tile, _ in tiles_for(geometry, TILE_DEG):
                path = root.path(tif_name(tile, v.name, year, version))
                r = probe_file(path, root.env)
                if r is not None:
                    sources.append(VrtSource(r, nodata=v.nodata if v.nodata is not None else r.nodata))
                    paths.append(path)
        if not sources:
            raise RasterError(f"no ESA CCI Biomass {year} {v.name} file covers the AOI under {root_text} (looked "
                              f"for {nc_name(year, version)} and the 10-degree tiles); check --root and --year")
        bands.append(VrtBand(v.name, tuple(sources)))
    vrt = write_vrt(Path(out_dir) / f"{year}_{'_'.join(v.name for v in variables)}.vrt", bands)
    return vrt, paths, root.env


def tile_biomass(store_dir: str | Path, aoi: Any, *, year: int, var: str = "agb", root: str | None = None,
                 endpoint_url: str | None = None, collection: str | None = None, resolution: float = 10.0,
                 period: str | None = None, version: str = DEFAULT_VERSION, **tile_kw: Any) -> Any:
    """Tile AGB (and/or agb_sd) of `year` into `collection` (default cci_biomass), period the year."""
    from ..tile import tile  # ~2 s (rasterio, zarr): `m3leo catalog` imports sources for SOURCES only

    if aoi is None:
        raise UsageError("--source cci_biomass needs --aoi (the tiles are worked out from it)")
    variables = _variables(var)
    name = collection or "cci_biomass"
    vrt, paths, env = build_vrt(aoi, year, var, root or DEFAULT_ROOT, vrt_dir(store_dir, "cci_biomass"),
                                endpoint_url, version)
    spec = source_spec(name, INFO, variables, resolution, year=year, version=version)
    prov = {"source": "cci_biomass", "variable": [v.name for v in variables], "year": year, "version": version,
            "root": root or DEFAULT_ROOT, "files": paths[:200], "vrt": str(vrt)}
    return tile([str(vrt)], store_dir, name, aoi=aoi, resolution=resolution, resampling="bilinear",
                period=period or str(year), spec=spec, gdal_env=env, provenance=prov, **tile_kw)
