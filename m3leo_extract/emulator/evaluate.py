"""Walk a serialised expression ({"result": key, "values": {...}}) and call the emulated algorithms."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from . import assets, projections
from .graph import (
    Coll,
    EEError,
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
        self.fns: dict[str, Callable[..., Any]] = self._table()

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
            return Func(fd.get("argumentNames", []), fd["body"], values)
        if "functionInvocationValue" in n:
            fi = n["functionInvocationValue"]
            args = {k: self.node(v, values, env, memo) for k, v in fi.get("arguments", {}).items()}
            if "functionReference" in fi:
                fn = self.node(values[fi["functionReference"]], values, env, memo)
                return self.call_func(fn, list(args.values()))
            name = fi["functionName"]
            impl = self.fns.get(name)
            if impl is None:
                raise EEError(f"Unknown algorithm '{name}' (the m3leo emulator implements only what m3leo uses).")
            return impl(**args)
        if "bytesValue" in n:
            return n["bytesValue"]
        if "nullValue" in n:
            return None
        return n

    def call_func(self, fn: Func, args: list[Any]) -> Any:
        env = dict(zip(fn.arg_names, args, strict=False))
        return self.node({"valueReference": fn.body} if isinstance(fn.body, str) else fn.body, fn.values, env, {})

    # -- algorithms -------------------------------------------------------------------------------------
    def _load_collection(self, id: str) -> Coll:  # noqa: A002 - EE's argument name
        # Loaded once per request: a load inside a mapped function (linkCollection) runs for every image.
        key = ("ImageCollection", id)
        if key not in self._loaded:
            self.trace.assets.append(id)
            self._loaded[key] = assets.load_collection(id)
        return self._loaded[key]

    def _load_image(self, id: str, version: Any = None) -> Img:  # noqa: A002
        key = ("Image", id)
        if key not in self._loaded:
            self.trace.assets.append(id)
            self._loaded[key] = assets.load_image(id)
        return self._loaded[key]

    def _date_range(self, start: Any, end: Any = None, timeZone: Any = None) -> tuple[float, float]:
        a = to_millis(start)
        b = to_millis(end) if end is not None else a + 86_400_000.0
        self.trace.dates.append((_iso(a), _iso(b)))
        return (a, b)

    def _map(self, collection: Coll, baseAlgorithm: Func, dropNulls: bool = False) -> Coll:
        out = []
        for img in collection.images:
            r = self.call_func(baseAlgorithm, [img])
            if r is None and dropNulls:
                continue
            r = as_image(r)
            merged = dict(img.props)
            merged.update(r.props)
            out.append(Img(r.bands, merged))
        return Coll(out, collection.asset)

    def _link(self, input: Img, imageCollection: Coll, linkedBands: list[str] | None = None,  # noqa: A002
              linkedProperties: Any = None, matchPropertyName: str = "system:index") -> Img:
        key = input.props.get(matchPropertyName)
        find = getattr(imageCollection, "find", None)  # lazy collections look it up without generating all
        match = find(matchPropertyName, key) if find else next(
            (i for i in imageCollection.images if i.props.get(matchPropertyName) == key), None)
        if match is None:
            return input
        extra = [match.band(b) for b in (linkedBands or match.names)]
        return Img(list(input.bands) + extra, dict(input.props))

    def _table(self) -> dict[str, Callable[..., Any]]:
        def coll_filter(collection: Coll, filter: Callable[[dict[str, Any]], bool]) -> Coll:  # noqa: A002
            if hasattr(collection, "narrow"):  # assets.LazyColl: filterBounds / filterDate narrow what it makes
                return collection.narrow(filter)  # type: ignore[attr-defined]
            return Coll([i for i in collection.images if filter(i.props)], collection.asset)

        def coll_select(input: Coll, selectors: list[Any], names: list[str] | None = None) -> Coll:  # noqa: A002
            return Coll([select(i, selectors, names) for i in input.images], input.asset)

        def first(collection: Coll) -> Img:
            if not collection.images:
                raise EEError("Collection.first: Error in map(ID=0): Empty collection.")
            return collection.images[0]

        def image_select(input: Any, bandSelectors: list[Any], newNames: list[str] | None = None) -> Img:  # noqa: A002
            return select(input, bandSelectors, newNames)

        def number(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
            return lambda left, right: op(left, right)

        t: dict[str, Callable[..., Any]] = {
            "ImageCollection.load": self._load_collection,
            "Image.load": self._load_image,
            "Collection.filter": coll_filter,
            "Collection.map": self._map,
            "Collection.first": first,
            "ImageCollection.select": coll_select,
            "ImageCollection.mosaic": lambda collection: reduce_collection(collection, "mosaic"),
            "ImageCollection.reduce": lambda collection, reducer, parallelScale=1: reduce_collection(
                collection, reducer),
            "Image.select": image_select,
            "Image.rename": rename,
            "Image.addBands": add_bands,
            "Image.updateMask": update_mask,
            "Image.mask": lambda image, mask=None: update_mask(image, mask) if mask is not None else image,
            "Image.unmask": unmask,
            "Image.linkCollection": self._link,
            "Image.resample": lambda image, mode="bilinear": as_image(image),
            "Image.reproject": projections.reproject,
            "Image.projection": projections.image_projection,
            "Image.setDefaultProjection": projections.set_default_projection,
            "Image.constant": lambda value: as_image(value),
            "Image.clip": projections.clip,
            "Image.clipToBoundsAndScale": projections.clip_to_bounds_and_scale,
            "Terrain.slope": lambda input: _terrain(input, "slope"),  # noqa: A002
            "Terrain.aspect": lambda input: _terrain(input, "aspect"),  # noqa: A002
            "Image.gt": binary(np.greater, "uint8"), "Image.gte": binary(np.greater_equal, "uint8"),
            "Image.lt": binary(np.less, "uint8"), "Image.lte": binary(np.less_equal, "uint8"),
            "Image.eq": binary(np.equal, "uint8"), "Image.neq": binary(np.not_equal, "uint8"),
            "Image.add": binary(np.add), "Image.subtract": binary(np.subtract),
            "Image.multiply": binary(np.multiply), "Image.divide": binary(np.divide, "float64"),
            "Image.pow": binary(np.power, "float64"),
            "Image.log10": lambda value: binary(lambda a, b: np.log10(a), "float64")(value, 0),
            "Image.toUint8": cast("uint8"), "Image.toUint16": cast("uint16"), "Image.toInt16": cast("int16"),
            "Image.toInt32": cast("int32"), "Image.toFloat": cast("float32"), "Image.toDouble": cast("float64"),
            "Filter.equals": f_equals, "Filter.listContains": f_list_contains,
            "Filter.dateRangeContains": f_date_range, "Filter.intersects": f_intersects,
            "Filter.greaterThan": lambda leftField=None, rightValue=None, **kw: (
                lambda p: p.get(leftField) is not None and p.get(leftField) > rightValue),
            "Filter.lessThan": lambda leftField=None, rightValue=None, **kw: (
                lambda p: p.get(leftField) is not None and p.get(leftField) < rightValue),
            "Filter.and": f_and, "Filter.or": f_or, "Filter.not": f_not,
            "DateRange": self._date_range,
            "Date": lambda value, timeZone=None: to_millis(value),
            "Number.add": number(operator.add), "Number.subtract": number(operator.sub),
            "Number.multiply": number(operator.mul), "Number.divide": number(operator.truediv),
            "Number.gt": number(operator.gt), "Collection.size": lambda collection: len(collection.images),
            "ImageCollection.fromImages": lambda images: Coll([as_image(i) for i in images]),
            "ImageCollection.merge": lambda collection1, collection2: Coll(
                list(collection1.images) + list(collection2.images), collection1.asset),
            "If": lambda condition=None, trueCase=None, falseCase=None: trueCase if condition else falseCase,
            "String": lambda input: str(input),  # noqa: A002
            "List.size": lambda list: len(list),  # noqa: A002
            "Image.bandNames": lambda image: as_image(image).names,
        }
        for how in ("median", "mean", "min", "max", "mode", "first", "sum"):
            t[f"reduce.{how}"] = lambda collection, how=how: reduce_collection(collection, how)
            t[f"Reducer.{how}"] = lambda how=how, **kw: how
        for geo in ("Rectangle", "Polygon", "Point", "MultiPolygon", "LineString"):
            t[f"GeometryConstructors.{geo}"] = lambda geo=geo, **kw: {"type": geo, **kw}
        t["Geometry"] = lambda geoJson=None, **kw: geoJson
        t["Feature"] = lambda geometry=None, metadata=None: {"type": "Feature", "geometry": geometry}
        t["Projection"] = projections.projection
        t["Projection.atScale"] = projections.at_scale
        return t


def constant_image(value: float) -> Img:
    return Img([constant_band(value)])
