"""Collection, ImageCollection, Element, Feature and aggregate algorithms, computed for real on the lists of
images (or features) the catalogue gives."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .errors import EEError
from .graph import Coll, Img, as_image
from .metadata import property_names
from .reducers import as_reducer
from .values import Feature, Geom

Table = dict[str, Callable[..., Any]]


def props_of(el: Any) -> dict[str, Any]:
    if isinstance(el, (Img, Coll)):
        return el.props
    if isinstance(el, Feature):
        return el.properties
    raise EEError(f"Expected an Element, got {type(el).__name__}.")


def with_props(el: Any, props: dict[str, Any]) -> Any:
    if isinstance(el, Img):
        return Img(list(el.bands), props)
    if isinstance(el, Coll):
        return Coll(list(el.images), el.asset, props)
    if isinstance(el, Feature):
        return Feature(el.geometry, props)
    raise EEError(f"Expected an Element, got {type(el).__name__}.")


def element_get(object: Any, property: str) -> Any:  # noqa: A002 - EE's argument names
    props = props_of(object)
    if property == "system:id" and isinstance(object, Coll) and "system:id" not in props:
        return object.asset or None  # a loaded collection's id, as Earth Engine gives it
    return props.get(property)


def element_set(object: Any, key: str, value: Any) -> Any:  # noqa: A002
    return with_props(object, {**props_of(object), key: value})


def element_set_multi(object: Any, properties: dict[str, Any]) -> Any:  # noqa: A002
    return with_props(object, {**props_of(object), **properties})


def to_dictionary(element: Any, properties: list[str] | None = None) -> dict[str, Any]:
    props = props_of(element)
    if properties is not None:
        return {k: props[k] for k in properties if k in props}
    return {k: v for k, v in props.items() if not k.startswith(("system:", "_"))}


def copy_properties(destination: Any = None, source: Any = None, properties: list[str] | None = None,
                    exclude: list[str] | None = None) -> Any:
    src = props_of(source)
    keys = properties if properties is not None else [k for k in src if not k.startswith(("system:", "_"))]
    keys = [k for k in keys if k not in (exclude or []) and k in src]
    return with_props(destination, {**props_of(destination), **{k: src[k] for k in keys}})


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return (1, 0)
    return (0, v)


def limit(collection: Coll, limit: Any = None, key: str | None = None, ascending: bool = True) -> Coll:
    items = list(collection.images)
    if key is not None:
        items.sort(key=lambda i: _sort_key(props_of(i).get(key)), reverse=not ascending)
    if limit is not None:
        items = items[:int(limit)]
    return Coll(items, collection.asset, dict(collection.props))


def to_list(collection: Coll, count: Any, offset: Any = 0) -> list[Any]:
    o = int(offset or 0)
    return list(collection.images[o:o + int(count)])


def from_images(images: list[Any]) -> Coll:
    return Coll([as_image(i) for i in images])


def aggregate(kind: str) -> Callable[..., Any]:
    def f(collection: Coll, property: str, **kw: Any) -> Any:  # noqa: A002
        vals = [props_of(i).get(property) for i in collection.images]
        present = [v for v in vals if v is not None]
        if kind == "array":
            return present
        if kind == "count":
            return len(present)
        if kind == "count_distinct":
            return len({repr(v) for v in present})
        if kind == "first":
            return vals[0] if vals else None
        if kind == "histogram":
            out: dict[str, int] = {}
            for v in present:
                out[str(v)] = out.get(str(v), 0) + 1
            return out
        nums = [float(v) for v in present]
        if not nums:
            raise EEError(f"AggregateFeatureCollection.{kind}: Empty collection or no values of '{property}'.")
        if kind == "sum":
            return sum(nums)
        if kind == "mean":
            return sum(nums) / len(nums)
        if kind == "min":
            return min(nums)
        if kind == "max":
            return max(nums)
        if kind in ("total_sd", "sample_sd", "total_var", "sample_var"):
            m = sum(nums) / len(nums)
            ddof = 1 if kind.startswith("sample") else 0
            var = sum((x - m) ** 2 for x in nums) / max(1, len(nums) - ddof)
            return math.sqrt(var) if kind.endswith("sd") else var
        raise EEError(f"AggregateFeatureCollection.{kind}: not implemented by the m3leo emulator.")
    return f


def reduce_columns(collection: Coll, reducer: Any, selectors: list[str], weightSelectors: Any = None) -> dict:  # noqa: N803
    red = as_reducer(reducer)
    cols = [[props_of(i).get(s) for i in collection.images] for s in selectors]
    return red.reduce_values(cols)


def merge(collection1: Coll, collection2: Coll) -> Coll:
    return Coll(list(collection1.images) + list(collection2.images))


def distinct(collection: Coll, properties: Any) -> Coll:
    keys = [properties] if isinstance(properties, str) else list(properties)
    seen, out = set(), []
    for i in collection.images:
        k = tuple(repr(props_of(i).get(p)) for p in keys)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return Coll(out, collection.asset, dict(collection.props))


def collection_table(ev: Any) -> Table:
    def iterate(collection: Coll, function: Any, first: Any = None) -> Any:
        acc = first
        for i in collection.images:
            acc = ev.call_func(function, [i, acc])
        return acc

    t: Table = {
        "Collection.size": lambda collection: len(collection.images),
        "Collection.limit": limit,
        "Collection.toList": to_list,
        "Collection.iterate": iterate,
        "Collection.reduceColumns": reduce_columns,
        "Collection.merge": merge,
        "Collection.distinct": distinct,
        "Collection": lambda features: Coll([f if isinstance(f, Feature) else Feature(f, {}) for f in features]),
        "Collection.geometry": lambda collection, maxError=None: _union(collection),  # noqa: N803
        "ImageCollection.fromImages": from_images,
        "ImageCollection.toList": to_list,
        "Element.get": element_get,
        "Element.set": element_set,
        "Element.setMulti": element_set_multi,
        "Element.propertyNames": lambda element: property_names(props_of(element)),
        "Element.toDictionary": to_dictionary,
        "Element.copyProperties": copy_properties,
        "Element.getNumber": lambda object, property: element_get(object, property),  # noqa: A002
        "Element.getString": lambda object, property: element_get(object, property),  # noqa: A002
        "Element.getArray": lambda object, property: element_get(object, property),  # noqa: A002
        "Feature": lambda geometry=None, metadata=None, geometryKey=None: Feature(geometry, dict(metadata or {})),  # noqa: N803
        "Feature.geometry": lambda feature, maxError=None, proj=None, geodesics=None: feature.geometry,  # noqa: N803
    }
    for kind in ("array", "count", "count_distinct", "first", "histogram", "sum", "mean", "min", "max",
                 "total_sd", "sample_sd", "total_var", "sample_var"):
        t[f"AggregateFeatureCollection.{kind}"] = aggregate(kind)
    return t


def _union(collection: Coll) -> Geom:
    from shapely.geometry import mapping
    from shapely.ops import unary_union

    from .geometry import to_shapely

    geoms = [to_shapely(i.geometry) for i in collection.images if isinstance(i, Feature) and i.geometry]
    if not geoms:
        raise EEError("Collection.geometry: the collection has no geometries.")
    return Geom(mapping(unary_union(geoms)))

