"""Number, String, List, Dictionary, Date and Algorithms.* of the metadata evaluator, computed for real."""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
from collections.abc import Callable
from typing import Any

from .errors import EEError
from .graph import to_millis
from .values import EEDate

Table = dict[str, Callable[..., Any]]


def _num(x: Any) -> float | int:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float)):
        return x
    raise EEError(f"Number: expected a number, got {type(x).__name__}.")


def _truthy(x: Any) -> bool:
    """Earth Engine's truth: false, 0, null, "" and empty lists/dicts are false."""
    if isinstance(x, (list, dict, str)):
        return len(x) > 0
    return bool(x)


def _div(a: Any, b: Any) -> float:
    a, b = _num(a), _num(b)
    return float("nan") if b == 0 else a / b  # Earth Engine: division by zero is not an error


def _as_int(x: Any) -> Any:
    return int(x) if isinstance(x, float) and x.is_integer() else x


def number_table() -> Table:
    binary = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "divide": _div,
              "pow": operator.pow, "mod": math.fmod, "min": min, "max": max, "atan2": math.atan2,
              "hypot": math.hypot, "first": lambda a, b: a}
    compare = {"eq": operator.eq, "neq": operator.ne, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
               "lte": operator.le}
    unary = {"abs": abs, "round": lambda x: float(math.floor(x + 0.5)), "floor": math.floor, "ceil": math.ceil,
             "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "log10": math.log10, "int": int, "toInt": int,
             "toInt32": int, "toInt64": int, "toLong": int, "toFloat": float, "toDouble": float,
             "float": float, "double": float, "long": int, "sin": math.sin, "cos": math.cos, "tan": math.tan,
             "signum": lambda x: (x > 0) - (x < 0), "not": lambda x: int(not x)}
    t: Table = {}
    for name, op in binary.items():
        t[f"Number.{name}"] = lambda left, right, op=op: op(_num(left), _num(right))
    for name, op in compare.items():
        t[f"Number.{name}"] = lambda left, right, op=op: int(op(left, right))
    for name, op in unary.items():
        t[f"Number.{name}"] = lambda input, op=op: op(_num(input))  # noqa: A002 - EE's argument name
    t["Number.and"] = lambda left, right: int(_truthy(left) and _truthy(right))
    t["Number.or"] = lambda left, right: int(_truthy(left) or _truthy(right))
    t["Number.format"] = _number_format
    t["Number.parse"] = lambda input, radix=10: _parse(input, radix)  # noqa: A002
    t["Number.clamp"] = lambda number, min, max: builtins_min(builtins_max(_num(number), min), max)  # noqa: A002
    return t


builtins_min, builtins_max = min, max


def _parse(s: Any, radix: int = 10) -> Any:
    try:
        return int(str(s), int(radix)) if radix != 10 or re.fullmatch(r"[-+]?\d+", str(s)) else float(s)
    except ValueError:
        raise EEError(f"Number.parse: Unable to parse '{s}'.") from None


def _number_format(number: Any, pattern: str | None = None) -> str:
    """Number.format with a printf-style pattern (Earth Engine's, e.g. '%.2f'); default: shortest form."""
    if pattern:
        try:
            return pattern % _num(number)
        except (TypeError, ValueError):
            raise EEError(f"Number.format: invalid pattern '{pattern}'.") from None
    v = _num(number)
    return str(_as_int(v)) if isinstance(v, float) else str(v)


def string_table() -> Table:
    return {
        "String": lambda input: input if isinstance(input, str) else _number_format(input),  # noqa: A002
        "String.cat": lambda string1, string2: str(string1) + str(string2),
        "String.length": lambda string: len(string),
        "String.slice": lambda string, start, end=None: string[int(start):None if end is None else int(end)],
        "String.toUpperCase": lambda string: string.upper(),
        "String.toLowerCase": lambda string: string.lower(),
        "String.trim": lambda string: string.strip(),
        "String.split": lambda string, regex, flags=None: re.split(regex, string) if regex else list(string),
        "String.replace": lambda input, regex, replacement, flags=None: re.sub(  # noqa: A002
            regex, re.sub(r"\$(\d)", r"\\\1", replacement), input, count=0 if flags and "g" in flags else 1),
        "String.match": lambda input, regex, flags=None: (lambda m: [m.group(0), *m.groups()] if m else [])(  # noqa: A002
            re.search(regex, input)),
        "String.index": lambda target, pattern: target.find(pattern),
        "String.compareTo": lambda string1, string2: (string1 > string2) - (string1 < string2),
        "String.equals": lambda target, reference: target == reference,
        "String.decodeJSON": _decode_json,
        "String.encodeJSON": lambda object: __import__("json").dumps(object),  # noqa: A002
    }


def _decode_json(string: str) -> Any:
    import json

    try:
        return json.loads(string)
    except json.JSONDecodeError as exc:
        raise EEError(f"String.decodeJSON: {exc}") from None


def _index(lst: list[Any], i: Any) -> int:
    i = int(i)
    return i + len(lst) if i < 0 else i


def _list_get(list: list[Any], index: Any) -> Any:  # noqa: A002
    i = _index(list, index)
    if not 0 <= i < len(list):
        raise EEError(f"List.get: List index must be between {-len(list)} and {len(list) - 1}. Found {index}.")
    return list[i]


def _list_slice(list: list[Any], start: Any, end: Any = None, step: Any = None) -> list[Any]:  # noqa: A002
    return list[int(start):None if end is None else int(end):None if step is None else int(step)]


def _list_remove(list: list[Any], element: Any) -> list[Any]:  # noqa: A002
    out = [*list]
    if element in out:
        out.remove(element)
    return out


def _distinct(list: list[Any]) -> list[Any]:  # noqa: A002
    out: list[Any] = []
    for v in list:
        if v not in out:
            out.append(v)
    return out


def list_table(ev: Any) -> Table:
    def lmap(list: list[Any], baseAlgorithm: Any, dropNulls: bool = False) -> list[Any]:  # noqa: A002, N803
        out = [ev.call_func(baseAlgorithm, [v]) for v in list]
        return [v for v in out if v is not None] if dropNulls else out

    def iterate(list: list[Any], function: Any, first: Any) -> Any:  # noqa: A002
        acc = first
        for v in list:
            acc = ev.call_func(function, [v, acc])
        return acc

    return {
        "List": lambda list: [*list],  # noqa: A002
        "List.size": lambda list: len(list),  # noqa: A002
        "List.length": lambda list: len(list),  # noqa: A002
        "List.get": _list_get,
        "List.slice": _list_slice,
        "List.add": lambda list, element: [*list, element],  # noqa: A002
        "List.cat": lambda list, other: [*list, *other],  # noqa: A002
        "List.contains": lambda list, element: element in list,  # noqa: A002
        "List.containsAll": lambda list, other: all(v in list for v in other),  # noqa: A002
        "List.indexOf": lambda list, element: list.index(element) if element in list else -1,  # noqa: A002
        "List.remove": _list_remove,
        "List.removeAll": lambda list, other: [v for v in list if v not in other],  # noqa: A002
        "List.distinct": _distinct,
        "List.sort": lambda list, keys=None: [v for _, v in sorted(zip(keys or list, list, strict=True),  # noqa: A002
                                                                   key=lambda kv: kv[0])],
        "List.reverse": lambda list: [*reversed(list)],  # noqa: A002
        "List.flatten": lambda list: [w for v in list for w in (v if isinstance(v, list) else [v])],  # noqa: A002
        "List.zip": lambda list, other: [[a, b] for a, b in zip(list, other, strict=False)],  # noqa: A002
        "List.set": lambda list, index, element: [element if i == _index(list, index) else v  # noqa: A002
                                                  for i, v in enumerate(list)],
        "List.sequence": lambda start, end=None, step=1, count=None: _sequence(start, end, step, count),
        "List.repeat": lambda value, count: [value] * int(count),
        "List.map": lmap,
        "List.iterate": iterate,
        "List.reduce": lambda list, reducer: reducer.reduce_values([list])[reducer.output_names(["list"])[0]]  # noqa: A002
        if len(reducer.output_names(["list"])) == 1 else reducer.reduce_values([list]),
        "List.frequency": lambda list, element: list.count(element),  # noqa: A002
        "List.join": lambda list, separator=", ": separator.join(str(v) for v in list),  # noqa: A002
    }


def _sequence(start: Any, end: Any, step: Any, count: Any) -> list[Any]:
    start, step = _num(start), _num(step if step is not None else 1)
    if count is not None:
        return [start + i * step for i in range(int(count))]
    out, v = [], start
    while (step > 0 and v <= end + 1e-12) or (step < 0 and v >= end - 1e-12):
        out.append(_as_int(v) if isinstance(start, int) and isinstance(step, int) else v)
        v += step
    return out


def _dict_get(dictionary: dict[str, Any], key: str, defaultValue: Any = None) -> Any:  # noqa: N803
    if key in dictionary:
        return dictionary[key]
    if defaultValue is not None:
        return defaultValue
    raise EEError(f"Dictionary.get: Dictionary does not contain key: '{key}'.")


def _from_lists(keys: list[Any], values: list[Any]) -> dict[str, Any]:
    if len(keys) != len(values):
        raise EEError(f"Dictionary.fromLists: Lists have different lengths: {len(keys)} and {len(values)}.")
    return {str(k): v for k, v in zip(keys, values, strict=True)}


def dictionary_table(ev: Any) -> Table:
    return {
        "Dictionary": lambda input=None: dict(input or {}),  # noqa: A002
        "Dictionary.get": _dict_get,
        "Dictionary.set": lambda dictionary, key, value: {**dictionary, key: value},
        "Dictionary.keys": lambda dictionary: sorted(dictionary),
        "Dictionary.values": lambda dictionary, keys=None: [dictionary[k] for k in (keys or sorted(dictionary))],
        "Dictionary.contains": lambda dictionary, key: key in dictionary,
        "Dictionary.size": lambda dictionary: len(dictionary),
        "Dictionary.remove": lambda dictionary, selectors, ignoreMissing=False: {  # noqa: N803
            k: v for k, v in dictionary.items() if k not in selectors},
        "Dictionary.select": lambda dictionary, selectors, ignoreMissing=False: {  # noqa: N803
            k: dictionary[k] for k in selectors if k in dictionary},
        "Dictionary.combine": lambda first, second, overwrite=True: (
            {**first, **second} if overwrite else {**second, **first}),
        "Dictionary.fromLists": _from_lists,
        "Dictionary.toArray": lambda dictionary, keys=None, axis=0: [dictionary[k]
                                                                     for k in (keys or sorted(dictionary))],
        "Dictionary.map": lambda dictionary, baseAlgorithm: {  # noqa: N803
            k: ev.call_func(baseAlgorithm, [k, v]) for k, v in dictionary.items()},
    }


# -- dates ----------------------------------------------------------------------------------------------
_UNIT_MS = {"second": 1000.0, "minute": 60_000.0, "hour": 3_600_000.0, "day": 86_400_000.0,
            "week": 7 * 86_400_000.0}
# Joda-Time pattern letters Earth Engine's Date.format takes -> strftime.
_JODA = [("YYYY", "%Y"), ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"),
         ("dd", "%d"), ("DDD", "%j"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"), ("EEEE", "%A"),
         ("EEE", "%a"), ("a", "%p")]


def _dt(ms: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.timezone.utc)


def date_format(date: Any, format: str | None = None, timeZone: str | None = None) -> str:  # noqa: A002, N803
    d = _dt(to_millis(date))
    if not format:
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    out, i = "", 0
    while i < len(format):
        if format[i] == "'":  # quoted literal
            j = format.find("'", i + 1)
            j = len(format) if j < 0 else j
            out += format[i + 1:j]
            i = j + 1
            continue
        if format.startswith("SSS", i):
            out += f"{d.microsecond // 1000:03d}"
            i += 3
            continue
        for tok, sub in _JODA:
            if format.startswith(tok, i):
                out += d.strftime(sub)
                i += len(tok)
                break
        else:
            out += format[i]
            i += 1
    return out


def _advance(date: Any, delta: Any, unit: str, timeZone: Any = None) -> EEDate:  # noqa: N803
    ms = to_millis(date)
    if unit in _UNIT_MS:
        return EEDate(ms + float(delta) * _UNIT_MS[unit])
    d = _dt(ms)
    months = int(delta) * (12 if unit == "year" else 1)
    if unit not in ("month", "year"):
        raise EEError(f"Date.advance: unknown unit '{unit}'.")
    m0 = d.month - 1 + months
    y, m = d.year + m0 // 12, m0 % 12 + 1
    import calendar

    day = min(d.day, calendar.monthrange(y, m)[1])
    return EEDate(d.replace(year=y, month=m, day=day).timestamp() * 1000.0)


def _date_get(date: Any, unit: str, timeZone: Any = None) -> int:  # noqa: N803
    d = _dt(to_millis(date))
    if unit == "week":
        return d.isocalendar()[1]
    return int(getattr(d, unit))


def date_table() -> Table:
    return {
        "Date": lambda value, timeZone=None: EEDate(to_millis(value)),  # noqa: N803
        "Date.millis": lambda date: to_millis(date),
        "Date.format": date_format,
        "Date.advance": _advance,
        "Date.get": _date_get,
        "Date.difference": lambda date, start, unit: (to_millis(date) - to_millis(start)) / _UNIT_MS.get(
            unit, 86_400_000.0 * (30.4375 if unit == "month" else 365.25)),
        "Date.fromYMD": lambda year, month, day, timeZone=None: EEDate(  # noqa: N803
            dt.datetime(int(year), int(month), int(day), tzinfo=dt.timezone.utc).timestamp() * 1000.0),
        "Date.parse": lambda format, date, timeZone=None: EEDate(to_millis(date)),  # noqa: A002, N803
        "Date.getRelative": lambda date, unit, timeZone=None: _date_get(date, unit) - (  # noqa: N803
            1 if unit in ("month", "day") else 0),
    }


def _if(condition: Any = None, trueCase: Any = None, falseCase: Any = None) -> Any:  # noqa: N803
    return trueCase if _truthy(condition) else falseCase


def algorithms_table() -> Table:
    return {
        "Algorithms.If": _if,
        "If": _if,  # the name ee.Algorithms.If serialises to
        "Algorithms.IsEqual": lambda left=None, right=None: left == right,
        "Algorithms.String": lambda input: str(input),  # noqa: A002
        "Algorithms.Describe": lambda input: str(input),  # noqa: A002
        "ObjectType": lambda value=None: type(value).__name__,
    }
