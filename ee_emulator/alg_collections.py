"""FeatureCollection, Feature and Join algorithms beyond colls.py: ids, flatten, union, randomColumn, remap,
aggregate stats, makeArray, randomPoints; Feature.id / select / setGeometry; Join.simple / inverted / inner
/ saveFirst / saveAll / saveBest applied with the two-operand filters of alg_filters.py."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .alg_filters import element_view, pair_of
from .colls import props_of, with_props
from .errors import EEError
from .graph import Coll
from .values import Feature, Geom

Table = dict[str, Callable[..., Any]]


def _collection(features: list[Any]) -> Coll:
    """ee.FeatureCollection([...]): features (geometries become features); ids "0", "1", ... as on Google."""
    out = []
    for i, f in enumerate(features):
        if isinstance(f, Coll):  # a collection of collections (flatten() then joins them)
            out.append(f if "system:index" in f.props else Coll(f.images, f.asset, {**f.props, "system:index": str(i)}))
            continue
        f = f if isinstance(f, Feature) else Feature(f, {})
        if "system:index" not in f.properties:
            f = Feature(f.geometry, {**f.properties, "system:index": str(i)})
        out.append(f)
    return Coll(out)


def flatten(collection: Coll) -> Coll:
    """Collection.flatten: a collection of collections as one; ids `<outer>_<inner>` as Earth Engine's."""
    out = []
    for k, inner in enumerate(collection.images):
        outer_id = props_of(inner).get("system:index", str(k))
        for j, el in enumerate(inner.images if isinstance(inner, Coll) else [inner]):
            p = props_of(el)
            out.append(with_props(el, {**p, "system:index": f"{outer_id}_{p.get('system:index', j)}"}))
    return Coll(out)


def union(collection: Coll, maxError: Any = None) -> Coll:  # noqa: N803
    from .alg_geometry import shape, to_geom

    return Coll([Feature(to_geom(shape(collection)), {"system:index": "0"})])


def bounds(collection: Coll, maxError: Any = None, proj: Any = None) -> Geom:  # noqa: N803
    from .alg_geometry import shape, to_geom

    return to_geom(shape(collection).envelope)


def random_column(collection: Coll, columnName: str = "random", seed: Any = 0,  # noqa: N803
                  distribution: str = "uniform", rowKeys: Any = None) -> Coll:  # noqa: N803
    """Collection.randomColumn: a seeded value per element, uniform in [0, 1) or standard normal."""
    if distribution not in ("uniform", "normal"):
        raise EEError(f"Collection.randomColumn: unknown distribution '{distribution}'.")
    out = []
    for k, el in enumerate(collection.images):
        p = props_of(el)
        key = [p.get(r) for r in rowKeys] if rowKeys else [p.get("system:index", k)]
        rng = np.random.default_rng([int(seed or 0) & 0xFFFFFFFF, zlib.crc32(repr(key).encode())])
        v = float(rng.random()) if distribution == "uniform" else float(rng.standard_normal())
        out.append(with_props(el, {**p, columnName: v}))
    return Coll(out, collection.asset, dict(collection.props))


def remap(collection: Coll, lookupIn: list[Any], lookupOut: list[Any], columnName: str) -> Coll:  # noqa: N803
    """Collection.remap: values of `columnName` found in lookupIn replaced; elements with others dropped."""
    if len(lookupIn) != len(lookupOut):
        raise EEError("Collection.remap: lookupIn and lookupOut must have the same length.")
    table = {repr(a): b for a, b in zip(lookupIn, lookupOut, strict=True)}
    out = []
    for el in collection.images:
        p = props_of(el)
        k = repr(p.get(columnName))
        if k in table:
            out.append(with_props(el, {**p, columnName: table[k]}))
    return Coll(out, collection.asset, dict(collection.props))


def aggregate_stats(collection: Coll, property: str) -> dict[str, Any]:  # noqa: A002
    vals = [float(v) for v in (props_of(i).get(property) for i in collection.images) if v is not None]
    n = len(vals)
    total = len(collection.images)
    s = sum(vals)
    mean = s / n if n else 0.0
    ss = sum((v - mean) ** 2 for v in vals)
    return {"max": max(vals) if vals else None, "mean": mean, "min": min(vals) if vals else None,
            "sample_sd": math.sqrt(ss / (n - 1)) if n > 1 else 0.0, "sample_var": ss / (n - 1) if n > 1 else 0.0,
            "sum": s, "sum_sq": sum(v * v for v in vals), "total_count": total,
            "total_sd": math.sqrt(ss / n) if n else 0.0, "total_var": ss / n if n else 0.0, "valid_count": n,
            "weight_sum": float(n), "weighted_sum": s}


def _product(collection: Coll, property: str) -> float:  # noqa: A002
    return float(math.prod(float(v) for v in (props_of(i).get(property) for i in collection.images)
                           if v is not None))


def make_array(collection: Coll, properties: list[str], name: str = "array") -> Coll:
    out = [with_props(el, {**props_of(el), name: [props_of(el).get(p) for p in properties]})
           for el in collection.images]
    return Coll(out, collection.asset, dict(collection.props))


def random_points(region: Any, points: Any = 1000, seed: Any = 0, maxError: Any = None) -> Coll:  # noqa: N803
    """FeatureCollection.randomPoints: points uniform over the region's area (on the sphere), seeded."""
    import shapely

    from .alg_geometry import shape

    shp = shape(region)
    x0, y0, x1, y1 = shp.bounds
    rng = np.random.default_rng(int(seed or 0))
    s0, s1 = math.sin(math.radians(y0)), math.sin(math.radians(y1))
    got: list[tuple[float, float]] = []
    for _ in range(1000):
        if len(got) >= int(points):
            break
        lon = rng.uniform(x0, x1, 4096)
        lat = np.degrees(np.arcsin(rng.uniform(s0, s1, 4096)))
        keep = shapely.contains_xy(shp, lon, lat)
        got += list(zip(lon[keep].tolist(), lat[keep].tolist(), strict=True))
    return Coll([Feature(Geom(type="Point", coordinates=[x, y]), {"system:index": str(i)})
                 for i, (x, y) in enumerate(got[:int(points)])])


def feature_select(input: Any, propertySelectors: list[str], newProperties: list[str] | None = None,  # noqa: A002, N803
                   retainGeometry: bool = True) -> Feature:  # noqa: N803
    """Feature.select: properties whose names match the selectors (regular expressions), optionally renamed."""
    p = props_of(input)
    names = [k for sel in propertySelectors for k in p if re.fullmatch(sel, k) and not k.startswith("_")]
    names = list(dict.fromkeys(names))
    if newProperties is not None and len(newProperties) != len(names):
        raise EEError("Feature.select: the number of new names must match the number of selected properties.")
    renamed = newProperties or names
    out = {new: p[old] for old, new in zip(names, renamed, strict=True)}
    if "system:index" in p:
        out.setdefault("system:index", p["system:index"])
    return Feature(input.geometry if retainGeometry else None, out)


def _matches(primary: Any, secondary: Coll, condition: Any) -> list[tuple[Any, float]]:
    test = pair_of(condition)
    measure = getattr(condition, "measure", None)
    a = element_view(primary)
    out = []
    for s in secondary.images:
        b = element_view(s)
        if test(a, b):
            out.append((s, measure(a, b) if measure else 0.0))
    return out


def _order(matches: list[tuple[Any, float]], ordering: str | None, ascending: bool) -> list[tuple[Any, float]]:
    if not ordering:
        return matches
    from .colls import _sort_key

    return sorted(matches, key=lambda m: _sort_key(props_of(m[0]).get(ordering)), reverse=not ascending)


def _with_measure(el: Any, key: str | None, value: float) -> Any:
    return with_props(el, {**props_of(el), key: value}) if key else el


def join_apply(join: dict[str, Any], primary: Coll, secondary: Coll, condition: Any) -> Coll:
    """Join.apply: the join's kind over every primary element's matches among the secondary ones."""
    kind, kw = join["kind"], join
    out = []
    for el in primary.images:
        m = _matches(el, secondary, condition)
        if kind == "simple" and m or kind == "inverted" and not m:
            out.append(el)
        elif kind == "inner":
            for s, d in m:
                props = {kw.get("primaryKey") or "primary": el, kw.get("secondaryKey") or "secondary": s}
                if kw.get("measureKey"):
                    props[kw["measureKey"]] = d
                out.append(Feature(None, props))
        elif kind in ("saveFirst", "saveAll", "saveBest"):
            if not m and not kw.get("outer"):
                continue
            if kind == "saveBest":
                m = sorted(m, key=lambda x: x[1])
            else:
                m = _order(m, kw.get("ordering"), kw.get("ascending", True) is not False)
            saved = [_with_measure(s, kw.get("measureKey"), d) for s, d in m]
            key = kw["matchesKey"] if kind == "saveAll" else kw["matchKey"]
            value = saved if kind == "saveAll" else (saved[0] if saved else None)
            out.append(with_props(el, {**props_of(el), key: value}))
    return Coll(out, primary.asset if kind not in ("inner",) else "", dict(primary.props))


def _join(kind: str) -> Callable[..., dict[str, Any]]:
    return lambda **kw: {"kind": kind, **kw}


def collection_extras_table() -> Table:
    t: Table = {
        "Collection": lambda features: _collection(features),
        "Collection.flatten": flatten, "Collection.union": union, "Collection.bounds": bounds,
        "Collection.randomColumn": random_column, "Collection.remap": remap,
        "Collection.cache": lambda collection: collection,
        "AggregateFeatureCollection.stats": aggregate_stats, "AggregateFeatureCollection.product": _product,
        "FeatureCollection.makeArray": make_array, "FeatureCollection.randomPoints": random_points,
        "Feature.id": lambda element: props_of(element).get("system:index"),
        "Feature.select": feature_select,
        "Feature.setGeometry": lambda feature, geometry=None: Feature(geometry, dict(feature.properties)),
        "Feature.toArray": lambda feature, properties: [props_of(feature).get(p) for p in properties],
        "Element.geometry": lambda feature, maxError=None, proj=None, geodesics=None: feature.geometry,  # noqa: N803
        "Element.replaceProperties": lambda destination, source=None: with_props(destination, dict(source or {})),
        "Join.apply": join_apply,
    }
    for kind in ("simple", "inverted", "inner", "saveFirst", "saveAll", "saveBest"):
        t[f"Join.{kind}"] = _join(kind)
    return t
