"""Geometries as the graph carries them, turned into GeoJSON (getInfo) and shapely (bounds, masks, areas)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import EEError
from .values import Geom

WORLD_RING = [[-180.0, -90.0], [180.0, -90.0], [180.0, 90.0], [-180.0, 90.0], [-180.0, -90.0]]


def construct(kind: str, coordinates: Any = None, **kw: Any) -> Geom:
    """GeometryConstructors.<kind>: keep the arguments (exports read a pixel-space rectangle's `crs`)."""
    return Geom(type=kind, coordinates=coordinates, **{k: v for k, v in kw.items() if v is not None})


def from_geojson(geoJson: Any = None, **kw: Any) -> Geom:  # noqa: N803 - EE's argument name
    if isinstance(geoJson, Geom):
        return geoJson
    if not isinstance(geoJson, dict) or "type" not in geoJson:
        raise EEError("Geometry: invalid GeoJSON geometry.")
    return Geom(geoJson)


def geojson(g: Any) -> dict[str, Any]:
    """The GeoJSON Earth Engine's getInfo() returns for a geometry (Rectangle -> Polygon)."""
    if not isinstance(g, dict):
        raise EEError(f"Expected a Geometry, got {type(g).__name__}.")
    kind, coords = g.get("type"), g.get("coordinates")
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [geojson(p) for p in g.get("geometries", [])]}
    if kind == "Rectangle":
        flat = np.asarray(coords, dtype=float).ravel()
        if flat.size != 4:
            raise EEError("Rectangle: expected [xmin, ymin, xmax, ymax].")
        x0, y0, x1, y1 = (float(v) for v in flat)
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {"type": "Polygon", "coordinates": [ring], "geodesic": False}
    if kind == "Polygon" and coords and not isinstance(coords[0][0], list):
        coords = [coords]  # a single ring given without the outer list
    if kind == "Polygon" and coords:
        coords = [_closed(r) for r in coords]
    if kind == "MultiPolygon" and coords:
        coords = [[_closed(r) for r in poly] for poly in coords]
    out: dict[str, Any] = {"type": kind, "coordinates": coords}
    if kind in ("Polygon", "MultiPolygon", "LineString") and "geodesic" in g:
        out["geodesic"] = bool(g["geodesic"])
    if isinstance(g.get("crs"), dict) and "properties" in g["crs"]:  # transformed: GeoJSON's named CRS
        out["crs"] = g["crs"]
    return out


def _closed(ring: list[Any]) -> list[Any]:
    """GeoJSON rings end where they start (the client sends Rectangle corners unclosed)."""
    ring = [list(p) for p in ring]
    return ring if not ring or ring[0] == ring[-1] else ring + [ring[0]]


def to_shapely(g: Any) -> Any:
    from shapely.geometry import shape

    gj = geojson(g)
    try:
        return shape({"type": gj["type"], "coordinates": gj["coordinates"]})
    except Exception as exc:  # shapely's own errors for malformed coordinates
        raise EEError(f"Geometry: invalid coordinates ({exc}).") from None


def bounds(geometry: Any, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    """Geometry.bounds: the lon/lat bounding rectangle, as a Polygon."""
    x0, y0, x1, y1 = to_shapely(geometry).bounds
    return Geom(type="Polygon", coordinates=[[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
                geodesic=False)


def area(geometry: Any, maxError: Any = None, proj: Any = None) -> float:  # noqa: N803
    """Geometry.area in square metres (geodesic, on the WGS84 ellipsoid)."""
    from pyproj import Geod

    a, _ = Geod(ellps="WGS84").geometry_area_perimeter(to_shapely(geometry))
    return abs(float(a))


def world() -> Geom:
    return Geom(type="Polygon", coordinates=[WORLD_RING], geodesic=False)


def contains_points(g: Any, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which lon/lat points lie inside the geometry."""
    import shapely

    return np.asarray(shapely.contains_xy(to_shapely(g), lon, lat), dtype=bool)
