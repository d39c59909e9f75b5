"""Projections and the grid of an export: what Export.image's crs / crsTransform / scale / region / dimensions
become once the client has wrapped the image (Image.reproject, setDefaultProjection, clip,
clipToBoundsAndScale).

Pixels are functions of ground position, so none of this changes a value: it only records the grid the
export task will be rendered on (the image property `_grid`, a computePixels-style PixelGrid).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import EEError
from .graph import Band, Img, as_image
from .values import Proj
from .world import M_PER_DEG

IDENTITY = [1.0, 0.0, 0.0, 0.0, -1.0, 0.0]


def projection(crs: Any = None, transform: Any = None, transformWkt: Any = None) -> dict[str, Any]:  # noqa: N803
    out: dict[str, Any] = {"crs": crs if isinstance(crs, str) else (crs or {}).get("crs", "EPSG:4326")}
    if transform is not None:
        out["transform"] = [float(v) for v in transform]
    return out


def _proj_arg(crs: Any, crs_transform: Any = None, scale: Any = None) -> dict[str, Any]:
    proj = dict(crs) if isinstance(crs, dict) else {"crs": crs or "EPSG:4326"}
    if crs_transform is not None:
        proj["transform"] = [float(v) for v in crs_transform]
    elif scale is not None:
        s = float(scale) / (M_PER_DEG if _is_geographic(proj["crs"]) else 1.0)
        proj["transform"] = [s, 0.0, 0.0, 0.0, -s, 0.0]
    return proj


def _with_projection(img: Img, proj: dict[str, Any]) -> Img:
    # A new projection drops the native footprint (`_dims`) and any earlier cut (`_grid`).
    # Bands forget their own native grids: the image now has one projection.
    props = {k: v for k, v in img.props.items() if k not in ("_dims", "_grid")}
    return Img([Band(b.name, b.eval, b.dtype) for b in img.bands], {**props, "_projection": Proj(proj)})


def reproject(image: Any, crs: Any = None, crsTransform: Any = None, scale: Any = None) -> Img:  # noqa: N803
    """Image.reproject: the image's projection, and the grid its neighbourhood operations run on upstream."""
    proj = _proj_arg(crs, crsTransform, scale)
    img = _with_projection(as_image(image), proj)

    def forcing(b: Band) -> Band:
        def fn(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            from .neighbourhood import forced_projection

            with forced_projection(proj):
                return b.eval(lon, lat)
        return Band(b.name, fn, b.dtype)
    return Img([forcing(b) for b in img.bands], img.props)


def set_default_projection(image: Any, crs: Any = None, crsTransform: Any = None, scale: Any = None) -> Img:  # noqa: N803
    """Image.setDefaultProjection: the projection later operations (clipToBoundsAndScale, exports) work in."""
    return _with_projection(as_image(image), _proj_arg(crs, crsTransform, scale))


def image_projection(image: Any) -> dict[str, Any]:
    proj = as_image(image).props.get("_projection") or {"crs": "EPSG:4326"}
    return {"crs": proj.get("crs", "EPSG:4326"), "transform": list(proj.get("transform", IDENTITY))}


def at_scale(projection: dict[str, Any], meters: float) -> dict[str, Any]:
    return _proj_arg(projection.get("crs"), None, meters)


def clip(input: Any, geometry: Any = None) -> Img:  # noqa: A002
    """Image.clip: with a reprojected image (crs + crsTransform exports), the grid covering the geometry."""
    img = as_image(input)
    proj = img.props.get("_projection") or {}
    if geometry is None or "transform" not in proj:
        return img
    grid = _grid_over(geometry, proj, None, None, None)
    return Img(list(img.bands), {**img.props, "_grid": grid})


def clip_to_bounds_and_scale(input: Any, geometry: Any = None, width: Any = None, height: Any = None,  # noqa: A002
                             maxDimension: Any = None, scale: Any = None) -> Img:  # noqa: N803
    """Export.image wraps the image so; the grid it implies becomes the image's `_grid`."""
    img = as_image(input)
    if geometry is None:
        raise EEError("Unable to export unbounded image.")
    proj = img.props.get("_projection") or {"crs": "EPSG:4326"}
    grid = _grid_over(geometry, proj, width, height, maxDimension, scale)
    return Img(list(img.bands), {**img.props, "_grid": grid})


# -- geometry -> grid -------------------------------------------------------------------------------------
def _is_geographic(crs: str) -> bool:
    from pyproj import CRS

    try:
        return bool(CRS.from_user_input(crs).is_geographic)
    except Exception:  # pyproj's CRSError
        raise EEError(f"Invalid CRS: '{crs}'.") from None


def _grid(crs: str, tr: list[float], w: int, h: int) -> dict[str, Any]:
    if w <= 0 or h <= 0:
        raise EEError("Export region is empty at this scale.")
    a, b, c, d, e, f = tr
    return {"dimensions": {"width": int(w), "height": int(h)}, "crsCode": crs,
            "affineTransform": {"scaleX": a, "shearX": b, "translateX": c, "shearY": d, "scaleY": e,
                                "translateY": f}}


def _vertices(geometry: dict[str, Any]) -> np.ndarray:
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Rectangle" and isinstance(coords, list) and len(coords) == 4 \
            and not isinstance(coords[0], list):
        x0, y0, x1, y1 = (float(v) for v in coords)
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    pts = np.asarray(coords, dtype=float).reshape(-1, 2) if coords is not None else np.zeros((0, 2))
    if pts.size == 0:
        raise EEError("Export region has no coordinates.")
    return pts


def _bounds_in(geometry: dict[str, Any], crs: str) -> tuple[float, float, float, float]:
    """Bounds of a lon/lat geometry in `crs`, edges densified so curved projected edges are covered."""
    from pyproj import Transformer

    pts = _vertices(geometry)
    ring = np.vstack([pts, pts[:1]])
    t = np.linspace(0, 1, 21)[:-1, None]
    dense = np.vstack([p + t * (q - p) for p, q in zip(ring[:-1], ring[1:], strict=True)])
    if crs.upper() in ("EPSG:4326", "WGS84"):
        x, y = dense[:, 0], dense[:, 1]
    else:
        x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(dense[:, 0], dense[:, 1])
    return float(np.min(x)), float(np.min(y)), float(np.max(x)), float(np.max(y))


def _grid_over(geometry: dict[str, Any], proj: dict[str, Any], width: Any, height: Any, max_dim: Any,
               scale: Any = None) -> dict[str, Any]:
    crs = proj.get("crs") or "EPSG:4326"
    gproj = geometry.get("crs") if isinstance(geometry.get("crs"), dict) else None
    if gproj is not None and "transform" in gproj:
        # A rectangle in pixel coordinates of the image's projection (crs + crsTransform + dimensions).
        x0, y0, x1, y1 = (float(v) for v in _vertices(geometry)[[0, 2]].ravel())
        a, b, c, d, e, f = gproj["transform"]
        return _grid(gproj.get("crs", crs), [a, b, c + a * x0 + b * y0, d, e, f + d * x0 + e * y0],
                     round(x1 - x0), round(y1 - y0))
    minx, miny, maxx, maxy = _bounds_in(geometry, crs)
    tr = proj.get("transform")
    if width is not None and height is not None:
        w, h = int(width), int(height)
        return _grid(crs, [(maxx - minx) / w, 0.0, minx, 0.0, -(maxy - miny) / h, maxy], w, h)
    if max_dim is not None and scale is None:
        s = max(maxx - minx, maxy - miny) / float(max_dim)
        return _grid(crs, [s, 0.0, minx, 0.0, -s, maxy], math.ceil((maxx - minx) / s), math.ceil((maxy - miny) / s))
    if scale is not None:  # an explicit scale wins over the projection's own
        s = float(scale) / (M_PER_DEG if _is_geographic(crs) else 1.0)
        tr = [s, 0.0, 0.0, 0.0, -s, 0.0]
    if tr is None:
        raise EEError("Export: give a scale, dimensions or crsTransform with the region.")
    a, _, c, _, e, f = (float(v) for v in tr)
    # Whole pixels of the projection's grid that cover the region (north-up grids).
    c0, c1 = math.floor((minx - c) / a + 1e-9), math.ceil((maxx - c) / a - 1e-9)
    r0, r1 = math.floor((maxy - f) / e + 1e-9), math.ceil((miny - f) / e - 1e-9)
    return _grid(crs, [a, 0.0, c + a * c0, 0.0, e, f + e * r0], c1 - c0, r1 - r0)
