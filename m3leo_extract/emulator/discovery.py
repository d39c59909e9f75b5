"""The two documents the earthengine-api client needs before it can build any request.

1. The REST discovery document (`GET /$discovery/rest`, built in routes.py from the routing table): the
   client builds its methods from it. Each method needs `path`, `httpMethod`, `parameters`,
   `parameterOrder` and a `response` entry (without one, googleapiclient hands raw bytes back and
   `getInfo()` fails; `{"type": "any"}` is enough for JSON). The installed fixture's entries are reused.
2. The algorithm signatures (`GET /v1/projects/P/algorithms`): `ee.Image.select`, `ee.Filter.eq`, ... are
   generated from them at `ee.Initialize()`.

Both are read at runtime from the test fixtures the installed `ee` package ships (the real documents: 991
signatures); they are never copied into this repository. When those files are absent (a trimmed install),
a small built-in set covering everything m3leo's builders call is used instead.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any


def _ee_tests_dir() -> Path | None:
    try:
        import ee
    except ImportError:  # pragma: no cover - ee is a hard dependency
        return None
    d = Path(ee.__file__).resolve().parent / "tests"
    return d if d.is_dir() else None


@functools.lru_cache(maxsize=1)
def installed_methods() -> dict[str, Any]:
    """The method entries of the discovery document the installed `ee` ships, by id without `earthengine.`
    (empty when the fixture is absent: routes.py then builds minimal entries itself)."""
    d = _ee_tests_dir()
    f = d / "cloud_api_discovery_document.json" if d else None
    if f is None or not f.is_file():
        return {}
    doc = json.loads(f.read_text())
    out: dict[str, Any] = {}

    def walk(node: dict[str, Any]) -> None:
        for m in node.get("methods", {}).values():
            out[m["id"].removeprefix("earthengine.")] = m
        for r in node.get("resources", {}).values():
            walk(r)

    walk(doc)
    return out


def _sig(name: str, returns: str, *args: tuple[str, str] | tuple[str, str, Any]) -> dict[str, Any]:
    out = []
    for a in args:
        arg: dict[str, Any] = {"argumentName": a[0], "type": a[1], "description": ""}
        if len(a) == 3:
            arg.update(optional=True, defaultValue=a[2])
        out.append(arg)
    return {"name": f"algorithms/{name}", "description": "", "returnType": returns, "arguments": out}


_I = "Image<unknown bands>"
_N = None  # "optional, no default"


def _fallback_signatures() -> list[dict[str, Any]]:
    """Signatures for what the project's builders and tests call (used when ee's fixtures are absent)."""
    img_unary = ["log10", "toFloat", "toDouble", "toUint8", "toUint16", "toInt16", "toInt32", "toInt8",
                 "toUint32", "toInt64", "toByte", "toShort", "toInt", "toLong", "abs", "exp", "log", "sqrt",
                 "not", "round", "floor", "ceil", "bandNames", "mask"]
    img_binary = ["multiply", "add", "subtract", "divide", "pow", "gte", "gt", "lt", "lte", "eq", "neq",
                  "and", "or", "max", "min", "atan2"]
    sigs = [
        _sig("ImageCollection.load", "ImageCollection", ("id", "String"), ("version", "Long", _N)),
        _sig("Image.load", _I, ("id", "String"), ("version", "Long", _N)),
        _sig("Collection.filter", "FeatureCollection", ("collection", "FeatureCollection"), ("filter", "Object")),
        _sig("Collection.first", "Element", ("collection", "FeatureCollection")),
        _sig("Collection.map", "FeatureCollection", ("collection", "FeatureCollection"),
             ("baseAlgorithm", "Algorithm"), ("dropNulls", "Boolean", False)),
        _sig("Collection.size", "Integer", ("collection", "FeatureCollection")),
        _sig("Collection.limit", "FeatureCollection", ("collection", "FeatureCollection"), ("limit", "Integer", _N),
             ("key", "String", _N), ("ascending", "Boolean", True)),
        _sig("Filter.dateRangeContains", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
             ("rightField", "String", _N), ("leftValue", "Object", _N)),
        _sig("Filter.intersects", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
             ("rightField", "String", _N), ("leftValue", "Object", _N), ("maxError", "ErrorMargin", _N)),
        _sig("Filter.equals", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
             ("rightField", "String", _N), ("leftValue", "Object", _N)),
        _sig("Filter.listContains", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
             ("rightField", "String", _N), ("leftValue", "Object", _N)),
        _sig("Filter.and", "Filter", ("filters", "List<Filter>")),
        _sig("Filter.or", "Filter", ("filters", "List<Filter>")),
        _sig("Filter.not", "Filter", ("filter", "Filter")),
        _sig("ImageCollection.reduce", _I, ("collection", "ImageCollection"), ("reducer", "Reducer"),
             ("parallelScale", "Float", 1)),
        _sig("ImageCollection.mosaic", _I, ("collection", "ImageCollection")),
        _sig("ImageCollection.fromImages", "ImageCollection", ("images", "List<Image>")),
        _sig("Reducer.median", "Reducer", ("maxBuckets", "Integer", _N), ("minBucketWidth", "Float", _N),
             ("maxRaw", "Integer", _N)),
        _sig("Reducer.mean", "Reducer"),
        _sig("Reducer.min", "Reducer", ("numInputs", "Integer", 1)),
        _sig("Reducer.max", "Reducer", ("numInputs", "Integer", 1)),
        _sig("Image.select", _I, ("input", _I), ("bandSelectors", "List<Object>"), ("newNames", "List<String>", _N)),
        _sig("Image.rename", _I, ("input", _I), ("names", "List<String>")),
        _sig("Image.addBands", _I, ("dstImg", _I), ("srcImg", _I), ("names", "List<String>", _N),
             ("overwrite", "Boolean", False)),
        _sig("Image.updateMask", _I, ("image", _I), ("mask", _I)),
        _sig("Image.unmask", _I, ("input", _I), ("value", _I, _N), ("sameFootprint", "Boolean", True)),
        _sig("Image.clip", _I, ("input", "Object"), ("geometry", "Object")),
        _sig("Image.pixelLonLat", _I),
        _sig("Image.constant", _I, ("value", "Object")),
        _sig("Image.reproject", _I, ("image", _I), ("crs", "Projection"), ("crsTransform", "List<Float>", _N),
             ("scale", "Float", _N)),
        _sig("Image.resample", _I, ("image", _I), ("mode", "String", "bilinear")),
        _sig("Image.setDefaultProjection", _I, ("image", _I), ("crs", "Projection"),
             ("crsTransform", "List<Float>", _N), ("scale", "Float", _N)),
        _sig("Image.linkCollection", _I, ("input", _I), ("imageCollection", "ImageCollection"),
             ("linkedBands", "Object", _N), ("linkedProperties", "Object", _N),
             ("matchPropertyName", "String", "system:index")),
        _sig("Terrain.slope", _I, ("input", _I)),
        _sig("Terrain.aspect", _I, ("input", _I)),
        _sig("Date", "Date", ("value", "Object"), ("timeZone", "String", _N)),
        _sig("DateRange", "DateRange", ("start", "Date"), ("end", "Date", _N), ("timeZone", "String", _N)),
        _sig("GeometryConstructors.Polygon", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N),
             ("geodesic", "Boolean", _N), ("maxError", "ErrorMargin", _N), ("evenOdd", "Boolean", True)),
        _sig("GeometryConstructors.Rectangle", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N),
             ("geodesic", "Boolean", _N), ("evenOdd", "Boolean", True)),
        _sig("GeometryConstructors.Point", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N)),
        _sig("Geometry.bounds", "Geometry", ("geometry", "Geometry"), ("maxError", "ErrorMargin", _N),
             ("proj", "Projection", _N)),
        _sig("Projection", "Projection", ("crs", "Object"), ("transform", "List<Float>", _N),
             ("transformWkt", "String", _N)),
        _sig("Element.get", "Object", ("object", "Element"), ("property", "String")),
        _sig("Element.set", "Element", ("object", "Element"), ("key", "String"), ("value", "Object")),
        _sig("Element.setMulti", "Element", ("object", "Element"), ("properties", "Dictionary")),
        _sig("Number.add", "Number", ("left", "Number"), ("right", "Number")),
        _sig("Number.multiply", "Number", ("left", "Number"), ("right", "Number")),
        _sig("List.size", "Integer", ("list", "List")),
        _sig("List.get", "Object", ("list", "List"), ("index", "Integer")),
        _sig("Dictionary", "Dictionary", ("input", "Object", _N)),
        _sig("String", "String", ("input", "Object")),
    ]
    for op in ("mean", "median", "min", "max", "mode", "sum", "count"):
        sigs.append(_sig(f"reduce.{op}", _I, ("collection", "ImageCollection")))
    for op in img_unary:
        sigs.append(_sig(f"Image.{op}", "List<String>" if op == "bandNames" else _I,
                         ("image" if op == "mask" else "value", _I)))
    for op in img_binary:
        sigs.append(_sig(f"Image.{op}", _I, ("image1", _I), ("image2", _I)))
    return sigs


# Signatures missing from the shipped fixture that the client still needs (linkCollection is client-side
# sugar over Image.linkCollection, which the fixture lacks in some versions).
_ALWAYS = ("Image.linkCollection",)


@functools.lru_cache(maxsize=2)
def algorithms(use_installed: bool = True) -> dict[str, Any]:
    """The body of `GET /v1/projects/P/algorithms`: `{"algorithms": [signature, ...]}`."""
    d = _ee_tests_dir() if use_installed else None
    f = d / "algorithms.json" if d else None
    if f is None or not f.is_file():
        return {"algorithms": _fallback_signatures()}
    sigs = json.loads(f.read_text())["algorithms"]
    have = {s["name"] for s in sigs}
    fallback = {s["name"]: s for s in _fallback_signatures()}
    for name in _ALWAYS:
        if f"algorithms/{name}" not in have:
            sigs.append(fallback[f"algorithms/{name}"])
    return {"algorithms": sigs}
