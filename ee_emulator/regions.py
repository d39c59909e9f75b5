"""Image.reduceRegion / reduceRegions / sample: reductions over the pixels of a geometry.

The grid is Earth Engine's: the given crs (default: the image's projection) at `scale` metres (degrees at
the equator for a geographic CRS) or `crsTransform` (default: the image's own transform), covering the
geometry's bounds; a pixel counts when its centre lies inside the geometry and it is unmasked.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import geometry as geo
from .errors import EEError
from .graph import Coll, Img, as_image
from .metadata import band_grid
from .projections import _bounds_in, _grid, _is_geographic
from .reducers import as_reducer, band_keys
from .render import sample_grid
from .values import Feature, Geom
from .world import M_PER_DEG

DEFAULT_MAX_PIXELS = 10_000_000


def region_grid(img: Img, geometry: Any, scale: Any = None, crs: Any = None, crsTransform: Any = None,  # noqa: N803
                what: str = "Image.reduceRegion") -> dict[str, Any]:
    """The computePixels-style grid a reduction over `geometry` samples."""
    if geometry is None:
        if img.props.get("_dims") is None and not img.props.get("_grid"):
            raise EEError(f"{what}: Provide 'geometry' parameter when aggregating over an unbounded image.")
        raise EEError(f"{what}: Provide 'geometry' parameter: the emulator's images cover the whole Earth, "
                      "too many pixels to reduce.")
    proj, _ = band_grid(img)
    code = crs.get("crs") if isinstance(crs, dict) else (crs or proj["crs"])
    if crsTransform is not None:
        tr = [float(v) for v in crsTransform]
    elif scale is not None:
        s = float(scale) / (M_PER_DEG if _is_geographic(code) else 1.0)
        tr = [s, 0.0, 0.0, 0.0, -s, 0.0]
    else:
        tr = list(proj["transform"]) if code == proj["crs"] else None
        if tr is None or tr[0] == 1.0 and tr[4] == 1.0:
            raise EEError(f"{what}: give a scale (the image has no fixed projection).")
    a, _, c, _, e, f = tr
    minx, miny, maxx, maxy = _bounds_in(geo.geojson(geometry), code)
    ey = -abs(e)
    c0, c1 = math.floor((minx - c) / a + 1e-9), math.ceil((maxx - c) / a - 1e-9)
    r0, r1 = math.floor((maxy - f) / ey + 1e-9), math.ceil((miny - f) / ey - 1e-9)
    return _grid(code, [a, 0.0, c + a * c0, 0.0, ey, f + ey * r0], max(1, c1 - c0), max(1, r1 - r0))


def reduce_region(image: Any, reducer: Any, geometry: Any = None, scale: Any = None, crs: Any = None,
                  crsTransform: Any = None, bestEffort: bool = False, maxPixels: Any = None,  # noqa: N803
                  tileScale: Any = None) -> dict[str, Any]:
    img, red = as_image(image), as_reducer(reducer)
    geometry = geometry if geometry is not None else _footprint(img)
    grid = region_grid(img, geometry, scale, crs, crsTransform)
    d = grid["dimensions"]
    n = d["width"] * d["height"]
    limit = int(maxPixels or DEFAULT_MAX_PIXELS)
    if n > limit and not bestEffort:
        raise EEError(f"Image.reduceRegion: Too many pixels in the region. Found {n}, but maxPixels allows "
                      f"only {limit}.")
    bands, lon, lat = sample_grid(img, grid)
    inside = geo.contains_points(geometry, lon, lat) if _bounded(geometry) else np.ones(lon.shape, bool)
    values = {name: v[m & inside] for name, v, m in bands}
    out: dict[str, Any] = {}
    if red.n_inputs > 1:  # a multi-input reducer takes the bands as its inputs
        res = red.reduce_values([values[name].tolist() for name, _, _ in bands[:red.n_inputs]])
        return res
    for band, output, key in band_keys(red, [name for name, _, _ in bands]):
        out[key] = red.reduce_values([values[band].tolist()])[output]
    return out


def _bounded(g: Any) -> bool:
    return isinstance(g, dict) and g.get("type") not in (None, "Point", "MultiPoint")


def _footprint(img: Img) -> Any:
    grid = img.props.get("_grid")
    if not grid:
        return None
    from .coords import affine_of

    a, _, c, _, e, f = affine_of(grid)
    w, h = grid["dimensions"]["width"], grid["dimensions"]["height"]
    if grid.get("crsCode", "EPSG:4326") not in ("EPSG:4326", "WGS84"):
        from pyproj import Transformer

        t = Transformer.from_crs(grid["crsCode"], 4326, always_xy=True)
        xs, ys = t.transform([c, c + a * w, c + a * w, c], [f, f, f + e * h, f + e * h])
        pts = list(zip(xs, ys, strict=True))
    else:
        pts = [(c, f), (c + a * w, f), (c + a * w, f + e * h), (c, f + e * h)]
    return Geom(type="Polygon", coordinates=[[list(p) for p in pts] + [list(pts[0])]])


def reduce_regions(image: Any, collection: Any, reducer: Any, scale: Any = None, crs: Any = None,
                   crsTransform: Any = None, tileScale: Any = None, maxPixelsPerRegion: Any = None) -> Coll:  # noqa: N803
    feats = collection.images if isinstance(collection, Coll) else list(collection)
    out = []
    for f in feats:
        f = f if isinstance(f, Feature) else Feature(f, {})
        res = reduce_region(image, reducer, f.geometry, scale, crs, crsTransform, maxPixels=maxPixelsPerRegion)
        red = as_reducer(reducer)
        if len(as_image(image).bands) == 1 and len(red.output_names()) == 1 and red.n_inputs == 1:
            res = {red.output_names()[0]: next(iter(res.values()))}
        out.append(Feature(f.geometry, {**f.properties, **res}))
    return Coll(out)  # type: ignore[arg-type]
