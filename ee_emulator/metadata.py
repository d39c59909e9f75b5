"""getInfo(): evaluated values as Earth Engine's value:compute returns them.

Image -> {"type": "Image", "bands": [{"id", "data_type": {"type": "PixelType", "precision": "int"|"float"|
"double", "min", "max"}, "dimensions", "crs", "crs_transform"}], "id", "version", "properties"};
ImageCollection -> {"type": "ImageCollection", "bands": [], "id", "version", "properties", "features": [...]};
Projection -> {"type": "Projection", "crs", "transform"}; Date -> {"type": "Date", "value": ms}; Geometry ->
GeoJSON; Feature -> {"type": "Feature", "geometry", "properties"}; numbers, strings, lists and dicts as JSON.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import EEError
from .geometry import geojson
from .graph import Coll, Func, Img
from .kernels import Kernel
from .values import DEFAULT_TRANSFORM, EEDate, EEDateRange, Feature, Geom, Proj

_INT_RANGE = {"uint8": (0, 255), "int8": (-128, 127), "uint16": (0, 65535), "int16": (-32768, 32767),
              "uint32": (0, 2**32 - 1), "int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1),
              "bool": (0, 1)}
HIDDEN = ("system:id", "system:version")  # reported as the image's id / version, not as properties


def pixel_type(dtype: str) -> dict[str, Any]:
    """Earth Engine's PixelType for a numpy dtype name: ints carry their range, floats their precision."""
    name = np.dtype(dtype).name
    if name in _INT_RANGE:
        lo, hi = _INT_RANGE[name]
        return {"type": "PixelType", "precision": "int", "min": lo, "max": hi}
    return {"type": "PixelType", "precision": "double" if name == "float64" else "float"}


def band_grid(img: Img) -> tuple[Proj, list[int] | None]:
    """The projection bands report and their dimensions (None: no fixed footprint, e.g. a composite)."""
    grid = img.props.get("_grid")
    if grid:  # clipped to bounds / clipToBoundsAndScale: the grid the image was cut to
        t = grid["affineTransform"]
        proj = Proj.of(grid.get("crsCode", "EPSG:4326"), [t["scaleX"], t["shearX"], t["translateX"],
                                                          t["shearY"], t["scaleY"], t["translateY"]])
        d = grid["dimensions"]
        return proj, [int(d["width"]), int(d["height"])]
    own = _own_grids(img)
    if own and all(g is not None and _same(g, own[0]) for g in own):  # bands sharing their own grid (B1 alone)
        return own[0][0], list(own[0][1])
    return _image_grid(img)


def _image_grid(img: Img) -> tuple[Proj, list[int] | None]:
    proj = img.props.get("_projection")
    if not proj:
        return Proj.of("EPSG:4326", DEFAULT_TRANSFORM), None
    full = Proj.of(proj.get("crs", "EPSG:4326"), proj.get("transform", DEFAULT_TRANSFORM))
    return full, img.props.get("_dims")


def _own_grids(img: Img) -> list[Any]:
    """Each band's own native grid (None: its image's), or [] when the image was cut or reprojected."""
    if img.props.get("_grid") or not img.props.get("_projection"):
        return []
    return [b.grid for b in img.bands]


def _same(a: Any, b: Any) -> bool:
    return a[0]["crs"] == b[0]["crs"] and list(a[0]["transform"]) == list(b[0]["transform"]) and \
        list(a[1]) == list(b[1])


def band_grids(img: Img) -> list[tuple[Proj, list[int] | None]]:
    """The grid every band reports (`getInfo`, `assets.get`): its own native grid, else its image's."""
    base = band_grid(img) if img.props.get("_grid") else _image_grid(img)
    own = _own_grids(img) or [None] * len(img.bands)
    return [(g[0], list(g[1])) if g is not None else base for g in own]


def image_info(img: Img) -> dict[str, Any]:
    bands = []
    for b, (proj, dims) in zip(img.bands, band_grids(img), strict=True):
        rec: dict[str, Any] = {"id": b.name, "data_type": pixel_type(b.dtype)}
        if dims is not None:
            rec["dimensions"] = list(dims)
        rec.update(crs=proj["crs"], crs_transform=list(proj["transform"]))
        bands.append(rec)
    out: dict[str, Any] = {"type": "Image", "bands": bands}
    if "system:id" in img.props:
        out["id"] = img.props["system:id"]
    if "system:version" in img.props:
        out["version"] = img.props["system:version"]
    props = properties(img.props)
    if props:
        out["properties"] = props
    return out


def properties(props: dict[str, Any]) -> dict[str, Any]:
    """What an element's `properties` show: internal `_` keys and id/version dropped, times as integer ms."""
    out = {}
    for k, v in props.items():
        if k.startswith("_") or k in HIDDEN:
            continue
        out[k] = _time(v) if k in ("system:time_start", "system:time_end") else to_info(v)
    return out


def property_names(props: dict[str, Any]) -> list[str]:
    """Element.propertyNames: every property an element carries, `system:` ones included (not internals)."""
    names = [k for k in props if not k.startswith("_")]
    if "system:bands" not in names and "_projection" in props:
        names += ["system:bands", "system:band_names"]
    return names


def _time(v: Any) -> Any:
    if isinstance(v, (int, float)) and math.isfinite(float(v)):
        return int(round(float(v)))
    return to_info(v)


def collection_info(coll: Coll) -> dict[str, Any]:
    if coll.images and all(isinstance(i, Feature) for i in coll.images):
        return {"type": "FeatureCollection", "columns": {}, "features": [to_info(f) for f in coll.images],
                **({"properties": properties(coll.props)} if coll.props else {})}
    out: dict[str, Any] = {"type": "ImageCollection", "bands": []}
    if coll.asset:
        out["id"] = coll.asset
        out["version"] = coll.images[0].props.get("system:version") if coll.images else None
        if out["version"] is None:
            del out["version"]
    props = properties(coll.props)
    if props:
        out["properties"] = props
    out["features"] = [image_info(i) for i in coll.images]
    return out


def to_info(x: Any) -> Any:
    """Any evaluated value -> the JSON getInfo() returns."""
    if isinstance(x, Img):
        return image_info(x)
    if isinstance(x, Coll):
        return collection_info(x)
    if isinstance(x, EEDate):
        return {"type": "Date", "value": int(round(float(x)))}
    if isinstance(x, Proj):
        return {"type": "Projection", "crs": x.get("crs", "EPSG:4326"),
                "transform": list(x.get("transform", DEFAULT_TRANSFORM))}
    if isinstance(x, Geom):
        return geojson(x)
    if isinstance(x, Kernel):
        return to_info(x.info())
    if isinstance(x, EEDateRange):
        return {"type": "DateRange", "dates": [_time(v) for v in x]}
    if isinstance(x, Feature):
        out = {"type": "Feature", "geometry": geojson(x.geometry) if x.geometry is not None else None}
        if "system:index" in x.properties:  # a feature's id, as Earth Engine reports it
            out["id"] = str(x.properties["system:index"])
        out["properties"] = properties({k: v for k, v in x.properties.items() if k != "system:index"})
        return out
    if isinstance(x, (bool, str)) or x is None:
        return x
    if isinstance(x, np.generic):
        return to_info(x.item())
    if isinstance(x, float):
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    if isinstance(x, int):
        return x
    if isinstance(x, (list, tuple)):
        return [to_info(v) for v in x]
    if isinstance(x, dict):
        return {k: to_info(v) for k, v in x.items()}
    if isinstance(x, Func) or callable(x):
        raise EEError("Unable to serialise an algorithm or filter to JSON (getInfo() of a function).")
    raise EEError(f"Unable to serialise a {type(x).__name__} to JSON.")
