"""Areas of interest: a name from the aois/ folder or any vector file geopandas reads, as one lon/lat geometry."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from .errors import AOIError

_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".parquet", ".fgb", ".kml", ".gml")


def aoi_dir() -> Path:
    """The named AOIs: $M3LEO_AOI_DIR, else the aois/ folder shipped beside the package."""
    env = os.environ.get("M3LEO_AOI_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here / "aois", here.parent / "aois"):
        if cand.is_dir():
            return cand
    return here.parent / "aois"


@dataclass(frozen=True)
class AOI:
    name: str
    geometry: BaseGeometry  # EPSG:4326, valid, (Multi)Polygon
    source: str  # file it came from

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(self.geometry.bounds)  # type: ignore[return-value]

    def area_km2(self) -> float:
        import geopandas as gpd

        s = gpd.GeoSeries([self.geometry], crs=4326)
        return float(s.to_crs(s.estimate_utm_crs()).area.iloc[0] / 1e6)

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "source": self.source, "bounds": [round(v, 6) for v in self.bounds],
                "area_km2": round(self.area_km2(), 1), "parts": len(getattr(self.geometry, "geoms", [0]))}


def list_aois() -> list[str]:
    d = aoi_dir()
    return sorted(p.stem for p in d.glob("*.geojson")) if d.is_dir() else []


def _resolve(name_or_path: str) -> tuple[str, Path]:
    p = Path(name_or_path).expanduser()
    looks_like_path = p.suffix.lower() in _VECTOR_SUFFIXES or os.sep in name_or_path or p.exists()
    if looks_like_path:
        if not p.exists():
            raise AOIError(f"AOI file {str(p)!r} does not exist; give an existing vector file or one of the "
                           f"named AOIs: {', '.join(list_aois()) or '(none)'}")
        return p.stem, p
    named = aoi_dir() / f"{name_or_path}.geojson"
    if not named.is_file():
        raise AOIError(f"unknown AOI {name_or_path!r}; named AOIs are {', '.join(list_aois()) or '(none)'} "
                       "(see `m3leo aoi list`), or give a path to a GeoJSON / GeoPackage / Shapefile")
    return name_or_path, named


def load_aoi(name_or_path: str) -> AOI:
    """Read an AOI, reproject to EPSG:4326, dissolve to one valid geometry; AOIError with what to do."""
    import geopandas as gpd

    name, path = _resolve(name_or_path)
    if path.suffix.lower() in (".geojson", ".json"):
        # Give JSON syntax errors their own message: GDAL's is cryptic.
        try:
            json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AOIError(f"AOI file {str(path)!r} is not valid JSON ({exc}); fix it or export it again as "
                           "GeoJSON") from None
    try:
        gdf = gpd.read_parquet(path) if path.suffix.lower() == ".parquet" else gpd.read_file(path)
    except Exception as exc:  # GDAL/pyogrio raise many types
        raise AOIError(f"cannot read AOI file {str(path)!r} ({str(exc).splitlines()[0]}); give a vector file "
                       "GDAL can read (GeoJSON, GeoPackage, Shapefile, GeoParquet)") from None
    if gdf.empty or gdf.geometry.isna().all():
        raise AOIError(f"AOI file {str(path)!r} has no geometry; it needs at least one polygon")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)  # GeoJSON without crs is lon/lat by definition
    gdf = gdf.to_crs(4326)
    geom = shapely.make_valid(shapely.union_all(gdf.geometry.dropna().values))
    # Keep areas only: points/lines select no chips.
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    geom = shapely.union_all(polys) if polys else shapely.Polygon()
    if geom.is_empty or geom.area <= 0:
        raise AOIError(f"AOI file {str(path)!r} has an empty geometry (no polygon with a positive area); "
                       "draw the area as a polygon")
    x0, y0, x1, y1 = geom.bounds
    if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise AOIError(f"AOI file {str(path)!r} has coordinates outside lon/lat range and no CRS; "
                       "set its CRS or reproject it to EPSG:4326")
    return AOI(name=name, geometry=geom, source=str(path))
