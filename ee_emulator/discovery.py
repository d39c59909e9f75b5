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


# Signatures of what the project's builders and tests call, for when ee's fixtures are absent: a data table
# of (name, return type, (argument, type[, default])...) rows, made into signatures by `_sig`.
_FALLBACK: tuple[tuple[Any, ...], ...] = (
    ("ImageCollection.load", "ImageCollection", ("id", "String"), ("version", "Long", _N)),
    ("Image.load", _I, ("id", "String"), ("version", "Long", _N)),
    ("Collection.filter", "FeatureCollection", ("collection", "FeatureCollection"), ("filter", "Object")),
    ("Collection.first", "Element", ("collection", "FeatureCollection")),
    ("Collection.map", "FeatureCollection", ("collection", "FeatureCollection"),
     ("baseAlgorithm", "Algorithm"), ("dropNulls", "Boolean", False)),
    ("Collection.size", "Integer", ("collection", "FeatureCollection")),
    ("Collection.limit", "FeatureCollection", ("collection", "FeatureCollection"), ("limit", "Integer", _N),
     ("key", "String", _N), ("ascending", "Boolean", True)),
    ("Filter.dateRangeContains", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
     ("rightField", "String", _N), ("leftValue", "Object", _N)),
    ("Filter.intersects", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
     ("rightField", "String", _N), ("leftValue", "Object", _N), ("maxError", "ErrorMargin", _N)),
    ("Filter.equals", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
     ("rightField", "String", _N), ("leftValue", "Object", _N)),
    ("Filter.listContains", "Filter", ("leftField", "String", _N), ("rightValue", "Object", _N),
     ("rightField", "String", _N), ("leftValue", "Object", _N)),
    ("Filter.and", "Filter", ("filters", "List<Filter>")),
    ("Filter.or", "Filter", ("filters", "List<Filter>")),
    ("Filter.not", "Filter", ("filter", "Filter")),
    ("ImageCollection.reduce", _I, ("collection", "ImageCollection"), ("reducer", "Reducer"),
     ("parallelScale", "Float", 1)),
    ("ImageCollection.mosaic", _I, ("collection", "ImageCollection")),
    ("ImageCollection.fromImages", "ImageCollection", ("images", "List<Image>")),
    ("Reducer.median", "Reducer", ("maxBuckets", "Integer", _N), ("minBucketWidth", "Float", _N),
     ("maxRaw", "Integer", _N)),
    ("Reducer.mean", "Reducer"),
    ("Reducer.min", "Reducer", ("numInputs", "Integer", 1)),
    ("Reducer.max", "Reducer", ("numInputs", "Integer", 1)),
    ("Image.select", _I, ("input", _I), ("bandSelectors", "List<Object>"), ("newNames", "List<String>", _N)),
    ("Image.rename", _I, ("input", _I), ("names", "List<String>")),
    ("Image.addBands", _I, ("dstImg", _I), ("srcImg", _I), ("names", "List<String>", _N),
     ("overwrite", "Boolean", False)),
    ("Image.updateMask", _I, ("image", _I), ("mask", _I)),
    ("Image.unmask", _I, ("input", _I), ("value", _I, _N), ("sameFootprint", "Boolean", True)),
    ("Image.clip", _I, ("input", "Object"), ("geometry", "Object")),
    ("Image.pixelLonLat", _I),
    ("Image.constant", _I, ("value", "Object")),
    ("Image.reproject", _I, ("image", _I), ("crs", "Projection"), ("crsTransform", "List<Float>", _N),
     ("scale", "Float", _N)),
    ("Image.resample", _I, ("image", _I), ("mode", "String", "bilinear")),
    ("Image.setDefaultProjection", _I, ("image", _I), ("crs", "Projection"),
     ("crsTransform", "List<Float>", _N), ("scale", "Float", _N)),
    ("Image.linkCollection", _I, ("input", _I), ("imageCollection", "ImageCollection"),
     ("linkedBands", "Object", _N), ("linkedProperties", "Object", _N),
     ("matchPropertyName", "String", "system:index")),
    ("Terrain.slope", _I, ("input", _I)),
    ("Terrain.aspect", _I, ("input", _I)),
    ("Date", "Date", ("value", "Object"), ("timeZone", "String", _N)),
    ("DateRange", "DateRange", ("start", "Date"), ("end", "Date", _N), ("timeZone", "String", _N)),
    ("GeometryConstructors.Polygon", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N),
     ("geodesic", "Boolean", _N), ("maxError", "ErrorMargin", _N), ("evenOdd", "Boolean", True)),
    ("GeometryConstructors.Rectangle", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N),
     ("geodesic", "Boolean", _N), ("evenOdd", "Boolean", True)),
    ("GeometryConstructors.Point", "Geometry", ("coordinates", "List"), ("crs", "Projection", _N)),
    ("Geometry.bounds", "Geometry", ("geometry", "Geometry"), ("maxError", "ErrorMargin", _N),
     ("proj", "Projection", _N)),
    ("Projection", "Projection", ("crs", "Object"), ("transform", "List<Float>", _N),
     ("transformWkt", "String", _N)),
    ("Element.get", "Object", ("object", "Element"), ("property", "String")),
    ("Element.set", "Element", ("object", "Element"), ("key", "String"), ("value", "Object")),
    ("Element.setMulti", "Element", ("object", "Element"), ("properties", "Dictionary")),
    ("Number.add", "Number", ("left", "Number"), ("right", "Number")),
    ("Number.multiply", "Number", ("left", "Number"), ("right", "Number")),
    ("List.size", "Integer", ("list", "List")),
    ("List.get", "Object", ("list", "List"), ("index", "Integer")),
    ("Dictionary", "Dictionary", ("input", "Object", _N)),
    ("String", "String", ("input", "Object")),
)

_IMG_UNARY = ("log10", "toFloat", "toDouble", "toUint8", "toUint16", "toInt16", "toInt32", "toInt8",
              "toUint32", "toInt64", "toByte", "toShort", "toInt", "toLong", "abs", "exp", "log", "sqrt",
              "not", "round", "floor", "ceil", "bandNames", "mask")
_IMG_BINARY = ("multiply", "add", "subtract", "divide", "pow", "gte", "gt", "lt", "lte", "eq", "neq",
              "and", "or", "max", "min", "atan2")


def _fallback_signatures() -> list[dict[str, Any]]:
    """Signatures for what the project's builders and tests call (used when ee's fixtures are absent)."""
    sigs = [_sig(*row) for row in _FALLBACK]
    for op in ("mean", "median", "min", "max", "mode", "sum", "count"):
        sigs.append(_sig(f"reduce.{op}", _I, ("collection", "ImageCollection")))
    for op in _IMG_UNARY:
        sigs.append(_sig(f"Image.{op}", "List<String>" if op == "bandNames" else _I,
                         ("image" if op == "mask" else "value", _I)))
    for op in _IMG_BINARY:
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
