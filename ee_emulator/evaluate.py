"""The metadata evaluator: walk a serialised expression ({"result": key, "values": {...}}) and call the
emulated algorithms. `Evaluator().fns` is the one table from algorithm name to implementation; each family
lives in its own module (graph/images: image algebra, colls: collections and elements, scalars: numbers,
strings, lists, dictionaries, dates, reducers/regions: reductions, geometry, projections, catalogue)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import catalogue, geometry, projections
from .alg_collections import collection_extras_table
from .alg_expression import expression_table
from .alg_filters import filter_table
from .alg_geometry import geometry_table
from .alg_image import alg_image_table
from .alg_kernel import alg_kernel_table
from .alg_matrix import array_table
from .alg_misc import misc_table
from .alg_reduce import alg_reduce_table
from .alg_scalars import date_extras_table, dictionary_extras_table, list_extras_table, number_extras_table
from .colls import collection_table
from .errors import EEError, unknown_algorithm
from .graph import (
    Coll,
    Func,
    Img,
    _terrain,
    add_bands,
    as_image,
    binary,
    cast,
    constant_band,
    f_and,
    f_date_range,
    f_equals,
    f_intersects,
    f_list_contains,
    f_not,
    f_or,
    reduce_collection,
    rename,
    select,
    to_millis,
    unmask,
    update_mask,
)
from .images import image_table
from .neighbourhood import neighbourhood_table
from .reducers import Reducer, as_reducer, reducer_table
from .regions import reduce_region, reduce_regions
from .scalars import _truthy, algorithms_table, date_table, dictionary_table, list_table, number_table, string_table
from .values import DEFAULT_TRANSFORM, Feature, Proj
from .world import M_PER_DEG


class Trace:
    """What one request touched: asset ids and date ranges (the emulator's request log records them)."""

    def __init__(self) -> None:
        self.assets: list[str] = []
        self.dates: list[tuple[str, str]] = []


def _iso(ms: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000.0, dt.timezone.utc).strftime("%Y-%m-%d")


class Evaluator:
    def __init__(self, trace: Trace | None = None) -> None:
        self.trace = trace or Trace()
        self._loaded: dict[tuple[str, str], Any] = {}
        # the everyday image idioms and the vector/scalar extras (issue 27) override older entries of the same name
        self.fns: dict[str, Callable[..., Any]] = {
            **self._table(), **alg_image_table(), **alg_kernel_table(), **alg_reduce_table(), **expression_table(),
            **self._vector_table()}

    # -- graph walking --------------------------------------------------------------------------------------
    def run(self, expression: dict[str, Any]) -> Any:
        values = expression.get("values", {})
        return self.node(values[expression["result"]], values, {}, {})

    def node(self, n: Any, values: dict[str, Any], env: dict[str, Any], memo: dict[str, Any]) -> Any:
        if not isinstance(n, dict):
            return n
        if "constantValue" in n:
            return n["constantValue"]
        if "integerValue" in n:
            return int(n["integerValue"])
        if "valueReference" in n:
            key = n["valueReference"]
            if not env:  # top level: each shared sub-graph is evaluated once
                if key not in memo:
                    memo[key] = self.node(values[key], values, env, memo)
                return memo[key]
            return self.node(values[key], values, env, memo)
        if "argumentReference" in n:
            return env[n["argumentReference"]]
        if "arrayValue" in n:
            return [self.node(v, values, env, memo) for v in n["arrayValue"].get("values", [])]
        if "dictionaryValue" in n:
            return {k: self.node(v, values, env, memo) for k, v in n["dictionaryValue"].get("values", {}).items()}
        if "functionDefinitionValue" in n:
            fd = n["functionDefinitionValue"]
            return Func(fd.get("argumentNames", []), fd["body"], values, dict(env))
        if "functionInvocationValue" in n:
            fi = n["functionInvocationValue"]
            if fi.get("functionName") in _LAZY_IF:  # only the branch the condition picks is evaluated
                a = fi.get("arguments", {})
                cond = self.node(a.get("condition"), values, env, memo) if "condition" in a else None
                branch = a.get("trueCase" if _truthy(cond) else "falseCase")
                return self.node(branch, values, env, memo) if branch is not None else None
            args = {k: self.node(v, values, env, memo) for k, v in fi.get("arguments", {}).items()}
            if "functionReference" in fi:
                fn = self.node(values[fi["functionReference"]], values, env, memo)
                if isinstance(fn, Func) and set(args) == set(fn.arg_names):  # named: bind by name
                    return self.call_func(fn, [args[n] for n in fn.arg_names])
                return self.call_func(fn, list(args.values()))
            return self.call(fi["functionName"], args)
        if "bytesValue" in n:
            return n["bytesValue"]
        if "nullValue" in n:
            return None
        return n

    def call(self, name: str, args: dict[str, Any]) -> Any:
        impl = self.fns.get(name)
        if impl is None:
            raise unknown_algorithm(name)
        try:
            return impl(**args)
        except TypeError as exc:  # wrong or missing arguments: Earth Engine names the algorithm
            if "argument" not in str(exc):
                raise
            raise EEError(f"{name}: {exc}".replace("<lambda>()", "").replace("  ", " ")) from None

    def call_func(self, fn: Func, args: list[Any]) -> Any:
        if not isinstance(fn, Func):
            raise EEError(f"Expected a function, got {type(fn).__name__}.")
        env = {**fn.env, **dict(zip(fn.arg_names, args, strict=False))}
        return self.node({"valueReference": fn.body} if isinstance(fn.body, str) else fn.body, fn.values, env, {})

    # -- algorithms that need the evaluator's state ---------------------------------------------------------
    def _load_collection(self, id: str, version: Any = None) -> Coll:  # noqa: A002 - EE's argument name
        # Loaded once per request: a load inside a mapped function (linkCollection) runs for every image.
        key = ("ImageCollection", id)
        if key not in self._loaded:
            self.trace.assets.append(id)
            self._loaded[key] = catalogue.load_collection(id)
        return self._loaded[key]

    def _load_image(self, id: str, version: Any = None) -> Img:  # noqa: A002
        key = ("Image", id)
        if key not in self._loaded:
            self.trace.assets.append(id)
            self._loaded[key] = catalogue.load_image(id)
        return self._loaded[key]

    def _date_range(self, start: Any, end: Any = None, timeZone: Any = None) -> tuple[float, float]:  # noqa: N803
        a = to_millis(start)
        b = to_millis(end) if end is not None else a + 86_400_000.0
        self.trace.dates.append((_iso(a), _iso(b)))
        return (a, b)

    def _map(self, collection: Coll, baseAlgorithm: Func, dropNulls: bool = False) -> Coll:  # noqa: N803
        out = []
        for item in collection.images:
            r = self.call_func(baseAlgorithm, [item])
            if r is None and dropNulls:
                continue
            if isinstance(item, Img):
                r = as_image(r)
                merged = dict(item.props)
                merged.update(r.props)
                r = Img(r.bands, merged)
            out.append(r)
        return Coll(out, collection.asset, dict(collection.props))

    def _link(self, input: Img, imageCollection: Coll, linkedBands: list[str] | None = None,  # noqa: A002, N803
              linkedProperties: Any = None, matchPropertyName: str = "system:index") -> Img:  # noqa: N803
        key = input.props.get(matchPropertyName)
        find = getattr(imageCollection, "find", None)  # lazy collections look it up without generating all
        match = find(matchPropertyName, key) if find else next(
            (i for i in imageCollection.images if i.props.get(matchPropertyName) == key), None)
        if match is None:
            return input
        extra = [match.band(b) for b in (linkedBands or match.names)]
        props = dict(input.props)
        for p in linkedProperties or []:
            if p in match.props:
                props[p] = match.props[p]
        return Img(list(input.bands) + extra, props)

    def _filter(self, collection: Coll, filter: Callable[[dict[str, Any]], bool]) -> Coll:  # noqa: A002
        from .colls import props_of

        if hasattr(collection, "narrow"):  # assets.LazyColl: filterBounds / filterDate narrow what it makes
            return collection.narrow(filter)  # type: ignore[attr-defined]
        return Coll([i for i in collection.images if filter(props_of(i))], collection.asset, dict(collection.props))

    def _table(self) -> dict[str, Callable[..., Any]]:
        t: dict[str, Callable[..., Any]] = {
            "ImageCollection.load": self._load_collection,
            "Image.load": self._load_image,
            "Collection.filter": self._filter,
            "Collection.map": self._map,
            "Collection.first": _first,
            "ImageCollection.select": lambda input, selectors, names=None: Coll(  # noqa: A002
                [select(i, selectors, names) for i in input.images], input.asset, dict(input.props)),
            "ImageCollection.mosaic": lambda collection: reduce_collection(collection, "mosaic"),
            "ImageCollection.reduce": _collection_reduce,
            "Image.select": lambda input, bandSelectors, newNames=None: select(input, bandSelectors, newNames),  # noqa: A002, N803
            "Image.rename": rename,
            "Image.addBands": add_bands,
            "Image.updateMask": update_mask,
            "Image.unmask": unmask,
            "Image.linkCollection": self._link,
            "Image.resample": lambda image, mode="bilinear": as_image(image),
            "Image.reproject": projections.reproject,
            "Image.projection": image_projection,
            "Image.setDefaultProjection": projections.set_default_projection,
            "Image.constant": lambda value: as_image(value),
            "Image.clip": projections.clip,
            "Image.clipToBoundsAndScale": projections.clip_to_bounds_and_scale,
            "Image.bandNames": lambda image: as_image(image).names,
            "Image.reduceRegion": reduce_region,
            "Image.reduceRegions": reduce_regions,
            "Terrain.slope": lambda input: _terrain(input, "slope"),  # noqa: A002
            "Terrain.aspect": lambda input: _terrain(input, "aspect"),  # noqa: A002
            "Image.gt": binary(np.greater, "uint8"), "Image.gte": binary(np.greater_equal, "uint8"),
            "Image.lt": binary(np.less, "uint8"), "Image.lte": binary(np.less_equal, "uint8"),
            "Image.eq": binary(np.equal, "uint8"), "Image.neq": binary(np.not_equal, "uint8"),
            "Image.add": binary(np.add), "Image.subtract": binary(np.subtract),
            "Image.multiply": binary(np.multiply), "Image.divide": binary(np.divide, "float64"),
            "Image.pow": binary(np.power, "float64"),
            "Filter.equals": f_equals, "Filter.listContains": f_list_contains,
            "Filter.dateRangeContains": f_date_range, "Filter.intersects": f_intersects,
            "Filter.and": f_and, "Filter.or": f_or, "Filter.not": f_not,
            "Filter.notEquals": lambda leftField=None, rightValue=None, **kw: (  # noqa: N803
                lambda p: p.get(leftField) != rightValue),
            "Filter.greaterThan": _compare(lambda a, b: a > b), "Filter.lessThan": _compare(lambda a, b: a < b),
            "Filter.greaterThanOrEquals": _compare(lambda a, b: a >= b),
            "Filter.lessThanOrEquals": _compare(lambda a, b: a <= b),
            "Filter.notNull": lambda properties: lambda p: all(p.get(k) is not None for k in properties),
            "Filter.rangeContains": lambda field, minValue, maxValue: (  # noqa: N803
                lambda p: p.get(field) is not None and minValue <= p.get(field) <= maxValue),
            "DateRange": self._date_range,
            "Geometry": geometry.from_geojson,
            "Geometry.bounds": geometry.bounds,
            "Geometry.area": geometry.area,
            "Geometry.type": lambda geometry: geometry.get("type"),
            "Geometry.coordinates": lambda geometry: geometry.get("coordinates"),
            "Projection": lambda crs=None, transform=None, transformWkt=None: _projection(crs, transform),  # noqa: N803
            "Projection.atScale": lambda projection, meters: Proj(projections.at_scale(projection, meters)),
            "Projection.nominalScale": nominal_scale,
            "Projection.crs": lambda projection: projection.get("crs"),
            "Projection.transform": lambda projection: str(projection.get("transform")),
            "Projection.scale": lambda projection, x, y: Proj.of(projection.get("crs"), [
                float(x), 0.0, 0.0, 0.0, float(y), 0.0]),
        }
        for name in ("toUint8", "toUint16", "toInt16", "toInt32", "toInt8", "toUint32", "toInt64", "toByte",
                     "toShort", "toInt", "toLong", "toFloat", "toDouble"):
            t[f"Image.{name}"] = cast(_CASTS[name])
        for how in ("median", "mean", "min", "max", "mode", "first", "sum", "count"):
            t[f"reduce.{how}"] = lambda collection, how=how: reduce_collection(collection, how)
        for geo in ("Rectangle", "Polygon", "Point", "MultiPolygon", "LineString", "MultiPoint", "LinearRing",
                    "MultiLineString", "BBox"):
            t[f"GeometryConstructors.{geo}"] = lambda geo=geo, **kw: geometry.construct(geo, **kw)
        t.update(image_table())
        t.update(neighbourhood_table())
        t.update(reducer_table())
        t.update(collection_table(self))
        t.setdefault("ImageCollection.merge", t["Collection.merge"])  # empty composites merge a placeholder
        t.update(number_table())
        t.update(string_table())
        t.update(list_table(self))
        t.update(dictionary_table(self))
        t.update(date_table())
        t.update(algorithms_table())
        return _with_new(t, array_table(), misc_table())  # arrays, pixel types, kernels, more numbers

    def _vector_table(self) -> dict[str, Callable[..., Any]]:
        """Geometry, Feature, FeatureCollection, Filter, Join and the scalar extras (the alg_*.py modules);
        they replace the simpler entries above of the same name."""
        from .values import EEDateRange

        t = {**geometry_table(), **filter_table(self), **collection_extras_table(), **list_extras_table(),
             **dictionary_extras_table(), **date_extras_table(), **number_extras_table()}
        t["DateRange"] = lambda start, end=None, timeZone=None: EEDateRange(self._date_range(start, end))  # noqa: N803
        return t


def _with_new(table: dict[str, Callable[..., Any]], *extras: dict[str, Callable[..., Any]]) -> dict[str, Any]:
    """`table` with the extras' algorithms it does not have yet (an extra never replaces one it has)."""
    for extra in extras:
        for name, impl in extra.items():
            table.setdefault(name, impl)
    return table


_LAZY_IF = ("Algorithms.If", "If")
_CASTS = {"toUint8": "uint8", "toUint16": "uint16", "toInt16": "int16", "toInt32": "int32", "toInt8": "int8",
          "toUint32": "uint32", "toInt64": "int64", "toByte": "uint8", "toShort": "int16", "toInt": "int32",
          "toLong": "int64", "toFloat": "float32", "toDouble": "float64"}


def _first(collection: Coll) -> Any:
    if not collection.images:  # Earth Engine's first() of an empty collection is null
        return None
    return collection.images[0]


def _compare(op: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def make(leftField: str | None = None, rightValue: Any = None, **kw: Any) -> Callable[[dict[str, Any]], bool]:  # noqa: N803
        return lambda p: p.get(leftField) is not None and op(p.get(leftField), rightValue)
    return make


def _collection_reduce(collection: Coll, reducer: Any, parallelScale: Any = 1) -> Img:  # noqa: N803
    """ImageCollection.reduce: per-pixel composite; outputs named `<band>_<output>` as Earth Engine does."""
    red: Reducer = as_reducer(reducer)
    if red.kind not in ("median", "mean", "min", "max", "mode", "first", "sum", "count", "mosaic"):
        raise EEError(f"ImageCollection.reduce: reducer '{red.kind}' is not implemented by the m3leo emulator.")
    img = reduce_collection(collection, red.kind)
    return rename(img, [f"{n}_{red.outputs[0]}" for n in img.names]) if img.bands else img


def image_projection(image: Any) -> Proj:
    """Image.projection: its bands' one projection (an error where they differ, as Earth Engine's)."""
    from .metadata import band_grids

    img = as_image(image)
    grids = band_grids(img) if img.bands else []
    if not grids:
        return Proj.of("EPSG:4326", DEFAULT_TRANSFORM)
    if len({(p["crs"], tuple(p["transform"])) for p, _ in grids}) > 1:
        raise EEError("Image.projection: The bands of the specified image contains different projections. "
                      "Use Image.select to pick a single band.")
    return Proj.of(grids[0][0]["crs"], grids[0][0]["transform"])


def _projection(crs: Any, transform: Any) -> Proj:
    if isinstance(crs, dict):
        return Proj.of(crs.get("crs", "EPSG:4326"), crs.get("transform", DEFAULT_TRANSFORM))
    return Proj.of(crs or "EPSG:4326", transform if transform is not None else DEFAULT_TRANSFORM)


def nominal_scale(proj: Any) -> float:
    """Metres per pixel: the transform's x scale, in degrees times metres per degree for geographic CRSs."""
    from .projections import _is_geographic

    tr = proj.get("transform", DEFAULT_TRANSFORM)
    s = float(np.hypot(tr[0], tr[3]))
    return s * M_PER_DEG if _is_geographic(proj.get("crs", "EPSG:4326")) else s


def constant_image(value: float) -> Img:
    return Img([constant_band(value)])


__all__ = ["Evaluator", "Feature", "Trace", "constant_image"]
