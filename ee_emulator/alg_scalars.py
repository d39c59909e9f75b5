"""List, Dictionary, Date, DateRange, Number and String algorithms beyond scalars.py, computed for real."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import EEError
from .graph import to_millis
from .values import EEDate, EEDateRange

Table = dict[str, Callable[..., Any]]
_DAY = 86_400_000.0
# Joda-Time's average lengths, which Earth Engine's Date.unitRatio uses for months and years.
_UNIT_MS = {"second": 1000.0, "minute": 60_000.0, "hour": 3_600_000.0, "day": _DAY, "week": 7 * _DAY,
            "month": 2_629_746_000.0, "year": 31_556_952_000.0}


def _sublist_index(lst: list[Any], target: list[Any], last: bool = False) -> int:
    n = len(target)
    hits = [i for i in range(len(lst) - n + 1) if lst[i:i + n] == list(target)]
    return (hits[-1] if last else hits[0]) if hits else -1


def _splice(list: list[Any], start: Any, count: Any, other: Any = None) -> list[Any]:  # noqa: A002
    s = int(start) + (len(list) if int(start) < 0 else 0)
    return [*list[:s], *(other or []), *list[s + int(count):]]


def _swap(list: list[Any], pos1: Any, pos2: Any) -> list[Any]:  # noqa: A002
    out = [*list]
    i, j = int(pos1), int(pos2)
    out[i], out[j] = out[j], out[i]
    return out


def _rotate(list: list[Any], distance: Any) -> list[Any]:  # noqa: A002
    if not list:
        return []
    k = int(distance) % len(list)
    return [*list[-k:], *list[:-k]] if k else [*list]


def _replace(list: list[Any], oldval: Any, newval: Any) -> list[Any]:  # noqa: A002
    out = [*list]
    if oldval in out:
        out[out.index(oldval)] = newval
    return out


def _shuffle(list: list[Any], seed: Any = 0) -> list[Any]:  # noqa: A002
    out = [*list]
    random.Random(int(seed) if seed is not None else 0).shuffle(out)
    return out


def _unzip(list: list[Any]) -> list[Any]:  # noqa: A002
    if not list:
        return []
    n = min(len(v) for v in list)
    return [[v[i] for v in list] for i in range(n)]


def _list_get(list: list[Any], index: Any) -> Any:  # noqa: A002
    from .scalars import _list_get as get

    return get(list, index)


def list_extras_table() -> Table:
    return {
        "List.equals": lambda list, other: [*list] == [*other],  # noqa: A002
        "List.getArray": _list_get, "List.getGeometry": _list_get, "List.getNumber": _list_get,
        "List.getString": _list_get,
        "List.indexOfSublist": lambda list, target: _sublist_index(list, target),  # noqa: A002
        "List.lastIndexOfSubList": lambda list, target: _sublist_index(list, target, last=True),  # noqa: A002
        "List.insert": lambda list, index, element: [*list[:int(index) + (len(list) + 1 if int(index) < 0 else 0)],  # noqa: A002
                                                     element,
                                                     *list[int(index) + (len(list) + 1 if int(index) < 0 else 0):]],
        "List.replace": _replace,
        "List.replaceAll": lambda list, oldval, newval: [newval if v == oldval else v for v in list],  # noqa: A002
        "List.rotate": _rotate, "List.shuffle": _shuffle, "List.splice": _splice, "List.swap": _swap,
        "List.unzip": _unzip,
    }


def _dict_get(dictionary: dict[str, Any], key: str) -> Any:
    if key not in dictionary:
        raise EEError(f"Dictionary.get: Dictionary does not contain key: '{key}'.")
    return dictionary[key]


def _rename(dictionary: dict[str, Any], from_: list[str], to: list[str], overwrite: bool = False) -> dict[str, Any]:
    if len(from_) != len(to):
        raise EEError("Dictionary.rename: 'from' and 'to' must have the same length.")
    out = dict(dictionary)
    for a, b in zip(from_, to, strict=True):
        if a not in dictionary:
            raise EEError(f"Dictionary.rename: Dictionary does not contain key: '{a}'.")
        if b in out and b not in from_ and not overwrite:
            raise EEError(f"Dictionary.rename: Key '{b}' already exists; pass overwrite=true.")
        out.pop(a)
    for a, b in zip(from_, to, strict=True):
        out[b] = dictionary[a]
    return out


def _dict_image(dictionary: dict[str, Any], names: list[str] | None = None) -> Any:
    """Dictionary.toImage: one constant band per key (in `names` order, else sorted), as Earth Engine's."""
    from .graph import Img, constant_band

    keys = names if names is not None else sorted(dictionary)
    return Img([constant_band(float(dictionary[k]), str(k)) for k in keys])


def dictionary_extras_table() -> Table:
    return {
        "Dictionary.getArray": _dict_get, "Dictionary.getGeometry": _dict_get, "Dictionary.getNumber": _dict_get,
        "Dictionary.getString": _dict_get,
        "Dictionary.toImage": _dict_image,
        "Dictionary.rename": lambda dictionary, to, overwrite=False, **kw: _rename(dictionary, kw["from"], to,
                                                                                   overwrite),
    }


# -- dates ----------------------------------------------------------------------------------------------
def _dt(ms: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000.0, dt.timezone.utc)


def _ms(d: dt.datetime) -> float:
    return d.timestamp() * 1000.0


def _unit_start(d: dt.datetime, unit: str) -> tuple[dt.datetime, dt.datetime]:
    """The calendar unit holding d (UTC): its start and the next one's start."""
    if unit == "year":
        s = d.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return s, s.replace(year=s.year + 1)
    if unit == "month":
        s = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return s, s.replace(year=s.year + s.month // 12, month=s.month % 12 + 1)
    if unit == "week":  # Joda weeks start on Monday
        s = (d - dt.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        return s, s + dt.timedelta(days=7)
    steps = {"day": ("hour", dt.timedelta(days=1)), "hour": ("minute", dt.timedelta(hours=1)),
             "minute": ("second", dt.timedelta(minutes=1)), "second": ("microsecond", dt.timedelta(seconds=1))}
    if unit not in steps:
        raise EEError(f"Date: unknown unit '{unit}'; expected year, month, week, day, hour, minute or second.")
    fields = ["hour", "minute", "second", "microsecond"]
    first = fields.index(steps[unit][0])
    s = d.replace(**{f: 0 for f in fields[first:]})
    return s, s + steps[unit][1]


def _get_range(date: Any, unit: str, timeZone: Any = None) -> EEDateRange:  # noqa: N803
    s, e = _unit_start(_dt(to_millis(date)), unit)
    return EEDateRange((_ms(s), _ms(e)))


def _get_fraction(date: Any, unit: str, timeZone: Any = None) -> float:  # noqa: N803
    ms = to_millis(date)
    s, e = _unit_start(_dt(ms), unit)
    return (ms - _ms(s)) / (_ms(e) - _ms(s))


def _update(date: Any, year: Any = None, month: Any = None, day: Any = None, hour: Any = None,
            minute: Any = None, second: Any = None, timeZone: Any = None) -> EEDate:  # noqa: N803
    d = _dt(to_millis(date))
    frac_s = float(second) if second is not None else None
    fields = {"year": year, "month": month, "day": day, "hour": hour, "minute": minute}
    kw = {k: int(v) for k, v in fields.items() if v is not None}
    if frac_s is not None:
        kw["second"], kw["microsecond"] = int(frac_s), int(round((frac_s % 1) * 1e6))
    y, m = kw.get("year", d.year), kw.get("month", d.month)
    if "day" not in kw and d.day > calendar.monthrange(y, m)[1]:
        raise EEError("Date.update: the day does not exist in that month.")
    try:
        return EEDate(_ms(d.replace(**kw)))
    except ValueError as exc:
        raise EEError(f"Date.update: {exc}.") from None


def _range(r: Any) -> tuple[float, float]:
    if isinstance(r, (list, tuple)) and len(r) == 2:
        return float(r[0]), float(r[1])
    if isinstance(r, dict) and "dates" in r:
        return float(r["dates"][0]), float(r["dates"][1])
    raise EEError(f"Expected a DateRange, got {type(r).__name__}.")


def _contains(dateRange: Any, other: Any) -> bool:  # noqa: N803
    a, b = _range(dateRange)
    if isinstance(other, (list, tuple, dict)) and not (isinstance(other, dict) and "value" in other):
        c, d = _range(other)
        return a <= c and (d <= b)
    return a <= to_millis(other) < b


def date_extras_table() -> Table:
    return {
        "Date.getRange": _get_range, "Date.getFraction": _get_fraction, "Date.update": _update,
        "Date.unitRatio": lambda numerator, denominator: _UNIT_MS[numerator] / _UNIT_MS[denominator],
        "DateRange.start": lambda dateRange: EEDate(_range(dateRange)[0]),  # noqa: N803
        "DateRange.end": lambda dateRange: EEDate(_range(dateRange)[1]),  # noqa: N803
        "DateRange.isEmpty": lambda dateRange: _range(dateRange)[1] <= _range(dateRange)[0],  # noqa: N803
        "DateRange.isUnbounded": lambda dateRange: any(math.isinf(v) for v in _range(dateRange)),  # noqa: N803
        "DateRange.contains": _contains,
        "DateRange.intersects": lambda dateRange, other: (  # noqa: N803
            _range(dateRange)[0] < _range(other)[1] and _range(other)[0] < _range(dateRange)[1]),
        "DateRange.intersection": lambda dateRange, other: EEDateRange((  # noqa: N803
            max(_range(dateRange)[0], _range(other)[0]), min(_range(dateRange)[1], _range(other)[1]))),
        "DateRange.union": lambda dateRange, other: EEDateRange((  # noqa: N803
            min(_range(dateRange)[0], _range(other)[0]), max(_range(dateRange)[1], _range(other)[1]))),
        "DateRange.unbounded": lambda: EEDateRange((-math.inf, math.inf)),
    }


# -- numbers and strings ------------------------------------------------------------------------------------
def _int(x: Any) -> int:
    if isinstance(x, float) and not x.is_integer():
        raise EEError(f"Number: expected an integer, got {x}.")
    return int(x)


def _cast(dtype: str) -> Callable[..., Any]:
    info = np.iinfo(dtype)
    return lambda input: int(min(max(math.trunc(float(input)), info.min), info.max))  # noqa: A002


def number_extras_table() -> Table:
    from scipy import special

    unary: dict[str, Callable[[Any], Any]] = {
        "asin": math.asin, "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
        "tanh": math.tanh, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x), "gamma": math.gamma,
        "digamma": lambda x: float(special.digamma(x)), "trigamma": lambda x: float(special.polygamma(1, x)),
        "erf": math.erf, "erfc": math.erfc, "erfInv": lambda x: float(special.erfinv(x)),
        "erfcInv": lambda x: float(special.erfcinv(x)), "bitwiseNot": lambda x: ~_int(x),
        "lanczos": lanczos, "bitCount": lambda x: bin(_int(x) & 0xFFFFFFFFFFFFFFFF).count("1"),
    }
    unary["bitwise_not"] = unary["bitwiseNot"]
    binary: dict[str, Callable[[Any, Any], Any]] = {
        "bitwiseAnd": lambda a, b: _int(a) & _int(b), "bitwiseOr": lambda a, b: _int(a) | _int(b),
        "bitwiseXor": lambda a, b: _int(a) ^ _int(b), "leftShift": lambda a, b: _int(a) << _int(b),
        "rightShift": lambda a, b: _int(a) >> _int(b), "firstNonZero": lambda a, b: a if a else b,
        "gammainc": lambda a, b: float(special.gammainc(a, b)),
    }
    for snake, camel in (("bitwise_and", "bitwiseAnd"), ("bitwise_or", "bitwiseOr"), ("bitwise_xor", "bitwiseXor"),
                         ("left_shift", "leftShift"), ("right_shift", "rightShift"), ("first_nonzero", "firstNonZero")):
        binary[snake] = binary[camel]
    t: Table = {f"Number.{k}": (lambda input, f=f: f(input)) for k, f in unary.items()}  # noqa: A002
    t.update({f"Number.{k}": (lambda left, right, f=f: f(left, right)) for k, f in binary.items()})
    for name, dtype in (("uint8", "uint8"), ("int8", "int8"), ("uint16", "uint16"), ("int16", "int16"),
                        ("int32", "int32"), ("uint32", "uint32"), ("int64", "int64"), ("byte", "uint8"),
                        ("short", "int16")):
        t[f"Number.{name}"] = _cast(dtype)
        t[f"Number.to{name[0].upper()}{name[1:]}"] = _cast(dtype)
    t["Number.unitScale"] = lambda number, min, max: (float(number) - min) / (max - min)  # noqa: A002
    t["String.rindex"] = lambda target, pattern: target.rfind(pattern)
    return t


# Godfrey's Lanczos coefficients (g = 607/128), as Apache Commons Math's Gamma.lanczos uses them.
_LANCZOS = (0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
            -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
            -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3,
            0.21743961811521264320e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4,
            -0.26190838401581408670e-4, 0.36899182659531622704e-5)


def lanczos(x: float) -> float:
    """Number.lanczos: the Lanczos sum, Gamma(x) = sqrt(2 pi) / x * t^(x + 1/2) * exp(-t) * lanczos(x)."""
    return _LANCZOS[0] + sum(_LANCZOS[i] / (float(x) + i) for i in range(len(_LANCZOS) - 1, 0, -1))


