"""Geometry and Feature algorithms, computed for real with shapely and PROJ.

Earth Engine's geometry is geodesic by default: lengths, areas and distances are measured on the WGS84
ellipsoid (`pyproj.Geod`), and metric operations (buffer, simplify, centroid, distance between shapes) run
in an azimuthal equidistant projection centred on the geometry, then come back to lon/lat. Set operations
(intersection, union, ...) and predicates run on the lon/lat coordinates (planar edges: the difference from
geodesic edges is below a metre for shapes of a few km). A geometry `transform`ed to another CRS keeps its
`crs` and is read back to lon/lat by every algorithm here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError
from .geometry import geojson, to_shapely
from .values import Feature, Geom

Table = dict[str, Callable[..., Any]]
_LONLAT = ("EPSG:4326", "WGS84", "epsg:4326")


@functools.lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _apply(shp: Any, tr: Any) -> Any:
    import shapely

    return shapely.transform(shp, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def _crs_of(proj: Any) -> str:
    if proj is None:
        return "EPSG:4326"
    if isinstance(proj, str):
        return proj
    if isinstance(proj, dict):
        return str(proj.get("crs") or "EPSG:4326")
    raise EEError(f"Expected a Projection, got {type(proj).__name__}.")


def shape(g: Any) -> Any:
    """Any geometry-like value (Geometry, Feature, a FeatureCollection's union) as shapely in lon/lat."""
    from shapely.geometry import GeometryCollection
    from shapely.geometry import shape as from_gj

    if isinstance(g, Feature):
        if g.geometry is None:
            raise EEError("Feature has no geometry.")
        return shape(g.geometry)
    if hasattr(g, "images"):  # a FeatureCollection
        from shapely.ops import unary_union

        return unary_union([shape(f) for f in g.images if isinstance(f, Feature) and f.geometry is not None])
    if not isinstance(g, dict):
        raise EEError(f"Expected a Geometry, got {type(g).__name__}.")
    if g.get("type") == "GeometryCollection":
        return GeometryCollection([shape(Geom(p)) for p in g.get("geometries", [])])
    if g.get("type") == "MultiGeometry" and "geometries" in g:
        return GeometryCollection([shape(p) for p in g["geometries"]])
    crs = _crs_of(g.get("crs")) if not isinstance(g.get("crs"), dict) else _gj_crs(g["crs"])
    if crs in _LONLAT:
        return to_shapely(g)
    try:
        shp = from_gj({"type": g["type"], "coordinates": g["coordinates"]})
    except Exception as exc:
        raise EEError(f"Geometry: invalid coordinates ({exc}).") from None
    return _apply(shp, _transformer(crs, "EPSG:4326"))


def _gj_crs(c: dict[str, Any]) -> str:
    if "properties" in c:  # GeoJSON's {"type": "name", "properties": {"name": ...}}
        return str(c["properties"].get("name", "EPSG:4326"))
    return _crs_of(c)


def to_geom(shp: Any, **extra: Any) -> Geom:
    """A shapely geometry in lon/lat back to the evaluator's Geometry (GeoJSON lists, no tuples)."""
    from shapely.geometry import mapping

    if shp.geom_type == "GeometryCollection":
        return Geom(type="GeometryCollection", geometries=[dict(to_geom(p)) for p in shp.geoms], **extra)
    if shp.is_empty:
        return Geom(type=shp.geom_type if shp.geom_type != "GeometryCollection" else "Polygon", coordinates=[])

    def lists(x: Any) -> Any:
        return [lists(v) for v in x] if isinstance(x, (list, tuple)) else float(x)

    return Geom(type=shp.geom_type, coordinates=lists(mapping(shp)["coordinates"]), **extra)


def _local(shp: Any) -> tuple[Any, Any]:
    """An azimuthal equidistant projection centred on the shape: (forward, inverse) transformers."""
    c = shp.envelope.centroid if not shp.is_empty else None
    lon, lat = (0.0, 0.0) if c is None or c.is_empty else (round(c.x, 6), round(c.y, 6))
    aeqd = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
    return _transformer("EPSG:4326", aeqd), _transformer(aeqd, "EPSG:4326")


def _metric(shp: Any, op: Callable[[Any], Any]) -> Any:
    fwd, inv = _local(shp)
    return _apply(op(_apply(shp, fwd)), inv)


def _geod() -> Any:
    from pyproj import Geod

    return Geod(ellps="WGS84")


def _parts(shp: Any) -> list[Any]:
    if hasattr(shp, "geoms"):
        return [q for p in shp.geoms for q in _parts(p)]
    return [shp]


def buffer(geometry: Any, distance: Any, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    """Geometry.buffer: `distance` metres on the ground (negative shrinks a polygon)."""
    d = float(distance)
    return to_geom(_metric(shape(geometry), lambda s: s.buffer(d, quad_segs=16)))


def centroid(geometry: Any, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    shp = shape(geometry)
    if shp.is_empty:
        return Geom(type="Point", coordinates=[])
    return to_geom(_metric(shp, lambda s: s.centroid))


def area(geometry: Any, maxError: Any = None, proj: Any = None) -> float:  # noqa: N803
    """Geometry.area: square metres on the ellipsoid; with a projected `proj`, in its units."""
    shp = shape(geometry)
    crs = _crs_of(proj)
    if crs not in _LONLAT:
        return float(_apply(shp, _transformer("EPSG:4326", crs)).area)
    return float(sum(abs(_geod().geometry_area_perimeter(p)[0]) for p in _parts(shp)
                     if p.geom_type == "Polygon"))


def length(geometry: Any, maxError: Any = None, proj: Any = None) -> float:  # noqa: N803
    """Geometry.length: the linear parts' geodesic length (polygons count nothing)."""
    return float(sum(_geod().geometry_length(p) for p in _parts(shape(geometry))
                     if p.geom_type in ("LineString", "LinearRing")))


def perimeter(geometry: Any, maxError: Any = None, proj: Any = None) -> float:  # noqa: N803
    """Geometry.perimeter: the polygonal parts' geodesic boundary length (holes included)."""
    return float(sum(_geod().geometry_length(p.boundary) for p in _parts(shape(geometry))
                     if p.geom_type == "Polygon"))


def distance(left: Any, right: Any, maxError: Any = None, proj: Any = None, spherical: Any = False) -> float:  # noqa: N803
    """Geometry.distance: the least geodesic distance in metres (0 where they touch)."""
    from shapely.ops import nearest_points

    a, b = shape(left), shape(right)
    if a.is_empty or b.is_empty:
        return float("nan")
    if a.intersects(b):
        return 0.0
    pa, pb = nearest_points(a, b)
    if a.geom_type == "Point" and b.geom_type == "Point" or spherical:
        return float(_geod().inv(pa.x, pa.y, pb.x, pb.y)[2])
    from shapely.geometry import MultiPoint

    fwd, _ = _local(MultiPoint([pa, pb]))  # metric near the closest points, where the distance is decided
    return float(_apply(a, fwd).distance(_apply(b, fwd)))


def simplify(geometry: Any, maxError: Any, proj: Any = None) -> Geom:  # noqa: N803
    tol = float(maxError if not isinstance(maxError, dict) else maxError.get("value", 1.0))
    return to_geom(_metric(shape(geometry), lambda s: s.simplify(tol, preserve_topology=True)))


def transform(geometry: Any, proj: Any = None, maxError: Any = None, geodesic: Any = None) -> Geom:  # noqa: N803
    """Geometry.transform: coordinates in `proj`'s CRS (its units; a non-identity transform gives pixels)."""
    crs = _crs_of(proj)
    shp = shape(geometry)
    if crs in _LONLAT:
        return to_geom(shp)
    out = _apply(shp, _transformer("EPSG:4326", crs))
    tr = list(proj.get("transform", [1, 0, 0, 0, 1, 0])) if isinstance(proj, dict) else [1, 0, 0, 0, 1, 0]
    if [float(v) for v in tr] != [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]:
        a, b, c, d, e, f = (float(v) for v in tr)
        m = np.linalg.inv(np.array([[a, b, c], [d, e, f], [0, 0, 1.0]]))
        import shapely

        out = shapely.transform(out, lambda xy: (np.column_stack([xy, np.ones(len(xy))]) @ m.T)[:, :2])
    g = to_geom(out)
    return Geom(type=g["type"], coordinates=g.get("coordinates"), crs={"type": "name", "properties": {"name": crs}},
                geodesic=False)


def geometries(geometry: Any) -> list[Geom]:
    shp = shape(geometry)
    return [to_geom(p) for p in (shp.geoms if hasattr(shp, "geoms") else [shp])]


def _predicate(name: str) -> Callable[..., bool]:
    def f(left: Any, right: Any, maxError: Any = None, proj: Any = None) -> bool:  # noqa: N803
        a, b = shape(left), shape(right)
        if name == "containedIn":
            return bool(b.covers(a))
        if name == "contains":
            return bool(a.covers(b))
        return bool(getattr(a, name)(b))
    return f


def _setop(name: str) -> Callable[..., Geom]:
    def f(left: Any, right: Any, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
        a, b = shape(left), shape(right)
        return to_geom(getattr(a, {"symmetricDifference": "symmetric_difference"}.get(name, name))(b))
    return f


def _dissolve(geometry: Any, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    from shapely.ops import unary_union

    return to_geom(unary_union(_parts(shape(geometry))))


def covering_grid(geometry: Any, proj: Any, scale: Any = None) -> Any:
    """Geometry.coveringGrid: the cells of `proj`'s grid (at `scale` metres) that meet the geometry."""
    from shapely.geometry import box

    from .graph import Coll

    crs = _crs_of(proj)
    tr = list(proj.get("transform", [1, 0, 0, 0, 1, 0])) if isinstance(proj, dict) else [1, 0, 0, 0, 1, 0]
    size = float(scale) if scale is not None else abs(float(tr[0]))
    if crs in _LONLAT and scale is not None:
        size = size / 111319.49079327357  # metres at the equator, as Earth Engine scales a geographic CRS
    shp = shape(geometry)
    local = shp if crs in _LONLAT else _apply(shp.segmentize(0.01), _transformer("EPSG:4326", crs))
    x0, y0, x1, y1 = local.bounds
    i0, i1 = int(np.floor(x0 / size)), int(np.ceil(x1 / size))
    j0, j1 = int(np.floor(y0 / size)), int(np.ceil(y1 / size))
    if (i1 - i0) * (j1 - j0) > 100_000:
        raise EEError("Geometry.coveringGrid: too many grid cells; use a coarser scale.")
    back = None if crs in _LONLAT else _transformer(crs, "EPSG:4326")
    out = []
    for j in range(j0, j1):
        for i in range(i0, i1):
            cell = box(i * size, j * size, (i + 1) * size, (j + 1) * size)
            if cell.intersects(local):
                lonlat = cell if back is None else _apply(cell, back)
                out.append(Feature(to_geom(lonlat), {"system:index": f"{i},{j}"}))
    return Coll(out)


def cut_lines(geometry: Any, distances: list[Any], maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    """Geometry.cutLines: each line cut at `distances` metres along it, as one MultiLineString."""
    from shapely.geometry import MultiLineString
    from shapely.ops import substring

    shp = shape(geometry)
    fwd, inv = _local(shp)
    pieces = []
    for line in (p for p in _parts(_apply(shp, fwd)) if p.geom_type in ("LineString", "LinearRing")):
        cuts = sorted({0.0, line.length, *(float(d) for d in distances if 0 < float(d) < line.length)})
        pieces += [substring(line, a, b) for a, b in zip(cuts, cuts[1:], strict=False)]
    return to_geom(_apply(MultiLineString([list(p.coords) for p in pieces]), inv))


def _nearest(left: Any, right: Any) -> tuple[Any, Any]:
    """The points of left and right closest to each other (found in metres around them)."""
    from shapely.ops import nearest_points

    a, b = shape(left), shape(right)
    pa, pb = nearest_points(a, b)
    from shapely.geometry import MultiPoint

    fwd, inv = _local(MultiPoint([pa, pb]))
    qa, qb = nearest_points(_apply(a, fwd), _apply(b, fwd))
    return _apply(qa, inv), _apply(qb, inv)


def closest_point(left: Any, right: Any, maxError: Any = None, proj: Any = None) -> Geom | None:  # noqa: N803
    """Geometry.closestPoint: the point of `right` nearest to `left` (null when either is empty)."""
    if shape(left).is_empty or shape(right).is_empty:
        return None
    return to_geom(_nearest(left, right)[1])


def closest_points(left: Any, right: Any, maxError: Any = None, proj: Any = None) -> dict[str, Geom]:  # noqa: N803
    """Geometry.closestPoints: {"left": the point of left nearest to right, "right": the point of right}."""
    if shape(left).is_empty or shape(right).is_empty:
        return {}
    pa, pb = _nearest(left, right)
    return {"left": to_geom(pa), "right": to_geom(pb)}


def _geometry_table() -> Table:
    t: Table = {
        "Geometry.buffer": buffer, "Geometry.centroid": centroid, "Geometry.area": area,
        "Geometry.length": length, "Geometry.perimeter": perimeter, "Geometry.distance": distance,
        "Geometry.simplify": simplify, "Geometry.transform": transform, "Geometry.geometries": geometries,
        "Geometry.dissolve": _dissolve, "Geometry.coveringGrid": covering_grid, "Geometry.cutLines": cut_lines,
        "Geometry.closestPoint": closest_point, "Geometry.closestPoints": closest_points,
        "Geometry.convexHull": lambda geometry, maxError=None, proj=None: to_geom(shape(geometry).convex_hull),  # noqa: N803
        "Geometry.withinDistance": lambda left, right, distance, maxError=None, proj=None: (  # noqa: N803
            globals()["distance"](left, right) <= float(distance)),
        "Geometry.isUnbounded": lambda geometry: False,
        "Geometry.projection": _projection_of,
        "Geometry.geodesic": _is_geodesic, "Geometry.edgesAreGeodesics": _is_geodesic,
        "GeometryConstructors.MultiGeometry": lambda geometries, crs=None, geodesic=None, maxError=None: Geom(  # noqa: N803
            type="GeometryCollection", geometries=[geojson(g) for g in geometries]),
        "ErrorMargin": lambda value=None, unit="meters": float(value if value is not None else 0.0),
    }
    for name in ("intersects", "disjoint", "contains", "containedIn"):
        t[f"Geometry.{name}"] = _predicate(name)
    for name in ("intersection", "union", "difference", "symmetricDifference"):
        t[f"Geometry.{name}"] = _setop(name)
    return t


def _projection_of(geometry: Any) -> Any:
    from .values import DEFAULT_TRANSFORM, Proj

    crs = geometry.get("crs") if isinstance(geometry, dict) else None
    name = _gj_crs(crs) if isinstance(crs, dict) else (crs or "EPSG:4326")
    return Proj.of(name, DEFAULT_TRANSFORM)


def _is_geodesic(geometry: Any) -> bool:
    if "geodesic" in geometry:
        return bool(geometry["geodesic"])
    return geometry.get("type") not in ("Rectangle", "BBox")


def _feature_table(geo: Table) -> Table:
    """Feature.<op>: the geometry algorithm on the feature's geometry; a geometry result keeps the (left)
    feature's properties, as Earth Engine's do."""
    def unary(fn: Callable[..., Any]) -> Callable[..., Any]:
        def f(feature: Any, *a: Any, **kw: Any) -> Any:
            r = fn(feature.geometry, *a, **kw)
            return Feature(r, dict(feature.properties)) if isinstance(r, Geom) else r
        return f

    def binary(fn: Callable[..., Any]) -> Callable[..., Any]:
        def f(left: Any, right: Any, *a: Any, **kw: Any) -> Any:
            r = fn(left.geometry, right.geometry if isinstance(right, Feature) else right, *a, **kw)
            return Feature(r, dict(left.properties)) if isinstance(r, Geom) else r
        return f

    t: Table = {}
    for name in ("area", "buffer", "centroid", "convexHull", "dissolve", "length", "perimeter", "simplify",
                 "transform", "cutLines"):
        t[f"Feature.{name}"] = unary(geo[f"Geometry.{name}"])
    t["Feature.bounds"] = unary(lambda geometry, maxError=None, proj=None: to_geom(shape(geometry).envelope))  # noqa: N803
    for name in ("containedIn", "contains", "difference", "disjoint", "distance", "intersection", "intersects",
                 "symmetricDifference", "union", "withinDistance", "closestPoint", "closestPoints"):
        t[f"Feature.{name}"] = binary(geo[f"Geometry.{name}"])
    return t


def image_geometry(feature: Any, maxError: Any = None, proj: Any = None, geodesics: Any = None) -> Geom:  # noqa: N803
    """Image.geometry: a scene's footprint as a Polygon (Earth Engine's), else the image's cut / the world."""
    from .images import geometry_of

    props = getattr(feature, "props", {})
    fp = props.get("system:footprint")
    if not props.get("_grid") and isinstance(fp, dict) and fp.get("type") == "LinearRing":
        return Geom(type="Polygon", coordinates=[[list(p) for p in fp["coordinates"]]])
    return geometry_of(feature, maxError, proj, geodesics)


def collection_geometry(collection: Any, maxError: Any = None) -> Geom:  # noqa: N803
    """Collection.geometry: the union of its features' geometries, or of its images' footprints."""
    from shapely.ops import unary_union

    from .graph import Img

    shapes = [shape(image_geometry(i) if isinstance(i, Img) else i) for i in collection.images
              if isinstance(i, Img) or (isinstance(i, Feature) and i.geometry is not None)]
    if not shapes:
        return Geom(type="MultiPolygon", coordinates=[])
    return to_geom(unary_union(shapes))


def geometry_table() -> Table:
    geo = _geometry_table()
    return {**geo, **_feature_table(geo), "Image.geometry": image_geometry, "Collection.geometry": collection_geometry}
