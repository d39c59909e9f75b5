"""Filters that compare two operands, as Earth Engine's do: `leftField` / `leftValue` against `rightField` /
`rightValue`. On a collection both fields read the element tested; in a join `leftField` reads the primary
element and `rightField` the secondary one (`pair`). The field `.geo` (and `.all`, as filterBounds sends)
is a feature's geometry; images keep the footprint test of graph.f_intersects.

Each filter is a function of an element's properties (what `Collection.filter` and the lazy collections
call) carrying `pair(left, right)`, and `measure(left, right)` where a join can rank matches by it
(maxDifference, withinDistance).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from .errors import EEError
from .graph import f_date_range, f_intersects
from .values import Feature

Table = dict[str, Callable[..., Any]]
Props = dict[str, Any]
_MISSING = object()
GEO_FIELDS = (".geo", ".all")


def element_view(el: Any) -> Props:
    """What a filter reads of an element: its properties, and a feature's geometry as `.geo`."""
    from .colls import props_of

    if isinstance(el, Feature):
        return {**el.properties, ".geo": el.geometry}
    if isinstance(el, dict):  # a List.filter item, or a value already viewed
        return el
    return props_of(el)


def make(pair: Callable[[Props, Props], bool], measure: Callable[[Props, Props], float] | None = None,
         **attrs: Any) -> Callable[[Props], bool]:
    def f(p: Props) -> bool:
        return bool(pair(p, p))
    f.pair = pair  # type: ignore[attr-defined]
    if measure is not None:
        f.measure = measure  # type: ignore[attr-defined]
    for k, v in attrs.items():
        setattr(f, k, v)
    return f


def pair_of(filt: Any) -> Callable[[Props, Props], bool]:
    """A filter's two-element test (filters built elsewhere test the primary element only)."""
    return getattr(filt, "pair", None) or (lambda left, right: bool(filt(left)))


def _operands(leftField: Any, rightValue: Any, rightField: Any, leftValue: Any,  # noqa: N803
              ) -> Callable[[Props, Props], tuple[Any, Any]]:
    def get(p: Props, field: Any, value: Any) -> Any:
        if field is None:
            return value
        if field in GEO_FIELDS:
            return p.get(".geo", p.get("system:footprint", _MISSING))
        return p.get(field, _MISSING)

    return lambda a, b: (get(a, leftField, leftValue), get(b, rightField, rightValue))


def binary(test: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def ctor(leftField: Any = None, rightValue: Any = None, rightField: Any = None, leftValue: Any = None,  # noqa: N803
             **kw: Any) -> Callable[[Props], bool]:
        ops = _operands(leftField, rightValue, rightField, leftValue)

        def pair(a: Props, b: Props) -> bool:
            x, y = ops(a, b)
            if x is _MISSING or y is _MISSING or x is None or y is None:
                return False
            try:
                return bool(test(x, y))
            except TypeError:  # a string against a number: no match, as Earth Engine's comparisons
                return False
        attrs = {"equals": (leftField, rightValue)} if test is _eq and leftField and rightField is None else {}
        return make(pair, **attrs)
    return ctor


def _eq(a: Any, b: Any) -> bool:
    return a == b


def _in_list(a: Any, b: Any) -> bool:
    return isinstance(b, (list, tuple)) and a in b


def _list_contains(a: Any, b: Any) -> bool:
    return isinstance(a, (list, tuple)) and b in a


def max_difference(difference: Any, leftField: Any = None, rightValue: Any = None, rightField: Any = None,  # noqa: N803
                   leftValue: Any = None) -> Callable[[Props], bool]:
    ops = _operands(leftField, rightValue, rightField, leftValue)

    def measure(a: Props, b: Props) -> float:
        x, y = ops(a, b)
        if x is _MISSING or y is _MISSING or x is None or y is None:
            return math.inf
        return abs(float(x) - float(y))
    return make(lambda a, b: measure(a, b) <= float(difference), measure)


def _geo_ctor(test: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def ctor(leftField: Any = None, rightValue: Any = None, rightField: Any = None, leftValue: Any = None,  # noqa: N803
             maxError: Any = None) -> Callable[[Props], bool]:  # noqa: N803
        return binary(test)(leftField, rightValue, rightField, leftValue)
    return ctor


def _shape(x: Any) -> Any:
    from .alg_geometry import shape

    return shape(x)


def within_distance(distance: Any, leftField: Any = None, rightValue: Any = None, rightField: Any = None,  # noqa: N803
                    leftValue: Any = None, maxError: Any = None) -> Callable[[Props], bool]:  # noqa: N803
    from .alg_geometry import distance as geo_distance

    ops = _operands(leftField, rightValue, rightField, leftValue)

    def measure(a: Props, b: Props) -> float:
        x, y = ops(a, b)
        if x in (_MISSING, None) or y in (_MISSING, None):
            return math.inf
        return geo_distance(x, y)
    return make(lambda a, b: measure(a, b) <= float(distance), measure)


def intersects(leftField: Any = None, rightValue: Any = None, rightField: Any = None, leftValue: Any = None,  # noqa: N803
               maxError: Any = None) -> Callable[[Props], bool]:  # noqa: N803
    """Filter.intersects: features by their geometry (shapely); images by footprint box (graph.f_intersects),
    which also lets a lazy collection generate scenes for the region only."""
    image_test = f_intersects(leftField, rightValue) if rightValue is not None else None
    ops = _operands(leftField, rightValue, rightField, leftValue)

    def pair(a: Props, b: Props) -> bool:
        if ".geo" not in a and image_test is not None and rightField is None:
            return bool(image_test(a))
        x, y = ops(a, b)
        if x in (_MISSING, None) or y in (_MISSING, None):
            return False
        return bool(_shape(x).intersects(_shape(y)))
    return make(pair, region=getattr(image_test, "region", None)) if image_test is not None else make(pair)


def date_range_contains(leftValue: Any = None, rightField: str = "system:time_start", **kw: Any) -> Any:  # noqa: N803
    inner = f_date_range(leftValue, rightField)
    attrs = {"dates": inner.dates} if hasattr(inner, "dates") else {}
    return make(lambda a, b: bool(inner(b)), **attrs)


_CAL = {"year": lambda d: d.year, "month": lambda d: d.month, "week_of_year": lambda d: d.isocalendar()[1],
        "day_of_year": lambda d: d.timetuple().tm_yday, "day_of_month": lambda d: d.day,
        "day_of_week": lambda d: d.isoweekday(), "hour": lambda d: d.hour, "minute": lambda d: d.minute}


def calendar_range(start: Any, end: Any = None, field: str = "day_of_year") -> Callable[[Props], bool]:
    """Filter.calendarRange: system:time_start's calendar field in [start, end] (UTC; end < start wraps)."""
    if field not in _CAL:
        raise EEError(f"Filter.calendarRange: unknown field '{field}'; expected one of {sorted(_CAL)}.")
    lo, hi = int(start), int(end if end is not None else start)

    def pair(a: Props, b: Props) -> bool:
        t = a.get("system:time_start")
        if t is None:
            return False
        v = _CAL[field](dt.datetime.fromtimestamp(float(t) / 1000.0, dt.timezone.utc))
        return lo <= v <= hi if lo <= hi else (v >= lo or v <= hi)
    return make(pair)


def f_and(filters: list[Any]) -> Callable[[Props], bool]:
    pairs = [pair_of(f) for f in filters]
    measures = [f.measure for f in filters if hasattr(f, "measure")]
    return make(lambda a, b: all(p(a, b) for p in pairs), measures[0] if measures else None,
                **{k: getattr(f, k) for f in filters for k in ("dates", "region") if getattr(f, k, None)})


def f_or(filters: list[Any]) -> Callable[[Props], bool]:
    pairs = [pair_of(f) for f in filters]
    return make(lambda a, b: any(p(a, b) for p in pairs))


def f_not(filter: Any) -> Callable[[Props], bool]:  # noqa: A002 - EE's argument name
    p = pair_of(filter)
    return make(lambda a, b: not p(a, b))


def filter_table(ev: Any) -> Table:
    def collection_filter(collection: Any, filter: Any) -> Any:  # noqa: A002
        from .graph import Coll

        if hasattr(collection, "narrow") or not any(isinstance(i, Feature) for i in collection.images):
            return ev._filter(collection, filter)
        return Coll([i for i in collection.images if filter(element_view(i))], collection.asset,
                    dict(collection.props))

    def list_filter(list: list[Any], filter: Any) -> list[Any]:  # noqa: A002
        return [v for v in list if filter({"item": v})]

    comparisons = {"equals": _eq, "eq": _eq, "notEquals": lambda a, b: a != b, "neq": lambda a, b: a != b,
                   "lessThan": lambda a, b: a < b, "lt": lambda a, b: a < b,
                   "greaterThan": lambda a, b: a > b, "gt": lambda a, b: a > b,
                   "lessThanOrEquals": lambda a, b: a <= b, "lte": lambda a, b: a <= b,
                   "greaterThanOrEquals": lambda a, b: a >= b, "gte": lambda a, b: a >= b,
                   "stringContains": lambda a, b: str(b) in str(a),
                   "stringStartsWith": lambda a, b: str(a).startswith(str(b)),
                   "stringEndsWith": lambda a, b: str(a).endswith(str(b)),
                   "inList": _in_list, "listContains": _list_contains,
                   "hasType": lambda a, b: _type_name(a) == str(b)}
    t: Table = {f"Filter.{k}": binary(v) for k, v in comparisons.items()}
    t.update({
        "Filter.maxDifference": max_difference, "Filter.withinDistance": within_distance,
        "Filter.intersects": intersects, "Filter.dateRangeContains": date_range_contains,
        "Filter.contains": _geo_ctor(lambda a, b: _shape(a).covers(_shape(b))),
        "Filter.isContained": _geo_ctor(lambda a, b: _shape(b).covers(_shape(a))),
        "Filter.disjoint": _geo_ctor(lambda a, b: _shape(a).disjoint(_shape(b))),
        "Filter.calendarRange": calendar_range,
        "Filter.dayOfYear": lambda start, end: calendar_range(start, end, "day_of_year"),
        "Filter.always": lambda: make(lambda a, b: True), "Filter.never": lambda: make(lambda a, b: False),
        "Filter.hasGeometry": lambda: make(lambda a, b: a.get(".geo") is not None),
        "Filter.and": f_and, "Filter.or": f_or, "Filter.not": f_not,
        "Filter.expression": _expression,
        "Collection.filter": collection_filter,
        "List.filter": list_filter,
    })
    return t


def _type_name(v: Any) -> str:
    if isinstance(v, bool) or isinstance(v, (int, float)):
        return "Number"
    return {str: "String", list: "List", dict: "Dictionary"}.get(type(v), type(v).__name__)


_EXPR_OPS = [("&&", " and "), ("||", " or "), ("!=", " != "), ("==", " == ")]


def _expression(expression: str) -> Callable[[Props], bool]:
    """Filter.expression: comparisons of properties joined by && / || / ! (Earth Engine's filter syntax)."""
    import ast

    src = expression
    for a, b in _EXPR_OPS:
        src = src.replace(a, b)
    src = re.sub(r"!(?!=)", " not ", src)
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        raise EEError(f"Filter.expression: unable to parse '{expression}'.") from None
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare, ast.Name,
               ast.Load, ast.Constant, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.BinOp, ast.Add,
               ast.Sub, ast.Mult, ast.Div)
    if not all(isinstance(n, allowed) for n in ast.walk(tree)):
        raise EEError(f"Filter.expression: unsupported syntax in '{expression}'.")
    code = compile(tree, "<filter>", "eval")

    def pair(a: Props, b: Props) -> bool:
        try:
            return bool(eval(code, {"__builtins__": {}}, dict(a)))  # noqa: S307 - AST checked above
        except (NameError, TypeError):
            return False
    return make(pair)
